"""A throwaway PostgreSQL cluster for the tests, and ledgers whose log lives in it.

The cluster is started from Debian's `postgresql` server binaries (`.ci/run` and
`make postgres-server` install them). Without them the PostgreSQL tests are skipped on a
developer's machine, saying why, but FAIL under CI (`CI=true`): CI never skips them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.servers import free_port, unavailable

BACKENDS = ("sqlite", "postgres")


def server_bin() -> Path | None:
    """The newest installed server's bin directory, or None."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return found[-1].parent if found else None


def require_server() -> Path:
    """The server binaries; a skip without them, or a failure under CI."""
    bin_dir = server_bin()
    if bin_dir is None:
        unavailable("PostgreSQL server binaries are not installed (make postgres-server)")
    return bin_dir


def as_postgres(args: list[str]) -> None:
    """Run a server command, as the `postgres` user when we are root (initdb refuses root)."""
    if os.geteuid() == 0:
        args = ["runuser", "-u", "postgres", "--", *args]
    subprocess.run(args, check=True, capture_output=True, timeout=120)


@dataclass(frozen=True)
class Cluster:
    """A running cluster's connection settings (and how to stop and start it again)."""

    port: int
    #: `pg_ctl` and the arguments that start this cluster (empty: not ours to restart).
    control: tuple[str, ...] = ()

    def stop(self) -> None:
        """Stop the server, ending every session (clients' connections drop), keeping what
        was committed (an immediate stop would lose it: commits are not synchronous here)."""
        as_postgres([*self.control[:3], "-m", "fast", "-w", "stop"])

    def start(self) -> None:
        """Start the stopped server again, on the same port; return once it accepts."""
        as_postgres([*self.control, "-w", "start"])

    def dsn(self, dbname: str = "postgres") -> str:
        """A libpq connection string."""
        return f"host=127.0.0.1 port={self.port} user=cityledger dbname={dbname}"

    def env(self, dbname: str = "postgres", schema: str = "") -> dict[str, str]:
        """The eventsourcing settings for a ledger in `dbname` (and `schema`)."""
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": dbname,
            "POSTGRES_HOST": "127.0.0.1",
            "POSTGRES_PORT": str(self.port),
            "POSTGRES_USER": "cityledger",
            "POSTGRES_PASSWORD": "unused",
            "POSTGRES_POOL_SIZE": "2",
        }
        if schema:
            env["POSTGRES_SCHEMA"] = schema
        return env

    def execute(self, statement: str, dbname: str = "postgres") -> None:
        """Run one statement in autocommit mode."""
        import psycopg

        with psycopg.connect(self.dsn(dbname), autocommit=True) as conn:
            conn.execute(statement.encode())

    def new_schema(self) -> str:
        """A fresh, empty schema in the default database (cheaper than a database)."""
        name = f"t_{uuid.uuid4().hex[:12]}"
        self.execute(f"CREATE SCHEMA {name}")
        return name

    def new_database(self, template: str | None = None) -> str:
        """A fresh database, empty or a copy of `template` (which must have no connections)."""
        name = f"d_{uuid.uuid4().hex[:12]}"
        suffix = f" TEMPLATE {template}" if template else ""
        self.execute(f"CREATE DATABASE {name}{suffix}")
        return name


@contextmanager
def start_cluster() -> Iterator[Cluster]:
    """A fresh cluster on a free port, stopped and deleted afterwards."""
    bin_dir = require_server()
    # Not under pytest's tmp dir: that one is private to root, and the server runs as postgres.
    home = Path(tempfile.mkdtemp(prefix="cityledger-pg-"))
    data = home / "data"
    data.mkdir()
    if os.geteuid() == 0:
        shutil.chown(home, "postgres")
        shutil.chown(data, "postgres")
    port = free_port()
    as_postgres([str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "cityledger"])
    # A throwaway cluster: durability is irrelevant, start-up and writes should be quick.
    opts = (
        f"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    # -l: the server must not inherit our pipes, or run() would wait for it to exit.
    log = str(home / "server.log")
    control = (str(bin_dir / "pg_ctl"), "-D", str(data), "-l", log, "-o", opts)
    as_postgres([*control, "-w", "start"])
    try:
        yield Cluster(port, control)
    finally:
        with suppress(subprocess.CalledProcessError):  # a test may have left it stopped
            as_postgres([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"])
        shutil.rmtree(home, ignore_errors=True)


@contextmanager
def postgres_env(env: dict[str, str], read_db: Path) -> Iterator[None]:
    """Point the process at a PostgreSQL log and a local read-model file for a while."""
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            mp.setenv(key, value)
        mp.delenv("CITYLEDGER_DB", raising=False)
        mp.setenv("CITYLEDGER_READ_DB", str(read_db))
        yield
