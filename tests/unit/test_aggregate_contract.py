"""What every aggregate keeps: its event topics and fields, keyword-only factories and commands,
and replay of created events recorded before their later fields."""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from eventsourcing.domain import Aggregate, CanMutateAggregate
from eventsourcing.utils import get_topic

from ledger.aggregate import LedgerAggregate
from ledger.appeal import Appeal
from ledger.city import City
from ledger.claim import Claim
from ledger.edition import Edition
from ledger.feedback import Feedback
from ledger.framework import Framework
from ledger.ids import aggregate_id
from ledger.receipt import Receipt
from ledger.verifier import Verifier
from ledger.weights import WeightSet
from tests.support.aggregates import CLAIM_FIELDS, EDITION_FIELDS, WEIGHT_SET_FIELDS
from tests.support.cases import by_name

AGGREGATES: tuple[type[Aggregate], ...] = (
    Appeal,
    City,
    Claim,
    Edition,
    Feedback,
    Framework,
    Receipt,
    Verifier,
    WeightSet,
)
#: An event's fields without and with a default.
Fields = tuple[tuple[str, ...], tuple[str, ...]]
#: The review-round events claims and appeals both record, with the fields of ledger.rounds.
ROUND_OPENED: Fields = (("round_no",), ("by",))
VOTE_CAST: Fields = (("round_no", "verifier_id", "decision", "note"), ())
ROUND_CLOSED: Fields = (("round_no", "outcome", "accepts", "rejects", "quorum"), ("by",))
#: The topic of every event class as stored logs name it, with its fields. Stored logs decode
#: only while these hold: never edit an entry, only add one.
TOPICS: dict[str, Fields] = {
    "ledger.appeal:Appeal.AppealAnswered": (("decision", "response", "by"), ()),
    "ledger.appeal:Appeal.AppealDecided": (
        ("decision", "reasons", "by", "correction_claim_id"),
        (),
    ),
    "ledger.appeal:Appeal.AppealFiled": (
        ("appeal_id", "edition_id", "city_id", "indicator_id", "text", "filed_by"),
        ("claim_id", "rung", "points", "sources", "deadline"),
    ),
    "ledger.appeal:Appeal.AppealReviewClosed": ROUND_CLOSED,
    "ledger.appeal:Appeal.AppealReviewOpened": ROUND_OPENED,
    "ledger.appeal:Appeal.AppealVoteCast": VOTE_CAST,
    "ledger.appeal:Appeal.AppealWithdrawn": (("reason", "by"), ()),
    "ledger.city:City.CityRegistered": (
        ("city_id", "name_en", "name_zh", "country", "aliases_zh"),
        ("by",),
    ),
    "ledger.claim:Claim.ClaimAcceptedOnAppeal": (("appeal_id",), ("by",)),
    "ledger.claim:Claim.ClaimSubmitted": (
        (
            "claim_id",
            "edition_id",
            "city_id",
            "indicator_id",
            "rung",
            "points",
            "sources",
            "submitted_by",
            "supersedes",
        ),
        (),
    ),
    "ledger.claim:Claim.ClaimSuperseded": (("superseded_by",), ("by",)),
    "ledger.claim:Claim.ClaimWithdrawn": (("reason", "by"), ()),
    "ledger.claim:Claim.RoundClosed": ROUND_CLOSED,
    "ledger.claim:Claim.RoundOpened": ROUND_OPENED,
    "ledger.claim:Claim.VoteCast": VOTE_CAST,
    "ledger.edition:Edition.AppealWindowSet": (("days", "by"), ()),
    "ledger.edition:Edition.CitiesIncluded": (("city_ids",), ("by",)),
    "ledger.edition:Edition.EditionCreated": (
        (
            "edition_id",
            "year",
            "title",
            "region",
            "framework_id",
            "framework_version",
            "weight_set_id",
            "evidence_cutoff",
            "quorum",
        ),
        ("by",),
    ),
    "ledger.edition:Edition.QuorumChanged": (("quorum",), ("by",)),
    "ledger.edition:Edition.RankingPublished": (
        ("publication_no", "position", "digest", "tables", "by"),
        ("tree_head", "table_digests", "corrects", "changes", "forced_reason"),
    ),
    "ledger.feedback:Feedback.FeedbackGiven": (
        ("feedback_id", "edition_id", "city_id", "text", "given_by"),
        (),
    ),
    "ledger.framework:Framework.FrameworkDefined": (
        ("framework_id", "title", "pillars", "indicators"),
        ("by",),
    ),
    "ledger.framework:Framework.FrameworkRevised": (
        ("version_no", "pillars", "indicators", "note"),
        ("lineage", "by"),
    ),
    "ledger.framework:Framework.LineageStated": (
        ("version_no", "predecessor_framework_id", "predecessor_version", "lineage"),
        ("by",),
    ),
    "ledger.receipt:Receipt.ReceiptIssued": (("key", "command", "result"), ("fingerprint",)),
    "ledger.verifier:Verifier.VerifierEnrolled": (("verifier_id", "languages"), ("by",)),
    "ledger.verifier:Verifier.VerifierLanguagesChanged": (("languages",), ("by",)),
    "ledger.weights:WeightSet.BallotCast": (("panelist_id", "allocations"), ()),
    "ledger.weights:WeightSet.BallotRevised": (("panelist_id", "allocations", "reason"), ()),
    "ledger.weights:WeightSet.PanelistEnrolled": (("panelist_id", "field"), ("by",)),
    "ledger.weights:WeightSet.WeightSetCreated": (
        ("weight_set_id", "title", "framework_id", "framework_version", "indicator_ids"),
        ("by",),
    ),
    "ledger.weights:WeightSet.WeightsAggregated": (
        ("revision", "weights", "ballot_count", "by"),
        (),
    ),
    "ledger.weights:WeightSet.WeightsSet": (("revision", "weights", "reason", "by"), ()),
}
#: Fields every event has from eventsourcing.
BASE_FIELDS = {"originator_id", "originator_version", "timestamp", "originator_topic"}


def event_classes() -> Iterator[type[CanMutateAggregate[Any]]]:
    for aggregate in AGGREGATES:
        for name in dir(aggregate):
            value = getattr(aggregate, name)
            if (
                isinstance(value, type)
                and issubclass(value, CanMutateAggregate)
                and name not in ("Event", "Created")
            ):
                yield value


def split_fields(event: type[Any]) -> Fields:
    fields = [f for f in dataclasses.fields(event) if f.name not in BASE_FIELDS]
    required = tuple(f.name for f in fields if f.default is dataclasses.MISSING)
    optional = tuple(f.name for f in fields if f.default is not dataclasses.MISSING)
    return required, optional


def test_every_event_class_keeps_its_stored_topic_and_fields() -> None:
    found = {get_topic(event): split_fields(event) for event in event_classes()}

    assert set(TOPICS) <= set(found), "an event class was renamed, moved or removed"
    for topic, (required, optional) in TOPICS.items():
        now_required, now_optional = found[topic]
        # A stored event decodes only while it carries every required field and no new one.
        assert now_required == required, topic
        # A field added later must have a default; one recorded before is never dropped.
        assert set(optional) <= set(now_optional), topic


def test_an_event_class_added_later_is_pinned_here_too() -> None:
    found = {get_topic(event) for event in event_classes()}

    assert found <= set(TOPICS), "pin the new event's topic and fields in TOPICS"


#: Each factory, with the smallest keyword arguments it records.
FACTORIES: dict[str, tuple[Callable[..., Aggregate], dict[str, Any]]] = {
    "Appeal.file": (
        Appeal.file,
        dict(
            appeal_id="a1",
            edition_id="e",
            city_id="c",
            indicator_id=None,
            text="t",
            filed_by="c-office",
        ),
    ),
    "City.register": (
        City.register,
        dict(city_id="c", name_en="C", name_zh="C", country="CN", aliases_zh=[]),
    ),
    "Claim.submit": (Claim.submit, CLAIM_FIELDS),
    "Edition.create": (Edition.create, EDITION_FIELDS),
    "Feedback.give": (
        Feedback.give,
        dict(feedback_id="f1", edition_id="e", city_id="c", text="t", given_by="c-office"),
    ),
    "Framework.define": (
        Framework.define,
        dict(
            framework_id="f",
            title="F",
            pillars=[{"id": "digital", "name": "Digital", "table": "digital_traditional"}],
            indicators=[
                {
                    "id": "i",
                    "pillar": "digital",
                    "name": "I",
                    "proposed": False,
                    "ladder": [{"rung": 1, "points": 0, "description": "none"}],
                }
            ],
        ),
    ),
    "Receipt.issue": (
        Receipt.issue,
        dict(key="k", command="register_city", result='"c"', fingerprint="x"),
    ),
    "Verifier.enrol": (Verifier.enrol, dict(verifier_id="v", languages=["zh"])),
    "WeightSet.create": (WeightSet.create, WEIGHT_SET_FIELDS),
}


@pytest.mark.parametrize(("factory", "kwargs"), by_name(FACTORIES))
def test_a_factory_records_its_created_event_from_keyword_arguments(
    factory: Callable[..., Aggregate], kwargs: dict[str, Any]
) -> None:
    aggregate = factory(**kwargs, at=None)

    (event,) = aggregate.collect_events()
    assert all(getattr(event, field) == value for field, value in kwargs.items())


@pytest.mark.parametrize(("factory", "kwargs"), by_name(FACTORIES))
def test_a_factory_refuses_positional_arguments(
    factory: Callable[..., Aggregate], kwargs: dict[str, Any]
) -> None:
    first, *_ = kwargs

    with pytest.raises(TypeError, match="positional argument"):
        factory(kwargs[first], **{k: v for k, v in kwargs.items() if k != first})


@pytest.mark.parametrize(("factory", "kwargs"), by_name(FACTORIES))
def test_a_factory_refuses_a_field_its_event_does_not_have(
    factory: Callable[..., Aggregate], kwargs: dict[str, Any]
) -> None:
    with pytest.raises(TypeError, match="unexpected keyword argument 'colour'"):
        factory(**kwargs, colour="red", at=None)


def commands() -> Iterator[tuple[str, Callable[..., Any]]]:
    for aggregate in AGGREGATES:
        for name, member in vars(aggregate).items():
            if inspect.isfunction(member) and not name.startswith("_"):
                yield f"{aggregate.__name__}.{name}", member


def test_every_command_takes_keyword_arguments_only() -> None:
    """Public methods with two or more arguments name them; one-argument queries may not."""
    positional = {
        name: params
        for name, method in commands()
        if len(params := list(inspect.signature(method).parameters)[1:]) >= 2
        and any(
            inspect.signature(method).parameters[p].kind is not inspect.Parameter.KEYWORD_ONLY
            for p in params
        )
    }

    assert positional == {}


def created_events() -> Iterator[type[Any]]:
    for event in event_classes():
        if issubclass(event, Aggregate.Created):
            yield event


@pytest.mark.parametrize("event", list(created_events()), ids=lambda e: e.__qualname__)
def test_a_created_event_recorded_before_its_later_fields_still_builds_its_aggregate(
    event: type[Any],
) -> None:
    """Decoded as eventsourcing decodes a stored event: only the fields the log holds."""
    required, _ = split_fields(event)
    aggregate_cls = next(a for a in AGGREGATES if getattr(a, event.__name__, None) is event)
    stored: dict[str, Any] = {name: "x" for name in required}
    stored |= {
        "originator_topic": get_topic(aggregate_cls),
        "originator_id": aggregate_cls.create_id(),
        "originator_version": 1,
        "timestamp": event.create_timestamp(),
    }
    decoded = object.__new__(event)
    object.__setattr__(decoded, "__dict__", stored)

    aggregate = decoded.mutate(None)

    assert isinstance(aggregate, aggregate_cls)
    assert aggregate.version == 1


#: The kind that namespaces each aggregate's ids: stored logs hold these ids, never edit one.
KINDS = {
    Appeal: "appeal",
    City: "city",
    Claim: "claim",
    Edition: "edition",
    Feedback: "feedback",
    Framework: "framework",
    Verifier: "verifier",
    WeightSet: "weight-set",
}


@pytest.mark.parametrize("aggregate", list(KINDS), ids=lambda a: a.__name__)
def test_an_aggregate_id_stays_namespaced_by_its_kind(aggregate: type[LedgerAggregate]) -> None:
    assert aggregate.key("x1") == aggregate_id(KINDS[aggregate], "x1")
    assert Receipt.key_id("x1") == aggregate_id("receipt", "x1")
