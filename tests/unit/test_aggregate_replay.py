"""Replay never fails: every aggregate rebuilt from its events equals the one that made them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.appeal import Appeal
from ledger.application import Ledger
from ledger.city import City
from ledger.claim import Claim
from ledger.edition import Edition
from ledger.errors import LedgerError
from ledger.framework import Framework
from ledger.receipt import Receipt
from ledger.verifier import Verifier
from ledger.weights import WeightSet
from tests.support.aggregates import created_edition, created_weight_set, submitted_claim


def replay(events: Sequence[Any]) -> Any:
    """Rebuild an aggregate by mutating None with the first event, then each next one."""
    aggregate: Any = None
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


def build_city() -> City:
    return City.register(
        city_id="taizhou-js",
        name_en="Taizhou",
        name_zh="泰州",
        country="CN",
        aliases_zh=["泰州市"],
        at=None,
    )


def build_framework() -> Framework:
    pillars = [{"id": "digital", "name": "Digital"}]
    ladder = [{"rung": 1, "points": 0, "description": "a"}]
    framework = Framework.define(
        framework_id="f",
        title="F",
        pillars=pillars,
        indicators=[{"id": "i1", "pillar": "digital", "name": "I1", "ladder": ladder}],
        at=None,
    )
    ladder2 = [*ladder, {"rung": 2, "points": 9, "description": "b"}]
    framework.revise(
        pillars=pillars,
        indicators=[{"id": "i1", "pillar": "digital", "name": "I1", "ladder": ladder2}],
        note="v2",
        at=None,
    )
    return framework


def build_weight_set() -> WeightSet:
    ws = created_weight_set(indicator_ids=["a", "b"])
    ws.enrol_panelist(panelist_id="p1", field="public-administration", at=None)
    ws.enrol_panelist(panelist_id="p2", field="digital-infrastructure", at=None)
    ws.cast_ballot(panelist_id="p1", allocations={"a": 33, "b": 67}, at=None)
    ws.cast_ballot(panelist_id="p2", allocations={"a": 34, "b": 66}, at=None)
    ws.aggregate(by="editor", at=None)
    ws.revise_ballot(panelist_id="p2", allocations={"a": 100}, reason="r", at=None)
    ws.set_weights(weights={"a": "12.5", "b": "175/2"}, reason="override", by="editor", at=None)
    return ws


def build_verifier() -> Verifier:
    verifier = Verifier.enrol(verifier_id="v1", languages=["zh"], at=None)
    verifier.change_languages(languages=["zh", "en"], at=None)
    return verifier


def build_edition() -> Edition:
    edition = created_edition()
    edition.include_cities(city_ids=["a", "b"], at=None)
    edition.change_quorum(quorum=3, at=None)
    edition.publish(
        position=5, digest="0" * 64, tree_head="f" * 64, tables=["total"], by="editor", at=None
    )
    return edition


def build_claim() -> Claim:
    claim = submitted_claim()
    claim.open_next_round(at=None)
    claim.cast_vote(
        verifier_id="v1", verifier_languages={"zh"}, decision="accept", note="", at=None
    )
    claim.close_round(quorum=2, at=None)
    claim.open_next_round(at=None)
    claim.cast_vote(
        verifier_id="v1", verifier_languages={"zh"}, decision="accept", note="", at=None
    )
    claim.cast_vote(
        verifier_id="v2", verifier_languages={"zh"}, decision="reject", note="", at=None
    )
    claim.cast_vote(
        verifier_id="v3", verifier_languages={"zh"}, decision="reject", note="", at=None
    )
    claim.close_round(quorum=2, at=None)
    return claim


def build_withdrawn_claim() -> Claim:
    claim = submitted_claim()
    claim.open_next_round(at=None)
    claim.withdraw(reason="oops", by="r", as_editor=True, at=None)
    return claim


def build_appeal() -> Appeal:
    appeal = Appeal.file(
        appeal_id="ap",
        edition_id="e",
        city_id="a",
        indicator_id="I1",
        text="text",
        filed_by="city",
        at=None,
        rung=2,
        points=2,
        sources=[{"language": "zh", "title": "t", "date": "2023-01-01", "excerpt": "x"}],
    )
    appeal.open_next_round(at=None)
    appeal.cast_vote(
        verifier_id="V1", verifier_languages={"zh"}, decision="accept", note="fine", at=None
    )
    appeal.close_round(quorum=1, at=None)
    appeal.decide(
        decision="dismissed", reasons="no", by="editor", correction_claim_id=None, at=None
    )
    return appeal


def build_receipt() -> Receipt:
    return Receipt.issue(
        key="k", command="register_city", result='"a"', fingerprint="f" * 64, at=None
    )


BUILDERS: dict[str, Callable[[], Any]] = {
    "city": build_city,
    "framework": build_framework,
    "weight_set": build_weight_set,
    "verifier": build_verifier,
    "edition": build_edition,
    "claim": build_claim,
    "withdrawn_claim": build_withdrawn_claim,
    "appeal": build_appeal,
    "receipt": build_receipt,
}


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_replaying_collected_events_rebuilds_an_equal_aggregate(name: str) -> None:
    original = BUILDERS[name]()
    events = original.collect_events()

    rebuilt = replay(events)

    assert type(rebuilt) is type(original)
    assert rebuilt == original
    assert rebuilt.version == len(events)


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_an_aggregate_saved_in_the_ledger_reads_back_equal(name: str, tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "replay.sqlite")
    try:
        original = BUILDERS[name]()
        ledger.save(original)

        rebuilt: Any = ledger.repository.get(original.id)

        assert rebuilt == original
        stored = ledger.records()
        assert [r.originator_version for r in stored] == list(range(1, original.version + 1))
    finally:
        ledger.close()


CLAIM_COMMANDS = st.lists(
    st.tuples(
        st.sampled_from(["open", "vote", "close", "withdraw", "supersede"]),
        st.sampled_from(["v1", "v2", "v3"]),
        st.sampled_from(["accept", "reject", "maybe"]),
        st.sampled_from([{"zh"}, {"en"}, {"zh", "en"}]),
        st.integers(min_value=1, max_value=3),
    ),
    max_size=25,
)


@settings(max_examples=60)
@given(commands=CLAIM_COMMANDS)
def test_any_sequence_of_claim_commands_replays_to_the_same_state(
    commands: list[tuple[str, str, str, set[str], int]],
) -> None:
    claim = submitted_claim()
    for kind, verifier, decision, languages, quorum in commands:
        try:
            if kind == "open":
                claim.open_next_round(at=None)
            elif kind == "vote":
                claim.cast_vote(
                    verifier_id=verifier,
                    verifier_languages=languages,
                    decision=decision,
                    note="",
                    at=None,
                )
            elif kind == "close":
                claim.close_round(quorum=quorum, at=None)
            elif kind == "withdraw":
                claim.withdraw(reason="r", by="r", as_editor=True, at=None)
            else:
                claim.supersede(by_claim="c2", at=None)
        except LedgerError:
            pass

    assert replay(claim.collect_events()) == claim


BALLOTS = st.integers(min_value=0, max_value=100).map(lambda a: {"a": a, "b": 100 - a})


@settings(max_examples=60)
@given(
    commands=st.lists(
        st.tuples(
            st.sampled_from(["enrol", "cast", "revise", "aggregate", "set"]),
            st.sampled_from(["p1", "p2", "p3"]),
            BALLOTS | st.just({"a": 1, "b": 2}),
        ),
        max_size=25,
    )
)
def test_any_sequence_of_weight_set_commands_replays_to_the_same_state(
    commands: list[tuple[str, str, dict[str, int]]],
) -> None:
    ws = created_weight_set(indicator_ids=["a", "b"])
    for kind, panelist, ballot in commands:
        try:
            if kind == "enrol":
                ws.enrol_panelist(panelist_id=panelist, field="digital-infrastructure", at=None)
            elif kind == "cast":
                ws.cast_ballot(panelist_id=panelist, allocations=ballot, at=None)
            elif kind == "revise":
                ws.revise_ballot(panelist_id=panelist, allocations=ballot, reason="r", at=None)
            elif kind == "aggregate":
                ws.aggregate(by="editor", at=None)
            else:
                ws.set_weights(
                    weights={k: str(v) for k, v in ballot.items()}, reason="r", by="editor", at=None
                )
        except LedgerError:
            pass

    assert replay(ws.collect_events()) == ws
