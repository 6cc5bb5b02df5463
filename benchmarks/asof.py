"""As-of latency: p50 and p99 of one table as of many positions (for any ledger size)."""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass

from sqlite_utils import Database

from projections.rankings import rankings


@dataclass(frozen=True)
class Latency:
    """Percentiles of a set of timed answers, in milliseconds."""

    p50: float
    p99: float
    samples: int


def as_of_ms(db: Database, edition_id: str, position: int, table: str = "total") -> float:
    """Wall time of one as-of table (the query the API and the CLI run), in milliseconds."""
    start = time.perf_counter()
    rankings(db, edition_id, table, position)
    return (time.perf_counter() - start) * 1000


def spread(low: int, high: int, count: int, seed: int = 14) -> list[int]:
    """`count` positions drawn evenly at random from [low, high] (seeded: same run, same set)."""
    rng = random.Random(seed)
    return [rng.randint(low, high) for _ in range(count)]


def as_of_latency(db: Database, edition_id: str, positions: Sequence[int]) -> Latency:
    """p50 and p99 of the total table as of each position, each asked once (a cold position
    each time, as a reader scrolling through history would ask)."""
    samples = sorted(as_of_ms(db, edition_id, p) for p in positions)
    p99 = samples[min(len(samples) - 1, round(0.99 * (len(samples) - 1)))]
    return Latency(statistics.median(samples), p99, len(samples))
