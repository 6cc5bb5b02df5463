"""Band robustness: 1,000 bootstrap draws of the 144-city table, against the exact engine."""

from __future__ import annotations

import random
import time
from fractions import Fraction

from cityledger.bootstrap import Runtime
from projections.catalogue import ballots, edition
from projections.model import tracking_position
from projections.pointintime import state_at
from projections.ranking import ranking
from projections.robustness import band_robustness

DRAWS = 1000
#: Tables the limit is measured on; the limit is their time scaled to DRAWS tables.
SAMPLE = 40

TARGETS = {
    "robustness: 1,000 draws of 144 cities (s)": ("max", 10.0),
    "robustness: 1,000 draws / as many exact Fraction tables": ("max", 0.25),
}


def measure(rt: Runtime) -> dict[str, float]:
    """The draws' time, and its ratio to the limit measured in this run: recomputing the table
    with the exact Fraction engine once per draw (the way without a common denominator)."""
    start = time.perf_counter()
    found = band_robustness(rt.db, "asia-2023", "total", draws=DRAWS, seed=1)
    draws = time.perf_counter() - start
    assert len(found.cities) == 144
    weight_set = edition(rt.db, "asia-2023").weight_set_id
    panel = [dict(b.allocations) for b in ballots(rt.db, weight_set)]
    state = state_at(rt.db, tracking_position(rt.db))
    rng = random.Random(1)
    start = time.perf_counter()
    for _ in range(SAMPLE):
        drawn = rng.choices(range(len(panel)), k=len(panel))
        state.weight_sets[weight_set]["weights"] = {
            i: str(Fraction(sum(panel[b].get(i, 0) for b in drawn), len(panel))) for i in panel[0]
        }
        ranking(state, "asia-2023", "total")
    limit = (time.perf_counter() - start) * DRAWS / SAMPLE
    return {
        "robustness: 1,000 draws of 144 cities (s)": draws,
        "robustness: 1,000 draws / as many exact Fraction tables": draws / limit,
    }
