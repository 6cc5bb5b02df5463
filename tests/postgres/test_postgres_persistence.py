"""The same code on PostgreSQL: eventsourcing's PostgreSQL recorder under the whole engine.

Runs against the session's throwaway PostgreSQL cluster (tests/support/postgres.py); without
the server binaries it is skipped on a developer's machine and fails under CI.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from cityledger.bootstrap import Runtime, open_runtime
from ledger.application import Ledger
from ledger.errors import Unavailable
from ledger.integrity import verify_log
from projections.ranking import TABLES
from projections.rankings import rankings
from tests.support import postgres
from tests.support.builders import EDITION, build_small_world
from tests.support.cli import run
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


def test_a_command_while_postgresql_is_down_is_unavailable_and_works_once_it_is_back(
    tmp_path: Path,
) -> None:
    # A cluster of its own: stopping the session's would fail other tests.
    with postgres.start_cluster() as cluster:
        env = cluster.env() | {"POSTGRES_CONNECT_TIMEOUT": "2"}
        with postgres_env(env, tmp_path / "read.sqlite"):
            rt = open_runtime()
            try:
                rt.ledger.register_city("kobe", "Kobe", "神户", "JP")
                cluster.stop()
                # Named for what it is, not retried as a conflict with other writers.
                with pytest.raises(Unavailable) as refused:
                    rt.ledger.register_city("nara", "Nara", "奈良", "JP")
                assert refused.value.code == "UNAVAILABLE"
                assert "PostgreSQL" in refused.value.message
                assert "register_city" in refused.value.message
                cluster.start()
                # The pool's connections died with the server: a new one serves the retry.
                rt.ledger.register_city("nara", "Nara", "奈良", "JP")
                assert rt.ledger.head() == 2 and rt.catch_up() == 2
            finally:
                rt.close()


def test_a_role_postgresql_does_not_know_is_named_in_one_line_with_the_servers_reason(
    pg_cluster: Cluster, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = pg_cluster.env() | {"POSTGRES_USER": "nobody", "POSTGRES_CONNECT_TIMEOUT": "1"}
    with postgres_env(env, tmp_path / "read.sqlite"):
        code, out, err = run(capsys, "events")
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1, err
    assert err.startswith(
        "cityledger: UNAVAILABLE: cannot connect to the PostgreSQL database 'postgres' on "
        f"127.0.0.1:{pg_cluster.port} as user 'nobody': "
    )
    assert 'role "nobody" does not exist' in err and "POSTGRES_USER" in err
    assert "read.sqlite" not in err


def test_a_database_of_another_application_is_refused_naming_it_and_left_alone(
    pg_cluster: Cluster, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = pg_cluster.new_database()
    pg_cluster.execute("CREATE TABLE cityledger_events (id int, note text)", dbname=other)
    with postgres_env(pg_cluster.env(other), tmp_path / "read.sqlite"):
        code, out, err = run(capsys, "events")
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1, err
    assert err.startswith(
        f"cityledger: INVALID_INPUT: cannot use the PostgreSQL database '{other}'"
    )
    assert "another application" in err and "read.sqlite" not in err
    assert not (tmp_path / "read.sqlite").exists()


def test_notifications_resume_after_postgresql_restarts_with_one_line_said(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with postgres.start_cluster() as cluster:
        env = cluster.env() | {"POSTGRES_CONNECT_TIMEOUT": "1"}
        with postgres_env(env, tmp_path / "read.sqlite"), caplog.at_level(logging.WARNING):
            rt = open_runtime()
            wake = threading.Event()
            stop = rt.ledger.listen(wake)
            assert stop is not None
            try:
                cluster.stop()
                cluster.start()
                wake.clear()
                other = Ledger()  # another process, committing once the server is back
                try:
                    other.register_city("hangzhou", "Hangzhou", "杭州", "CN")
                finally:
                    other.close()
                # Woken by the commit (or by listening again, which catches up what it
                # missed), not left to polling. The bound only keeps a broken build finite.
                assert wake.wait(timeout=60)
            finally:
                stop()
                rt.close()
    said = [r for r in caplog.records if r.name == "cityledger.ledger"]
    errors = [r for r in said if r.levelno >= logging.ERROR]
    assert errors and all(r.exc_info is None for r in errors)
    assert errors[0].getMessage().startswith("UNAVAILABLE: ")
    assert said[-1].getMessage() == "PostgreSQL notifications resumed"
