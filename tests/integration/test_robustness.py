"""Band robustness: bootstrap draws of the panel's ballots, exact and seeded."""

from __future__ import annotations

import random
from collections import Counter
from fractions import Fraction

import pytest

from cityledger.bootstrap import Runtime
from ledger.errors import InvalidInput
from projections.catalogue import ballots
from projections.model import tracking_position
from projections.pointintime import state_at
from projections.ranking import ranking
from projections.robustness import band_robustness
from tests.support.builders import EDITION, WEIGHT_SET, build_frame, verified_claims

BALLOTS = [
    {"D2": 70, "T1": 10, "I1": 10, "I6": 10},
    {"D2": 10, "T1": 70, "I1": 10, "I6": 10},
    {"D2": 10, "T1": 10, "I1": 70, "I6": 10},
    {"D2": 25, "T1": 25, "I1": 25, "I6": 25},
    {"D2": 40, "T1": 40, "I1": 10, "I6": 10},
]
PLAN = {
    "beijing": {"D2": 4, "T1": 1, "I1": 2},
    "shanghai": {"D2": 1, "T1": 4, "I1": 2},
    "tokyo": {"D2": 2, "T1": 2, "I1": 4},
    "taizhou-zj": {"D2": 3, "T1": 3, "I1": 1},
}


def build(rt: Runtime, ballot_list: list[dict[str, int]]) -> None:
    """A frame with these ballots and cities whose order depends on the weights."""
    build_frame(rt.ledger, ballot_list)
    verified_claims(rt.ledger, PLAN)
    rt.catch_up()


def test_with_all_ballots_equal_every_probability_is_0_or_1(runtime: Runtime) -> None:
    build(runtime, [BALLOTS[0]] * 6)
    found = band_robustness(runtime.db, EDITION, "total", draws=200, seed=5)
    assert found.method == "mean-of-ballots" and found.ballots == 6 and found.note is None
    assert len(found.cities) == 6
    for city in found.cities:
        assert [(p.band, p.probability) for p in city.probabilities] == [(city.band, Fraction(1))]
        assert city.rank_low == city.rank_high == city.rank and city.drivers == ()


def test_same_seed_same_answer_and_the_draws_are_exact(runtime: Runtime) -> None:
    build(runtime, BALLOTS)
    first = band_robustness(runtime.db, EDITION, "total", draws=300, seed=11)
    assert band_robustness(runtime.db, EDITION, "total", draws=300, seed=11) == first
    assert band_robustness(runtime.db, EDITION, "total", draws=300, seed=12) != first
    # Recompute every draw with the exact Fraction engine: the same RNG, the same ballots.
    state = state_at(runtime.db, tracking_position(runtime.db))
    panel = [dict(b.allocations) for b in ballots(runtime.db, WEIGHT_SET)]
    rng = random.Random(11)
    seen: dict[str, Counter[str]] = {c.city_id: Counter() for c in first.cities}
    ranks: dict[str, list[int]] = {c.city_id: [] for c in first.cities}
    for _ in range(300):
        drawn = rng.choices(range(len(panel)), k=len(panel))
        weights = {i: str(Fraction(sum(panel[b][i] for b in drawn), len(panel))) for i in panel[0]}
        state.weight_sets[WEIGHT_SET]["weights"] = weights
        for row in ranking(state, EDITION, "total"):
            seen[row.city_id][row.band] += 1
            ranks[row.city_id].append(row.rank)
    for city in first.cities:
        assert {p.band: p.probability for p in city.probabilities} == {
            band: Fraction(n, 300) for band, n in seen[city.city_id].items()
        }
        ordered = sorted(ranks[city.city_id])
        assert (city.rank_low, city.rank_high) == (ordered[14], ordered[284])
    # The weights move these cities: each has its drivers, strongest first.
    moving = [c for c in first.cities if c.rank_low != c.rank_high]
    assert moving and all(c.drivers for c in moving)
    for c in moving:
        strengths = [abs(d.correlation) for d in c.drivers]
        assert strengths == sorted(strengths, reverse=True)


def test_weights_set_by_an_editor_have_no_ballots_to_resample(runtime: Runtime) -> None:
    build(runtime, BALLOTS)
    runtime.ledger.set_weights(
        WEIGHT_SET, {"D2": "25", "T1": "25", "I1": "25", "I6": "25"}, "flat", "E1"
    )
    runtime.catch_up()
    found = band_robustness(runtime.db, EDITION, "total")
    assert found.method == "set-by-editor" and found.cities == ()
    assert (
        found.note == "the weights in force were set by an editor: there are no ballots to resample"
    )


@pytest.mark.parametrize("draws", [0, 10_001, True])
def test_draws_out_of_range_are_refused(runtime: Runtime, draws: int) -> None:
    build(runtime, BALLOTS)
    with pytest.raises(InvalidInput, match="draws"):
        band_robustness(runtime.db, EDITION, "total", draws=draws)
