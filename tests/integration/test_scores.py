"""Ledger → projection → query: indicator scores follow verified, non-withdrawn claims."""

from __future__ import annotations

from fractions import Fraction

import pytest

from cityledger.bootstrap import Runtime
from ledger.application import Ledger
from ledger.errors import PermissionDenied
from projections.rankings import indicator_scores, rankings
from tests.support.builders import EDITION, verified_claim
from tests.support.inputs import source

pytestmark = pytest.mark.both_backends


def points(rt: Runtime, city_id: str, indicator_id: str) -> int:
    """The city's current points on an indicator."""
    rt.catch_up()
    scores = indicator_scores(rt.db, EDITION, [city_id])[city_id]
    return next(s.points for s in scores if s.indicator_id == indicator_id)


def test_score_is_the_highest_verified_rung(world: Runtime) -> None:
    verified_claim(world.ledger, "beijing", "D2", 2)
    assert points(world, "beijing", "D2") == 3


def test_withdrawn_claim_drops_the_score_to_the_next_verified_rung(world: Runtime) -> None:
    lower = verified_claim(world.ledger, "beijing", "D2", 2)
    top = world.ledger.submit_claim(EDITION, "beijing", "D2", 4, [source("zh")], "R1")
    world.ledger.open_round(top)
    world.ledger.cast_vote(top, "V1", "accept")
    world.ledger.cast_vote(top, "V2", "accept")
    world.ledger.close_round(top)
    assert points(world, "beijing", "D2") == 4
    world.ledger.withdraw_claim(top, "source retracted", "R1")
    assert points(world, "beijing", "D2") == 3
    scores = indicator_scores(world.db, EDITION, ["beijing"])["beijing"]
    assert lower != next(s.claim_id for s in scores if s.indicator_id == "D2")


def test_rejected_claim_does_not_count(world: Runtime) -> None:
    verified_claim(world.ledger, "taizhou-js", "D2", 4, accept=False)
    assert points(world, "taizhou-js", "D2") == 0


def test_withdrawn_claim_drops_out_of_ranking(world: Runtime) -> None:
    world.catch_up()
    before = {r.city_id: r.score for r in rankings(world.db, EDITION, "total").rows}
    claim = verified_claim(world.ledger, "taizhou-js", "T1", 4)
    world.catch_up()
    during = {r.city_id: r.score for r in rankings(world.db, EDITION, "total").rows}
    world.ledger.withdraw_claim(claim, "wrong city", "E01", as_editor=True)
    world.catch_up()
    after = {r.city_id: r.score for r in rankings(world.db, EDITION, "total").rows}
    assert during["taizhou-js"] == before["taizhou-js"] + 4 * Fraction(30)
    assert after == before


def test_undecided_round_leaves_the_claim_pending_for_another_round(world: Runtime) -> None:
    ledger = world.ledger
    claim = ledger.submit_claim(EDITION, "taizhou-js", "I1", 2, [source("zh")], "R1")
    ledger.open_round(claim)
    ledger.cast_vote(claim, "V1", "accept")
    ledger.cast_vote(claim, "V2", "reject")
    assert ledger.close_round(claim) == "undecided"
    assert points(world, "taizhou-js", "I1") == 0
    assert ledger.open_round(claim) == 2
    ledger.cast_vote(claim, "V1", "accept")
    ledger.cast_vote(claim, "V3", "accept")
    assert ledger.close_round(claim) == "accepted"
    assert points(world, "taizhou-js", "I1") == 2


def test_superseding_claim_replaces_a_rejected_one(world: Runtime) -> None:
    ledger = world.ledger
    rejected = verified_claim(ledger, "taizhou-js", "I6", 3, accept=False)
    again = ledger.submit_claim(
        EDITION, "taizhou-js", "I6", 3, [source("zh", "better")], "R1", supersedes=rejected
    )
    ledger.open_round(again)
    ledger.cast_vote(again, "V1", "accept")
    ledger.cast_vote(again, "V2", "accept")
    ledger.close_round(again)
    assert points(world, "taizhou-js", "I6") == 3


def decide(ledger: Ledger, claim_id: str, decision: str) -> str:
    """One round of two Chinese readers voting alike."""
    ledger.open_round(claim_id)
    ledger.cast_vote(claim_id, "V1", decision)
    ledger.cast_vote(claim_id, "V2", decision)
    return ledger.close_round(claim_id)


def total_of(rt: Runtime, city_id: str) -> Fraction:
    """The city's current total score."""
    rt.catch_up()
    return next(r.score for r in rankings(rt.db, EDITION, "total").rows if r.city_id == city_id)


@pytest.mark.parametrize("end", ["reject", "withdraw"])
def test_a_proposed_correction_never_lowers_the_score(world: Runtime, end: str) -> None:
    ledger = world.ledger
    old = verified_claim(ledger, "taizhou-js", "T1", 4)
    before = total_of(world, "taizhou-js")
    lower = ledger.submit_claim(
        EDITION, "taizhou-js", "T1", 1, [source("zh", "correction")], "R1", supersedes=old
    )
    assert total_of(world, "taizhou-js") == before
    if end == "reject":
        decide(ledger, lower, "reject")
    else:
        ledger.withdraw_claim(lower, "withdrawn", "R1")
    assert total_of(world, "taizhou-js") == before
    assert points(world, "taizhou-js", "T1") == 4


def test_an_accepted_correction_replaces_the_old_score(world: Runtime) -> None:
    ledger = world.ledger
    old = verified_claim(ledger, "taizhou-js", "T1", 4)
    lower = ledger.submit_claim(
        EDITION, "taizhou-js", "T1", 1, [source("zh", "correction")], "R1", supersedes=old
    )
    decide(ledger, lower, "accept")
    assert points(world, "taizhou-js", "T1") == 1


def test_a_stranger_cannot_supersede_a_claim(world: Runtime) -> None:
    ledger = world.ledger
    old = verified_claim(ledger, "taizhou-js", "T1", 4)
    head = ledger.head()
    with pytest.raises(PermissionDenied):
        ledger.submit_claim(
            EDITION, "taizhou-js", "T1", 1, [source("zh", "bogus")], "R2", supersedes=old
        )
    assert ledger.head() == head
    assert points(world, "taizhou-js", "T1") == 4


def test_total_is_sum_of_points_times_exact_mean_weights(runtime: Runtime) -> None:
    from tests.support.builders import build_frame

    # Three ballots whose means are thirds: the weights are not representable as floats.
    build_frame(
        runtime.ledger,
        ballots=[
            {"D2": 34, "T1": 33, "I1": 33, "I6": 0},
            {"D2": 33, "T1": 34, "I1": 33, "I6": 0},
            {"D2": 33, "T1": 33, "I1": 34, "I6": 0},
        ],
    )
    verified_claim(runtime.ledger, "beijing", "D2", 1)
    verified_claim(runtime.ledger, "shanghai", "T1", 1)
    verified_claim(runtime.ledger, "tokyo", "I1", 1)
    runtime.catch_up()
    rows = {r.city_id: r for r in rankings(runtime.db, EDITION, "total").rows}
    assert rows["beijing"].score == Fraction(100, 3)
    # The three cities tie exactly and share rank 1.
    assert {rows[c].rank for c in ("beijing", "shanghai", "tokyo")} == {1}
    assert rows["seoul"].rank == 4
