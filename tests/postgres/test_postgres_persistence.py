"""The same code on PostgreSQL: eventsourcing's PostgreSQL recorder under the whole engine.

Runs against the session's throwaway PostgreSQL cluster (tests/support/postgres.py); without
the server binaries it is skipped on a developer's machine and fails under CI.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from cityledger.bootstrap import Runtime, open_runtime
from ledger.application import Ledger
from ledger.integrity import verify_log
from projections.ranking import TABLES
from projections.rankings import rankings
from tests.support import postgres
from tests.support.builders import EDITION, build_small_world
from tests.support.postgres import Cluster, postgres_env


@pytest.fixture
def pg_runtime(pg_cluster: Cluster, tmp_path: Path) -> Iterator[Runtime]:
    """A runtime whose log is in a fresh PostgreSQL database and read models in a local file."""
    with postgres_env(pg_cluster.env(pg_cluster.new_database()), tmp_path / "read.sqlite"):
        rt = open_runtime()
        yield rt
        rt.close()


def test_the_same_commands_rank_the_same_on_postgresql_and_sqlite(
    pg_runtime: Runtime, runtime: Runtime
) -> None:
    for rt in (pg_runtime, runtime):
        build_small_world(rt.ledger)
        rt.catch_up()
    assert pg_runtime.ledger.head() == runtime.ledger.head()
    for table in TABLES:
        on_pg = rankings(pg_runtime.db, EDITION, table).rows
        on_sqlite = rankings(runtime.db, EDITION, table).rows
        assert [(r.city_id, r.score, r.rank, r.band) for r in on_pg] == [
            (r.city_id, r.score, r.rank, r.band) for r in on_sqlite
        ]


def test_verify_and_point_in_time_work_on_postgresql(pg_runtime: Runtime) -> None:
    build_small_world(pg_runtime.ledger)
    pg_runtime.ledger.publish(EDITION)
    pg_runtime.catch_up()
    report = verify_log(pg_runtime.ledger, pg_runtime.db.conn)
    assert report.ok, report.summary
    middle = pg_runtime.ledger.head() // 2
    assert rankings(pg_runtime.db, EDITION, "total", as_of=middle).position == middle


def test_a_missing_server_fails_under_ci_and_is_skipped_elsewhere(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(postgres, "server_bin", lambda: None)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=r"not installed.*CI must run this suite"):
        postgres.require_server()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="not installed"):
        postgres.require_server()


def test_a_commit_by_another_process_wakes_a_listening_follower_on_postgresql(
    pg_runtime: Runtime,
) -> None:
    wake = threading.Event()
    stop = pg_runtime.ledger.listen(wake)
    assert stop is not None
    other = Ledger()  # the same database, as another process would open it
    try:
        other.register_city("hangzhou", "Hangzhou", "杭州", "CN")
        # Bounded: LISTEN/NOTIFY delivers at once; the bound only keeps a broken build finite.
        assert wake.wait(timeout=30)
    finally:
        stop()
        other.close()


def test_sqlite_has_no_notifications_so_its_follower_polls(runtime: Runtime) -> None:
    assert runtime.ledger.listen(threading.Event()) is None
