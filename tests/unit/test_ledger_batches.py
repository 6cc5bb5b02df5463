"""Batches: many commands in one transaction, each checked, in the order they were run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ledger.application import Ledger
from ledger.claim import ACCEPTED, Claim
from ledger.errors import UnknownId
from tests.unit.conftest import CITY_A, EDITION_ID

pytestmark = pytest.mark.both_backends


def claim_and_votes(led: Ledger, source: dict[str, Any], claim_id: str) -> None:
    """A claim through a whole round: submit, open, two accepts, close."""
    led.submit_claim(EDITION_ID, CITY_A, "broadband", 3, [source], "r", claim_id=claim_id)
    led.open_round(claim_id)
    led.cast_vote(claim_id, "v-zh-en", "accept")
    led.cast_vote(claim_id, "v-en-zh", "accept")
    led.close_round(claim_id)


def log(led: Ledger, after: int) -> list[tuple[str, str, int, dict[str, Any]]]:
    """The events after a position as (type, aggregate, version, data)."""
    return [(r.type, r.originator_id, r.originator_version, r.data) for r in led.records(after)]


def test_a_batch_records_what_the_commands_record_one_by_one_in_the_same_order(
    ledger: Ledger, zh_source: dict[str, Any], tmp_path: Path
) -> None:
    start = ledger.head()
    claim_and_votes(ledger, zh_source, "one-by-one")
    singly = log(ledger, start)
    middle = ledger.head()
    with ledger.batch(size=3):
        # Five commands in batches of three: the votes and the close read unsaved state.
        claim_and_votes(ledger, zh_source, "batched")
    batched = log(ledger, middle)
    rename = {singly[0][1]: batched[0][1]}
    assert [(t, rename.get(o, o), v, {**d, "claim_id": "x"}) for t, o, v, d in singly] == [
        (t, o, v, {**d, "claim_id": "x"}) for t, o, v, d in batched
    ]
    found: Claim = ledger.repository.get(Claim.key("batched"))
    assert isinstance(found, Claim) and found.status == ACCEPTED


def test_a_refused_command_in_a_batch_keeps_the_commands_before_it_and_records_nothing_itself(
    ledger: Ledger, zh_source: dict[str, Any]
) -> None:
    start = ledger.head()
    with pytest.raises(UnknownId, match="nope"), ledger.batch(size=100):
        ledger.submit_claim(EDITION_ID, CITY_A, "broadband", 3, [zh_source], "r", claim_id="kept")
        ledger.open_round("kept")
        ledger.cast_vote("nope", "v-zh-en", "accept")
    assert [r.type for r in ledger.records(start)] == ["ClaimSubmitted", "RoundOpened"]


def test_a_batch_that_meets_another_writer_replays_its_commands_one_by_one(
    ledger: Ledger, zh_source: dict[str, Any]
) -> None:
    ledger.submit_claim(EDITION_ID, CITY_A, "broadband", 3, [zh_source], "r", claim_id="c")
    ledger.open_round("c")
    other = Ledger(env=dict(ledger.env)) if ledger.env.get("POSTGRES_DBNAME") else None
    if other is None:
        other = Ledger(Path(ledger.env["SQLITE_DBNAME"]))
    try:
        start = ledger.head()
        with ledger.batch(size=100):
            ledger.cast_vote("c", "v-zh-en", "accept")
            # Another process votes on the same claim before the batch is saved.
            other.cast_vote("c", "v-en-zh", "reject")
        events = [(r.type, r.data.get("verifier_id")) for r in ledger.records(start)]
        assert events == [("VoteCast", "v-en-zh"), ("VoteCast", "v-zh-en")]
    finally:
        other.close()
