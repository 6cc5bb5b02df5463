"""The same write, rebuild and as-of figures with the log on PostgreSQL, beside SQLite.

A throwaway cluster is started from Debian's server binaries (as the tests do); without them
the module says so and prints nothing else.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

from benchmarks.core import Bench, Figure, best_rate, reference_commands, timed
from cityledger import importer
from cityledger.bootstrap import Runtime, open_runtime
from projections.rankings import rankings
from tests.support.postgres import postgres_env, server_bin, start_cluster

#: Reference commands imported on each engine.
COMMANDS = 5000


def figures(rt: Runtime) -> tuple[float, float, float]:
    """(import commands/s, rebuild events/s, as-of ms) on a fresh runtime."""
    commands = importer.parse(reference_commands()[:COMMANDS])
    start = time.perf_counter()
    importer.run(rt.ledger, commands)
    write = len(commands) / (time.perf_counter() - start)
    head = rt.catch_up()
    rebuild = best_rate(lambda: (rt.follower.rebuild(), head)[1], repeat=2)
    as_of = timed(lambda: rankings(rt.db, "asia-2023", "total", head - 500))
    return write, rebuild, as_of


def run(bench: Bench) -> Iterator[Figure]:
    """Import, rebuild and as-of on PostgreSQL, each beside the same figure on SQLite."""
    if server_bin() is None:
        bench.notes.append("PostgreSQL figures skipped: no server binaries (make postgres-server)")
        return
    sqlite = open_runtime(bench.tmp / "engine-sqlite.sqlite")
    try:
        on_sqlite = figures(sqlite)
    finally:
        sqlite.close()
    read = bench.tmp / "engine-read.sqlite"
    with start_cluster() as cluster, postgres_env(cluster.env(cluster.new_database()), read):
        pg = open_runtime()
        try:
            on_pg = figures(pg)
        finally:
            pg.close()
    names = (
        (f"PostgreSQL: import {COMMANDS} reference commands", "commands/s"),
        ("PostgreSQL: rebuild every read model", "events/s"),
        ("PostgreSQL: as-of table, 500 events before the head", "ms"),
    )
    for (name, unit), value, limit in zip(names, on_pg, on_sqlite, strict=True):
        yield Figure(name, value, unit, limit=limit, limit_name="SQLite, same run")
