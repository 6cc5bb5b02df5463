"""Ranks and percentile bands, exactly as the report assigns them."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from fractions import Fraction
from typing import TypeVar

# Cumulative shares and their labels, in order; a band is the first whose share admits the rank.
BANDS: tuple[tuple[Fraction, str], ...] = (
    (Fraction(1, 10), "top 10%"),
    (Fraction(3, 10), "10%-30%"),
    (Fraction(6, 10), "30%-60%"),
    (Fraction(1), "60%-100%"),
)
BAND_LABELS = tuple(label for _, label in BANDS)


@functools.lru_cache(maxsize=65536)
def band(rank: int, n: int) -> str:
    """The band of a rank among n cities: the first whose share p satisfies rank <= p × n."""
    for share, label in BANDS:
        if rank <= share * n:
            return label
    return BANDS[-1][1]


S = TypeVar("S", Fraction, int)


def ranks(scores: Mapping[str, S]) -> dict[str, int]:
    """Rank = 1 + the number of cities with a strictly higher score (ties share a rank)."""
    ordered = sorted(scores.values(), reverse=True)
    first_index: dict[S, int] = {}
    for i, score in enumerate(ordered):
        first_index.setdefault(score, i)
    return {city: first_index[score] + 1 for city, score in scores.items()}


def band_sizes(bands: Mapping[str, str]) -> tuple[int, ...]:
    """How many cities fall in each band, in band order."""
    values = list(bands.values())
    return tuple(values.count(label) for label in BAND_LABELS)
