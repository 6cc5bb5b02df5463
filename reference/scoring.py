"""Pure scoring: weights from ballots, table scores, ranks and bands (exact arithmetic)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from fractions import Fraction
from math import lcm

# The engine's own band rule and ranks: the calibration must agree with what it ships with.
from projections.bands import band, ranks
from reference.inputs import DT_IDS, I_IDS, INDICATOR_IDS, TABLES

TABLE_INDICATORS: dict[str, tuple[str, ...]] = {
    "total": INDICATOR_IDS,
    "digital_traditional": DT_IDS,
    "institutional": I_IDS,
}

Rungs = Mapping[str, Mapping[str, int]]


def weights_from_ballots(ballots: Iterable[Mapping[str, int]]) -> dict[str, Fraction]:
    """Mean allocation per indicator over the ballots, as exact fractions."""
    current = list(ballots)
    return {i: Fraction(sum(b.get(i, 0) for b in current), len(current)) for i in INDICATOR_IDS}


def table_scores(rungs: Rungs, weights: Mapping[str, Fraction]) -> dict[str, dict[str, Fraction]]:
    """Score of every city in each of the three tables (integer sums over a common denominator)."""
    denominator = lcm(*(w.denominator for w in weights.values()))
    units = {i: w.numerator * (denominator // w.denominator) for i, w in weights.items()}
    return {
        table: {
            city: Fraction(sum(r.get(i, 0) * units[i] for i in ids), denominator)
            for city, r in rungs.items()
        }
        for table, ids in TABLE_INDICATORS.items()
    }


def bands(scores: Mapping[str, Fraction]) -> dict[str, str]:
    """Band of every city in one table."""
    n = len(scores)
    return {city: band(rank, n) for city, rank in ranks(scores).items()}


def all_bands(rungs: Rungs, weights: Mapping[str, Fraction]) -> dict[str, dict[str, str]]:
    """Bands per table per city."""
    scores = table_scores(rungs, weights)
    return {table: bands(scores[table]) for table in TABLES}
