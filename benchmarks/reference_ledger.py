"""The reference ledger: load, rebuild, current and as-of tables, scores, memory."""

from __future__ import annotations

import resource
from collections.abc import Iterator

from benchmarks.asof import as_of_latency, spread
from benchmarks.core import Bench, Figure, best_rate, timed
from benchmarks.rebuild_ceiling import ceiling
from cityledger.bootstrap import Runtime
from projections.rankings import indicator_scores, rankings


def decode_limit(rt: Runtime) -> int:
    """eventsourcing's own read of the whole log: select_notifications + decode every event."""
    recorder, mapper = rt.ledger.recorder, rt.ledger.mapper
    count, after = 0, 0
    while True:
        batch = recorder.select_notifications(start=after + 1, limit=5000)
        if not batch:
            return count
        for notification in batch:
            mapper.to_domain_event(notification)
        count += len(batch)
        after = int(batch[-1].id)


#: Rounds of (limit, rebuild, ceiling): each figure is the best of its runs.
REBUILD_ROUNDS = 3


def rebuild_beside_limit(rt: Runtime, head: int) -> tuple[float, float, float]:
    """The decode limit's rate, the rebuild's and its ceiling's, in events/s, measured in
    alternation (on a shared machine the load shifts within seconds: alternating gives them
    the same chances)."""
    rt.follower.rebuild()
    top = ceiling(rt)
    limit = rebuilt = bound = 0.0
    for _ in range(REBUILD_ROUNDS):
        limit = max(limit, best_rate(lambda: decode_limit(rt), repeat=1))
        rebuilt = max(rebuilt, best_rate(lambda: (rt.follower.rebuild(), head)[1], repeat=1))
        bound = max(bound, best_rate(top, repeat=1))
    return limit, rebuilt, bound


def weights_from(rt: Runtime) -> int:
    """The position of asia-2023's first weights (before it the edition has no table)."""
    row = rt.db.execute(
        "SELECT MIN(position) FROM events WHERE type IN ('WeightsAggregated', 'WeightsSet') "
        "AND owner_key = (SELECT weight_set_id FROM editions WHERE edition_id = 'asia-2023')"
    ).fetchone()
    return int(row[0])


#: As-of answers: p50 and p99 limits (ms) at any position, whatever the log's length.
AS_OF_P50_MS, AS_OF_P99_MS = 50.0, 150.0
#: Positions sampled near the start and near the head of the log (each asked once).
AS_OF_SAMPLES = 200


def as_of_figures(rt: Runtime, first: int, head: int) -> Iterator[Figure]:
    """As-of p50/p99 near the start and near the head, each beside its limit; and the head's
    p50 beside the start's, measured in the same run."""
    window = min(2000, (head - first) // 4)
    near = {
        "start": spread(first, first + window, AS_OF_SAMPLES),
        "head": spread(head - window, head - 1, AS_OF_SAMPLES),
    }
    found = {where: as_of_latency(rt.db, "asia-2023", ps) for where, ps in near.items()}
    for where, latency in found.items():
        low, high = min(near[where]), max(near[where])
        for name, value, limit in (
            ("p50", latency.p50, AS_OF_P50_MS),
            ("p99", latency.p99, AS_OF_P99_MS),
        ):
            yield Figure(
                f"as-of table {name}, {latency.samples} positions near the {where} ({low}-{high})",
                value,
                "ms",
                limit=limit,
                limit_name=f"limit {name} (ms)",
                target=1.0,
                kind="max",
            )
    # Informational: near the head the edition holds more accepted scores (2,000 of 2,304
    # against 500 near the start), so it reads more rows; the log's length plays no part.
    yield Figure(
        "as-of table p50 near the head",
        found["head"].p50,
        "ms",
        limit=found["start"].p50,
        limit_name="p50 near the start",
    )


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


def run(bench: Bench) -> Iterator[Figure]:
    """Every figure on the reference ledger (17,241 events)."""
    bench.reference_db()
    yield Figure(
        "load the reference ledger (import, then read models)",
        bench.commands / bench.load_seconds,
        "commands/s",
        target=400.0,
    )
    rt = bench.open_reference("reference-ledger")
    try:
        head = rt.ledger.head()
        limit, rebuilt, bound = rebuild_beside_limit(rt, head)
        yield Figure(
            "rebuild every read model",
            rebuilt,
            "events/s",
            limit=limit,
            limit_name="select_notifications + decode",
            target=0.5,
        )
        yield Figure(
            "rebuild's ceiling: read, decode, write its rows again (models computing nothing)",
            bound,
            "events/s",
            limit=limit,
            limit_name="select_notifications + decode",
        )
        yield Figure(
            "current table",
            timed(lambda: rankings(rt.db, "asia-2023", "total")),
            "ms",
            target=50.0,
            kind="max",
        )
        # From the first weights of asia-2023 on, the table exists at every position.
        first = weights_from(rt)
        yield from as_of_figures(rt, first, head)
        cities = [r.city_id for r in rankings(rt.db, "asia-2023", "total").rows]
        middle = (first + head) // 2
        yield Figure(
            f"scores for 144 cities as of {middle}",
            timed(lambda: indicator_scores(rt.db, "asia-2023", cities, middle)),
            "ms",
            target=400.0,
            kind="max",
        )
        yield Figure(
            "GraphQL table of 144 cities with per-indicator scores",
            api_table(rt),
            "ms",
            target=1000.0,
            kind="max",
        )
        yield storage_figure(rt)
    finally:
        rt.close()
    yield Figure(
        "peak memory",
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "MiB",
        target=600.0,
        kind="max",
    )


def storage_figure(rt: Runtime) -> Figure:
    """Read models + ranking timeline against the stored events, in bytes (SQLite dbstat)."""
    rows = dict(rt.db.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name").fetchall())
    events = sum(v for k, v in rows.items() if "stored_events" in str(k))
    read = sum(v for k, v in rows.items() if "stored_events" not in str(k))
    mib = 1024 * 1024
    return Figure(
        "storage: read models + ranking timeline",
        read / mib,
        "MiB",
        limit=events / mib,
        limit_name="stored events (MiB)",
        target=2.0,
        kind="max",
    )
