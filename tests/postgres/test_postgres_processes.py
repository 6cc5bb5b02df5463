"""Several API processes on one PostgreSQL event store, each following the log into its own
read models: a write through one is read through the other."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.postgres import Cluster
from tests.support.servers import free_port, wait_until

REPO = Path(__file__).resolve().parents[2]


def cli_env(cluster: Cluster, dbname: str, read_db: Path) -> dict[str, str]:
    """The environment of one API process: the shared log, its own read-model file."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CITYLEDGER_", "POSTGRES_"))}
    return env | cluster.env(dbname) | {"CITYLEDGER_READ_DB": str(read_db)}


@pytest.fixture
def two_servers(pg_cluster: Cluster, tmp_path: Path) -> Iterator[tuple[str, str, str]]:
    """Two `cityledger serve` processes on one PostgreSQL database; (url A, url B, editor token
    of A)."""
    dbname = pg_cluster.new_database()
    env_a = cli_env(pg_cluster, dbname, tmp_path / "a.sqlite")
    env_b = cli_env(pg_cluster, dbname, tmp_path / "b.sqlite")
    made = subprocess.run(
        [sys.executable, "-m", "cityledger.cli", "token", "create", "--role", "editor",
         "--name", "editor-a"],
        env=env_a, cwd=REPO, capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    token = made.stdout.strip().split()[-1]
    processes, urls = [], []
    try:
        for env in (env_a, env_b):
            port = free_port()
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "cityledger.cli", "serve", "--port", str(port)],
                    env=env,
                    cwd=REPO,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                )
            )
            url = f"http://127.0.0.1:{port}"
            wait_until(lambda u=url: httpx.get(f"{u}/healthz", timeout=1).status_code == 200, url)
            urls.append(url)
        yield urls[0], urls[1], token
    finally:
        for process in processes:
            process.terminate()
            _, stderr = process.communicate(timeout=15)
            assert b"Traceback" not in stderr, stderr.decode()


def cities(url: str) -> list[str]:
    """City ids an anonymous reader sees through one process."""
    body = httpx.post(f"{url}/graphql", json={"query": "{ cities { cityId } }"}, timeout=5).json()
    return [c["cityId"] for c in body["data"]["cities"]]


def test_a_write_through_one_api_process_is_read_through_another(
    two_servers: tuple[str, str, str],
) -> None:
    a, b, token = two_servers
    assert cities(a) == cities(b) == []
    mutation = (
        'mutation { registerCity(input: {cityId: "hangzhou", nameEn: "Hangzhou", '
        'nameZh: "杭州", country: "CN"}) { __typename } }'
    )
    done = httpx.post(
        f"{a}/graphql", json={"query": mutation}, headers={"Authorization": f"Bearer {token}"}
    ).json()
    assert done["data"]["registerCity"]["__typename"] != "LedgerError", done
    # B never saw the request: it follows the shared log into its own read models.
    wait_until(lambda: cities(b) == ["hangzhou"], "the city through process B")
    assert cities(a) == ["hangzhou"]
