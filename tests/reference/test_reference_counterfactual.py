"""What it would take, on the reference ledger: applied as claims in a copy, it does it."""

from __future__ import annotations

from pathlib import Path

import pytest

from cityledger.bootstrap import Runtime, open_runtime
from projections.catalogue import edition
from projections.counterfactual import BandTarget, next_band
from projections.rankings import rankings
from tests.support.builders import withdraw_accepted
from tests.support.databases import copy_db

EDITION = "asia-2023"


def apply_as_claims(rt: Runtime, city_id: str, target: BandTarget) -> None:
    """Record the promised rung changes: withdraw what counts, then verify the new rung."""
    cutoff = edition(rt.db, EDITION).evidence_cutoff
    evidence = {"url": "https://example.org/counterfactual", "title": "counterfactual",
                "language": "en", "date": cutoff, "excerpt": "what it would take"}  # fmt: skip
    for change in target.changes:
        if change.points_to < change.points_from:
            withdraw_accepted(rt, EDITION, city_id, change.indicator_id)
        if change.rung_to is not None:
            claim_id = rt.ledger.submit_claim(
                EDITION, city_id, change.indicator_id, change.rung_to, [evidence], "R1"
            )
            rt.ledger.open_round(claim_id, by="E1")
            for verifier in ("V001", "V002"):  # both read English; the quorum is two
                rt.ledger.cast_vote(claim_id, verifier, "accept")
            assert rt.ledger.close_round(claim_id, by="E1") == "accepted"
    rt.catch_up()


@pytest.mark.parametrize("direction", ["up", "down"])
def test_nagoyas_counterfactual_applied_as_claims_in_a_copy_moves_it(
    loaded: Runtime, tmp_path: Path, direction: str
) -> None:
    loaded.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    promised = next_band(loaded.db, EDITION, "total", "nagoya")
    target = promised.up if direction == "up" else promised.down
    assert target.possible and target.changes
    rt = open_runtime(copy_db(Path(loaded.db.conn.execute("PRAGMA database_list").fetchone()[2]),
                              tmp_path / "copy.sqlite"))  # fmt: skip
    try:
        apply_as_claims(rt, "nagoya", target)
        row = next(r for r in rankings(rt.db, EDITION, "total").rows if r.city_id == "nagoya")
        assert (row.score, row.rank, row.band) == (target.score, target.rank, target.band)
        assert row.band == target.target_band != promised.band
    finally:
        rt.close()
