"""Pure scoring: weights from ballots, table scores, ranks and bands (exact arithmetic)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from fractions import Fraction
from math import lcm

from reference.inputs import BANDS, DT_IDS, I_IDS, INDICATOR_IDS, TABLES

# Cumulative shares of the four bands, as (numerator, denominator).
BAND_SHARES = ((1, 10), (3, 10), (6, 10), (10, 10))
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


def band_for_rank(rank: int, n: int) -> str:
    """The first band whose cumulative share p satisfies rank <= p * n."""
    for band, (num, den) in zip(BANDS, BAND_SHARES, strict=True):
        if rank * den <= n * num:
            return band
    raise ValueError(f"rank {rank} exceeds {n} cities")


def ranks(scores: Mapping[str, Fraction]) -> dict[str, int]:
    """1 + the number of cities with a strictly higher score."""
    denominator = lcm(*(s.denominator for s in scores.values()))
    ints = {c: s.numerator * (denominator // s.denominator) for c, s in scores.items()}
    first_at: dict[int, int] = {}
    for position, value in enumerate(sorted(ints.values(), reverse=True), start=1):
        first_at.setdefault(value, position)
    return {city: first_at[value] for city, value in ints.items()}


def bands(scores: Mapping[str, Fraction]) -> dict[str, str]:
    """Band of every city in one table."""
    n = len(scores)
    return {city: band_for_rank(rank, n) for city, rank in ranks(scores).items()}


def all_bands(rungs: Rungs, weights: Mapping[str, Fraction]) -> dict[str, dict[str, str]]:
    """Bands per table per city."""
    scores = table_scores(rungs, weights)
    return {table: bands(scores[table]) for table in TABLES}
