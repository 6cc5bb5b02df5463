"""What it would take: the fewest ladder steps up or down a band, applied as real claims."""

from __future__ import annotations

import itertools
import json
from fractions import Fraction

import pytest

from cityledger.bootstrap import Runtime
from projections.bands import band
from projections.counterfactual import BandTarget, Level, cheapest, current_level, next_band
from projections.rankings import indicator_scores, rankings
from tests.support.builders import (
    EDITION,
    INDICATORS,
    build_frame,
    verified_claim,
    withdraw_accepted,
)

TABLE = "total"
LADDER_TOP = {"D2": 4, "T1": 4, "I1": 4, "I6": 3}


def apply_as_claims(rt: Runtime, city_id: str, target: BandTarget) -> None:
    """Record the promised rung changes as claims: withdraw what counts, then verify the new."""
    held = {s.indicator_id: s for s in indicator_scores(rt.db, EDITION, [city_id])[city_id]}
    for change in target.changes:
        if change.rung_to is not None and change.points_to > change.points_from:
            verified_claim(rt.ledger, city_id, change.indicator_id, change.rung_to)
            continue
        # Going down: every accepted claim on the indicator stops counting, then the lower rung.
        withdraw_accepted(rt, EDITION, city_id, change.indicator_id)
        assert held[change.indicator_id].points == change.points_from
        if change.rung_to is not None:
            verified_claim(rt.ledger, city_id, change.indicator_id, change.rung_to)
    rt.catch_up()


def brute_force(rt: Runtime, city_id: str, direction: str) -> tuple[int, Fraction] | None:
    """Fewest steps, then the extreme score, over every combination of rungs (small ladders;
    rung n is worth n points, so a place on the ladder is its points)."""
    view = rankings(rt.db, EDITION, TABLE)
    weights = current_weights(rt)
    held = {s.indicator_id: s.points for s in indicator_scores(rt.db, EDITION, [city_id])[city_id]}
    others = {r.city_id: r.score for r in view.rows if r.city_id != city_id}
    me = next(r for r in view.rows if r.city_id == city_id)
    n = len(view.rows)
    order = ["top 10%", "10%-30%", "30%-60%", "60%-100%"]
    best: tuple[int, Fraction] | None = None
    ids = [i for i, _ in INDICATORS]
    for combo in itertools.product(*(range(LADDER_TOP[i] + 1) for i in ids)):
        steps = sum(abs(p - held[i]) for i, p in zip(ids, combo, strict=True))
        score = sum((weights[i] * p for i, p in zip(ids, combo, strict=True)), Fraction(0))
        rank = 1 + sum(1 for s in others.values() if s > score)
        new = order.index(band(rank, n))
        old = order.index(me.band)
        if (new < old) if direction == "up" else (new > old):
            margin = score if direction == "up" else -score
            if best is None or (steps, -margin) < (best[0], -best[1]):
                best = (steps, margin)
    return best


def current_weights(rt: Runtime) -> dict[str, Fraction]:
    """The weights in force, from the last weight revision."""
    (text,) = rt.db.execute(
        "SELECT weights FROM weight_revisions ORDER BY position DESC LIMIT 1"
    ).fetchone()
    return {i: Fraction(w) for i, w in json.loads(text).items()}


@pytest.mark.parametrize("city_id", ["shanghai", "tokyo", "taizhou-zj", "beijing"])
def test_the_promised_change_moves_the_city_and_no_smaller_change_does(
    world: Runtime, city_id: str
) -> None:
    nb = next_band(world.db, EDITION, TABLE, city_id)
    for target in (nb.up, nb.down):
        expected = brute_force(world, city_id, target.direction)
        if not target.possible:
            assert expected is None
            continue
        assert expected is not None and target.score is not None
        # Fewest steps, and among those the largest margin (the extreme score).
        margin = target.score if target.direction == "up" else -target.score
        assert (target.steps, margin) == expected
        assert target.steps == sum(c.steps for c in target.changes)


@pytest.mark.parametrize("direction", ["up", "down"])
def test_applying_the_counterfactual_as_claims_lands_in_the_promised_band(
    world: Runtime, direction: str
) -> None:
    nb = next_band(world.db, EDITION, TABLE, "shanghai")
    target = nb.up if direction == "up" else nb.down
    assert target.possible and target.changes
    apply_as_claims(world, "shanghai", target)
    row = next(r for r in rankings(world.db, EDITION, TABLE).rows if r.city_id == "shanghai")
    assert (row.score, row.rank, row.band) == (target.score, target.rank, target.band)
    assert row.band == target.target_band


def test_none_possible_at_the_edges_of_the_table(runtime: Runtime) -> None:
    build_frame(runtime.ledger)
    for city in ("beijing", "shanghai", "tokyo", "taizhou-zj"):
        for indicator, top in LADDER_TOP.items():
            verified_claim(runtime.ledger, city, indicator, top)
    runtime.catch_up()
    # Six cities: the top 10% holds no rank, so the leaders cannot go up; the last cannot drop.
    leader = next_band(runtime.db, EDITION, TABLE, "beijing")
    assert leader.band == "10%-30%" and not leader.up.possible
    assert leader.up.reason == "none possible: the band holds no rank among 6"
    last = next_band(runtime.db, EDITION, TABLE, "taizhou-js")
    assert last.band == "60%-100%" and not last.down.possible
    assert last.down.reason == "none possible: already in the bottom band"
    # Tying the leaders at the top of every ladder is enough to go up (ties share a rank).
    assert last.up.possible and last.up.margin == 0 and last.up.steps == sum(LADDER_TOP.values())


def test_no_choice_of_rungs_reaching_the_line_is_none_possible() -> None:
    options = [
        [(0, Fraction(0), 0), (1, Fraction(5), 1)],
        [(0, Fraction(0), 0), (2, Fraction(3), 2)],
    ]
    assert cheapest(options, lambda g: g >= 9, lambda a, b: a > b) is None
    assert cheapest(options, lambda g: g >= 8, lambda a, b: a > b) == (3, Fraction(8), [1, 2])
    assert cheapest(options, lambda g: g >= 4, lambda a, b: a > b) == (1, Fraction(5), [1, 0])


def test_a_city_without_a_counting_claim_stands_below_a_zero_point_rung() -> None:
    levels = [Level(rung=None, points=0), Level(rung=1, points=0), Level(rung=2, points=5)]
    assert current_level(levels, 0, held=False) == 0
    assert current_level(levels, 0, held=True) == 1
    assert current_level(levels, 5, held=True) == 2
