"""The same code on PostgreSQL: eventsourcing's PostgreSQL recorder under the whole engine.

Runs against a throwaway PostgreSQL cluster started from Debian's `postgresql` binaries;
where they are not installed the module is skipped with the reason.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from cityledger.bootstrap import Runtime, open_runtime
from ledger.integrity import verify_log
from projections.ranking import TABLES
from projections.rankings import rankings
from tests.support.builders import EDITION, build_small_world

BIN = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
pytestmark = pytest.mark.skipif(not BIN, reason="PostgreSQL server binaries are not installed")


def free_port() -> int:
    """A free loopback port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def as_postgres(args: list[str]) -> None:
    """Run a server command, as the `postgres` user when we are root (initdb refuses root)."""
    if os.geteuid() == 0:
        args = ["runuser", "-u", "postgres", "--", *args]
    subprocess.run(args, check=True, capture_output=True, timeout=120)


@pytest.fixture(scope="module")
def cluster() -> Iterator[dict[str, str]]:
    """A fresh PostgreSQL cluster on a free port; its connection settings."""
    bin_dir = BIN[-1].parent
    # Not under pytest's tmp dir: that one is private to root, and the server runs as postgres.
    home = Path(tempfile.mkdtemp(prefix="cityledger-pg-"))
    data = home / "data"
    data.mkdir()
    if os.geteuid() == 0:
        shutil.chown(home, "postgres")
        shutil.chown(data, "postgres")
    port = free_port()
    as_postgres([str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "cityledger"])
    opts = f"-p {port} -k {data} -c listen_addresses=127.0.0.1"
    # -l: the server must not inherit our pipes, or run() would wait for it to exit.
    log = str(home / "server.log")
    as_postgres([str(bin_dir / "pg_ctl"), "-D", str(data), "-l", log, "-o", opts, "-w", "start"])
    try:
        yield {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": "postgres",
            "POSTGRES_HOST": "127.0.0.1",
            "POSTGRES_PORT": str(port),
            "POSTGRES_USER": "cityledger",
            "POSTGRES_PASSWORD": "unused",
        }
    finally:
        as_postgres([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"])
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def pg_runtime(
    cluster: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Runtime]:
    """A runtime whose log is in a fresh PostgreSQL database and read models in a local file."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    dsn = f"host=127.0.0.1 port={cluster['POSTGRES_PORT']} user=cityledger dbname=postgres"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    for key, value in (cluster | {"POSTGRES_DBNAME": name}).items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("CITYLEDGER_READ_DB", str(tmp_path / "read.sqlite"))
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
