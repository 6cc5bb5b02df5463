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


def replay(events: Sequence[Any]) -> Any:
    """Rebuild an aggregate by mutating None with the first event, then each next one."""
    aggregate: Any = None
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


def source(language: str) -> dict[str, Any]:
    return {
        "url": None,
        "citation": "Yearbook",
        "title": "Doc",
        "language": language,
        "date": "2023-01-01",
        "excerpt": "…",
    }


def build_city() -> City:
    return City.register("taizhou-js", "Taizhou", "泰州", "CN", ["泰州市"], None)


def build_framework() -> Framework:
    pillars = [{"id": "digital", "name": "Digital"}]
    ladder = [{"rung": 1, "points": 0, "description": "a"}]
    framework = Framework.define(
        "f", "F", pillars, [{"id": "i1", "pillar": "digital", "name": "I1", "ladder": ladder}], None
    )
    ladder2 = [*ladder, {"rung": 2, "points": 9, "description": "b"}]
    framework.revise(
        pillars, [{"id": "i1", "pillar": "digital", "name": "I1", "ladder": ladder2}], "v2", None
    )
    return framework


def build_weight_set() -> WeightSet:
    ws = WeightSet.create("ws", "W", "f", 1, ["a", "b"], None)
    ws.enrol_panelist("p1", "public-administration", None)
    ws.enrol_panelist("p2", "digital-infrastructure", None)
    ws.cast_ballot("p1", {"a": 33, "b": 67}, None)
    ws.cast_ballot("p2", {"a": 34, "b": 66}, None)
    ws.aggregate("editor", None)
    ws.revise_ballot("p2", {"a": 100}, "r", None)
    ws.set_weights({"a": "12.5", "b": "175/2"}, "override", "editor", None)
    return ws


def build_verifier() -> Verifier:
    verifier = Verifier.enrol("v1", ["zh"], None)
    verifier.change_languages(["zh", "en"], None)
    return verifier


def build_edition() -> Edition:
    edition = Edition.create("e", 2023, "T", "Asia", "f", 1, "ws", "2023-06-30", 2, None)
    edition.include_cities(["a", "b"], None)
    edition.change_quorum(3, None)
    edition.publish(5, "0" * 64, "f" * 64, ["total"], "editor", None)
    return edition


def build_claim() -> Claim:
    claim = Claim.submit("c", "e", "a", "i1", 1, 0, [source("zh")], "r", None, None)
    claim.open_next_round(None)
    claim.cast_vote("v1", {"zh"}, "accept", "", None)
    claim.close_round(2, None)
    claim.open_next_round(None)
    claim.cast_vote("v1", {"zh"}, "accept", "", None)
    claim.cast_vote("v2", {"zh"}, "reject", "", None)
    claim.cast_vote("v3", {"zh"}, "reject", "", None)
    claim.close_round(2, None)
    return claim


def build_withdrawn_claim() -> Claim:
    claim = Claim.submit("c", "e", "a", "i1", 1, 0, [source("zh")], "r", None, None)
    claim.open_next_round(None)
    claim.withdraw("oops", "r", True, None)
    return claim


def build_appeal() -> Appeal:
    appeal = Appeal.file(
        "ap", "e", "a", "I1", "text", "city", None, rung=2, points=2,
        sources=[{"language": "zh", "title": "t", "date": "2023-01-01", "excerpt": "x"}],
    )  # fmt: skip
    appeal.open_review(None)
    appeal.cast_vote("V1", {"zh"}, "accept", "fine", None)
    appeal.close_review(1, None)
    appeal.decide("dismissed", "no", "editor", None, None)
    return appeal


def build_receipt() -> Receipt:
    return Receipt.issue("k", "register_city", '"a"', "f" * 64, None)


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


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(commands=CLAIM_COMMANDS)
def test_any_sequence_of_claim_commands_replays_to_the_same_state(
    commands: list[tuple[str, str, str, set[str], int]],
) -> None:
    claim = Claim.submit("c", "e", "a", "i1", 1, 0, [source("zh")], "r", None, None)
    for kind, verifier, decision, languages, quorum in commands:
        try:
            if kind == "open":
                claim.open_next_round(None)
            elif kind == "vote":
                claim.cast_vote(verifier, languages, decision, "", None)
            elif kind == "close":
                claim.close_round(quorum, None)
            elif kind == "withdraw":
                claim.withdraw("r", "r", True, None)
            else:
                claim.supersede("c2", None)
        except LedgerError:
            pass

    assert replay(claim.collect_events()) == claim


BALLOTS = st.integers(min_value=0, max_value=100).map(lambda a: {"a": a, "b": 100 - a})


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
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
    ws = WeightSet.create("ws", "W", "f", 1, ["a", "b"], None)
    for kind, panelist, ballot in commands:
        try:
            if kind == "enrol":
                ws.enrol_panelist(panelist, "digital-infrastructure", None)
            elif kind == "cast":
                ws.cast_ballot(panelist, ballot, None)
            elif kind == "revise":
                ws.revise_ballot(panelist, ballot, "r", None)
            elif kind == "aggregate":
                ws.aggregate("editor", None)
            else:
                ws.set_weights({k: str(v) for k, v in ballot.items()}, "r", "editor", None)
        except LedgerError:
            pass

    assert replay(ws.collect_events()) == ws
