"""The same write, rebuild, as-of and verify figures with the log on PostgreSQL, beside
SQLite; and how soon another process's commit wakes a follower (LISTEN/NOTIFY).

A throwaway cluster is started from Debian's server binaries (as the tests do); without them
the module says so and prints nothing else.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

from benchmarks.core import Bench, Figure, best_rate, reference_commands, timed
from cityledger import importer
from cityledger.bootstrap import Runtime, open_runtime
from ledger.application import Ledger
from ledger.integrity import verify_log
from projections.rankings import rankings
from tests.support.postgres import postgres_env, server_bin, start_cluster

#: Reference commands imported on each engine.
COMMANDS = 5000


#: Commits by another writer whose notification delay is sampled.
WAKES = 40


def figures(rt: Runtime) -> tuple[float, float, float, float]:
    """(import commands/s, rebuild events/s, as-of ms, verify events/s) on a fresh runtime."""
    commands = importer.parse(reference_commands()[:COMMANDS])
    start = time.perf_counter()
    importer.run(rt.ledger, commands)
    write = len(commands) / (time.perf_counter() - start)
    head = rt.catch_up()
    rebuild = best_rate(lambda: (rt.follower.rebuild(), head)[1], repeat=2)
    as_of = timed(lambda: rankings(rt.db, "asia-2023", "total", head - 500))
    verify = best_rate(lambda: (verify_log(rt.ledger, rt.db.conn), head)[1], repeat=2)
    return write, rebuild, as_of, verify


def wake_delays(rt: Runtime) -> list[float]:
    """Milliseconds from another writer's commit returning to this runtime's wake-up."""
    wake = threading.Event()
    stop = rt.ledger.listen(wake)
    assert stop is not None, "PostgreSQL notifications are not available"
    other = Ledger()  # the same database, as another process would open it
    delays = []
    try:
        for n in range(WAKES):
            wake.clear()
            other.register_city(f"wake-{n}", f"Wake {n}", "唤醒", "CN")
            start = time.perf_counter()
            # Bounded so that a broken notification path ends the benchmark, not hangs it.
            if not wake.wait(timeout=5):
                raise RuntimeError("no notification within 5 s")
            delays.append((time.perf_counter() - start) * 1000)
    finally:
        stop()
        other.close()
    return sorted(delays)


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
            delays = wake_delays(pg)
        finally:
            pg.close()
    names = (
        (f"PostgreSQL: import {COMMANDS} reference commands", "commands/s"),
        ("PostgreSQL: rebuild every read model", "events/s"),
        ("PostgreSQL: as-of table, 500 events before the head", "ms"),
        ("PostgreSQL: verify", "events/s"),
    )
    for (name, unit), value, limit in zip(names, on_pg, on_sqlite, strict=True):
        yield Figure(name, value, unit, limit=limit, limit_name="SQLite, same run")
    # Where SQLite polls, PostgreSQL's NOTIFY wakes a follower: the bound is the 1 s within
    # which a write through one API process must be visible through another.
    yield Figure(
        f"PostgreSQL: another writer's commit wakes a follower, p99 of {WAKES}",
        delays[min(len(delays) - 1, round(0.99 * len(delays)))],
        "ms",
        target=1000.0,
        kind="max",
    )
