"""Run the benchmarks on the reference ledger and check them against their targets."""

from __future__ import annotations

import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks import healthz, robustness
from cityledger import reference
from cityledger.bootstrap import Runtime, open_runtime
from projections.compare import compare
from projections.history import city_history
from projections.rankings import indicator_scores, rankings

# Targets on the project's reference machine (2 cores): generous, so only regressions fail.
TARGETS = {
    "load reference (commands/s)": ("min", 400.0),
    "rebuild read models (events/s)": ("min", 1500.0),
    "current table (ms)": ("max", 50.0),
    "as-of table, worst case (ms)": ("max", 400.0),
    "as-of cost ratio, long log / short log": ("max", 2.0),
    "scores for 144 cities as of (ms)": ("max", 400.0),
    "GraphQL table of 144 cities with per-indicator scores (ms)": ("max", 1000.0),
    "compare two editions with the method/performance split (ms)": ("max", 2000.0),
    "a city's history over three years (ms)": ("max", 2000.0),
    "web page: first table, just-started server (ms)": ("max", 1000.0),
    "web page: first table, later loads (ms)": ("max", 1000.0),
    "peak memory (MiB)": ("max", 600.0),
    **robustness.TARGETS,
    **healthz.TARGETS,
}


def timed(fn: Callable[[], object], repeat: int = 5) -> float:
    """Median wall time of fn in milliseconds."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def api_table(rt: Runtime) -> float:
    """Median time of the API's heaviest common read, over HTTP in-process."""
    from starlette.testclient import TestClient

    from graphql_api.app import create_app
    from graphql_api.tokens import create_token

    token = create_token(rt.db, "auditor", "bench")
    query = (
        '{ rankings(edition: "asia-2023", table: TOTAL) { position rows { cityId band '
        "score { fraction } indicatorScores { indicatorId points claimId } } } }"
    )
    with TestClient(create_app(rt, follow=False)) as client:

        def run() -> None:
            response = client.post(
                "/graphql", json={"query": query}, headers={"Authorization": f"Bearer {token}"}
            )
            assert len(response.json()["data"]["rankings"]["rows"]) == 144

        return timed(run)


def measure(rt: Runtime) -> dict[str, float]:
    """Every benchmark's number."""
    out: dict[str, float] = {}
    start = time.perf_counter()
    reference.load(rt)
    head = rt.ledger.head()
    commands = sum(
        sum(1 for line in (reference.DATA / name).open(encoding="utf-8") if line.strip())
        for _, name, _ in reference.FILES
    )
    out["load reference (commands/s)"] = commands / (time.perf_counter() - start)
    start = time.perf_counter()
    rt.follower.rebuild()
    out["rebuild read models (events/s)"] = head / (time.perf_counter() - start)
    out["current table (ms)"] = timed(lambda: rankings(rt.db, "asia-2023", "total"))
    # Worst case: just before a checkpoint, the longest replay from the previous one.
    out["as-of table, worst case (ms)"] = max(
        timed(lambda: rankings(rt.db, "asia-2023", "total", 4999)),
        timed(lambda: rankings(rt.db, "asia-2023", "total", 9999)),
        timed(lambda: rankings(rt.db, "asia-2023", "total", 14999)),
    )
    # The same distance from a checkpoint early and late in the log costs about the same.
    early = timed(lambda: rankings(rt.db, "asia-2023", "total", 2500))
    late = timed(lambda: rankings(rt.db, "asia-2023", "total", 15500))
    out["as-of cost ratio, long log / short log"] = late / early
    cities = [r.city_id for r in rankings(rt.db, "asia-2023", "total").rows]
    out["scores for 144 cities as of (ms)"] = timed(
        lambda: indicator_scores(rt.db, "asia-2023", cities, 12345)
    )
    out["GraphQL table of 144 cities with per-indicator scores (ms)"] = api_table(rt)
    out["compare two editions with the method/performance split (ms)"] = timed(
        lambda: compare(rt.db, "asia-2023", "asia-2024", "total")
    )
    out["a city's history over three years (ms)"] = timed(lambda: city_history(rt.db, "tokyo"))
    from benchmarks.web import first_table

    page = first_table(rt)  # None without Debian's chromium (`make chromium`)
    if page is not None:
        out["web page: first table, just-started server (ms)"] = page[0]
        out["web page: first table, later loads (ms)"] = page[1]
    out.update(robustness.measure(rt))
    out.update(healthz.measure(rt))
    out["peak memory (MiB)"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def main() -> int:
    """Print each number against its target; exit 1 if any target is missed."""
    with tempfile.TemporaryDirectory() as tmp:
        rt = open_runtime(Path(tmp) / "bench.sqlite")
        try:
            results = measure(rt)
        finally:
            rt.close()
    failed = 0
    for name, value in results.items():
        kind, target = TARGETS[name]
        ok = value >= target if kind == "min" else value <= target
        failed += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {name:<42} {value:>10.2f}  ({kind} {target})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
