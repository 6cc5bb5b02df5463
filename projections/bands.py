"""Ranks and percentile bands, exactly as the report assigns them."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from fractions import Fraction
from typing import TypeVar

from ledger.vocabulary import Band

# Cumulative shares and their bands, in order; a band is the first whose share admits the rank.
BANDS: tuple[tuple[Fraction, Band], ...] = (
    (Fraction(1, 10), Band.TOP_10),
    (Fraction(3, 10), Band.FROM_10_TO_30),
    (Fraction(6, 10), Band.FROM_30_TO_60),
    (Fraction(1), Band.FROM_60_TO_100),
)
BAND_LABELS: tuple[str, ...] = tuple(Band)
#: The report's Chinese band titles.
ZH_BANDS = {"top 10%": "前10%", "10%-30%": "10%-30%", "30%-60%": "30%-60%", "60%-100%": "60%-100%"}


@functools.lru_cache(maxsize=65536)
def band(rank: int, n: int) -> Band:
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
