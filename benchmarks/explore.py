"""Exploring the reference ledger: comparing editions, a city's history, the web page."""

from __future__ import annotations

from collections.abc import Iterator

from benchmarks.core import Bench, Figure, timed
from projections.compare import compare
from projections.history import city_history


def run(bench: Bench) -> Iterator[Figure]:
    """Compare, history and (with Chromium) the web page's first table."""
    from benchmarks.web import first_table

    rt = bench.open_reference("explore")
    try:
        yield Figure(
            "compare two editions with the method/performance split",
            timed(lambda: compare(rt.db, "asia-2023", "asia-2024", "total")),
            "ms",
            target=2000.0,
            kind="max",
        )
        yield Figure(
            "a city's history over three years",
            timed(lambda: city_history(rt.db, "tokyo")),
            "ms",
            target=2000.0,
            kind="max",
        )
        page = first_table(rt)  # None without Debian's chromium (`make chromium`)
        if page is not None:
            for name, value in zip(("just-started server", "later loads"), page, strict=True):
                yield Figure(
                    f"web page: first table, {name}", value, "ms", target=1000.0, kind="max"
                )
    finally:
        rt.close()
