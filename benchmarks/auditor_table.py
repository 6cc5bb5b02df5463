"""The live auditor table (exact scores and per-indicator points) over HTTP, against the same
JSON built straight from SQL by a minimal Starlette endpoint, at 1 and 4 clients."""

from __future__ import annotations

import json
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path

import orjson

from benchmarks.core import Bench, Figure, free_port
from benchmarks.published_tables import SECONDS, post, start, throughput

#: Turns each side takes (SECONDS in all per side and client count).
ROUNDS = 3
#: The table with exact scores and per-indicator points, the points as one JSON list per row.
QUERY = (
    '{ rankings(edition: "asia-2023", table: TOTAL) { position rows { cityId band '
    "score { fraction } indicatorPoints } } }"
)
#: The same with a GraphQL object per indicator score (informational: what typed fields cost).
TYPED_QUERY = (
    '{ rankings(edition: "asia-2023", table: TOTAL) { position rows { cityId band '
    "score { fraction } indicatorScores { indicatorId points claimId } } } }"
)


def table_from_sql(conn: sqlite3.Connection, points_field: str = "indicatorPoints") -> bytes:
    """The same response body, from the standings and scores rows."""
    position = conn.execute("SELECT MIN(position) FROM projection_tracking").fetchone()[0]
    points: dict[str, list[dict[str, object]]] = {}
    for city, indicator, value, claim in conn.execute(
        "SELECT city_id, indicator_id, points, claim_id FROM scores WHERE edition_id = ? "
        "ORDER BY rowid",
        ["asia-2023"],
    ):
        points.setdefault(city, []).append(
            {"indicatorId": indicator, "points": value, "claimId": claim}
        )
    rows = [
        {
            "cityId": city,
            "band": band,
            "score": {"fraction": score},
            points_field: points[city],
        }
        for city, band, score in conn.execute(
            "SELECT s.city_id, s.band, s.score FROM standings s JOIN cities c USING (city_id) "
            "WHERE s.edition_id = ? AND s.table_name = 'total' "
            "ORDER BY s.rank, c.name_en COLLATE NOCASE, s.city_id",
            ["asia-2023"],
        )
    ]
    body = {"data": {"rankings": {"position": position, "rows": rows}}}
    return orjson.dumps(body)  # the API's encoder too


def serve_sql(db: str, port: int) -> None:
    """A Starlette endpoint that answers with table_from_sql() (its points field named as the
    query names it)."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    conn = sqlite3.connect(db, check_same_thread=False)

    async def endpoint(request: Request) -> Response:
        body = await request.body()
        field = "indicatorScores" if b"indicatorScores" in body else "indicatorPoints"
        return Response(table_from_sql(conn, field), media_type="application/json")

    app = Starlette(routes=[Route("/graphql", endpoint, methods=["POST"])])
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def serve_app(db: str, port: int, token_file: str, tables: str = "kept") -> None:
    """The real API, with an auditor token written to token_file; with tables="none", no
    computed table is kept (each request computes its table, as at a new position)."""
    import uvicorn

    from cityledger.bootstrap import open_runtime
    from graphql_api import live_tables
    from graphql_api.app import create_app
    from graphql_api.serving import settle_heap
    from graphql_api.tokens import create_token

    if tables == "none":
        live_tables.MAX_TABLES = 0

    rt = open_runtime(Path(db))
    Path(token_file).write_text(create_token(rt.db, "auditor", "bench-auditor"))
    app = create_app(rt, follow=False)
    settle_heap()  # as `cityledger serve` does
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


def side_by_side(
    sql_port: int, app_port: int, payload: bytes, clients: int, headers: dict[str, str]
) -> tuple[float, float]:
    """(limit, value) in requests/s: each the best of ROUNDS runs, the two taking turns, so
    that a burst of load from elsewhere on the machine weighs on both alike."""
    limits, values = [], []
    for _ in range(ROUNDS):
        limits.append(throughput(sql_port, payload, clients, SECONDS / ROUNDS))
        values.append(throughput(app_port, payload, clients, SECONDS / ROUNDS, headers=headers))
    return max(limits), max(values)


def run(bench: Bench) -> Iterator[Figure]:
    """Auditor table throughput beside the SQL-built JSON, at 1 and 4 clients."""
    import http.client

    here = "benchmarks.auditor_table"
    db, bare_db = bench.copy_of_reference("auditor"), bench.copy_of_reference("auditor-bare")
    app_port, bare_port, sql_port = free_port(), free_port(), free_port()
    tokens = bench.tmp / "auditor-token", bench.tmp / "auditor-bare-token"
    app = start(["auditor", str(db), str(app_port), str(tokens[0])], app_port, here)
    bare = start(["auditor", str(bare_db), str(bare_port), str(tokens[1]), "none"], bare_port, here)
    sql = start(["sql", str(db), str(sql_port)], sql_port, here)
    try:
        for query, port, token_file, label, target in (
            (QUERY, app_port, tokens[0], "auditor table with per-indicator points (JSON)", 0.5),
            (QUERY, bare_port, tokens[1], "same, computed on every request (no table kept)", None),
            (
                TYPED_QUERY,
                app_port,
                tokens[0],
                "same with an IndicatorScore object per point",
                None,
            ),
        ):
            headers = {"Authorization": f"Bearer {token_file.read_text()}"}
            payload = json.dumps({"query": query}).encode()
            via_api = json.loads(
                post(http.client.HTTPConnection("127.0.0.1", port), payload, headers)
            )
            via_sql = json.loads(post(http.client.HTTPConnection("127.0.0.1", sql_port), payload))
            assert via_api == via_sql, "the SQL-built JSON must equal the API's"
            for clients in (1, 4):
                limit, value = side_by_side(sql_port, port, payload, clients, headers)
                yield Figure(
                    f"{label}, {clients} client(s)",
                    value,
                    "requests/s",
                    limit=limit,
                    limit_name="same JSON from SQL",
                    target=target,
                )
    finally:
        for process in (app, bare, sql):
            process.terminate()
            process.wait()


if __name__ == "__main__":
    if sys.argv[1] == "auditor":
        serve_app(sys.argv[2], int(sys.argv[3]), sys.argv[4], *sys.argv[5:])
    else:
        serve_sql(sys.argv[2], int(sys.argv[3]))
