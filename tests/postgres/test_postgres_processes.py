"""Several API processes on one PostgreSQL event store, each following the log into its own
read models: a write through one is read through the other, delivered by LISTEN/NOTIFY."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect

from tests.support.postgres import Cluster
from tests.support.servers import free_port, wait_until

REPO = Path(__file__).resolve().parents[2]


#: The processes' polling fallback: far longer than the bound, so that only PostgreSQL's
#: NOTIFY can bring another process's write within it.
POLL_SECONDS = "120"
#: A write through one process is visible through another within this many seconds.
BOUND = 1.0
PROTOCOL = "graphql-transport-ws"


def cli_env(cluster: Cluster, dbname: str, read_db: Path) -> dict[str, str]:
    """The environment of one API process: the shared log, its own read-model file."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CITYLEDGER_", "POSTGRES_"))}
    own = {"CITYLEDGER_READ_DB": str(read_db), "CITYLEDGER_POLL_SECONDS": POLL_SECONDS}
    return env | cluster.env(dbname) | own


def token(env: dict[str, str], role: str) -> str:
    """A token made by the CLI in one process's read-model file (each process has its own)."""
    made = subprocess.run(
        [sys.executable, "-m", "cityledger.cli", "token", "create", "--role", role,
         "--name", f"{role}-{Path(env['CITYLEDGER_READ_DB']).stem}"],
        env=env, cwd=REPO, capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    return made.stdout.strip().split()[-1]


@pytest.fixture
def two_servers(pg_cluster: Cluster, tmp_path: Path) -> Iterator[tuple[str, str, str, str]]:
    """Two `cityledger serve` processes on one PostgreSQL database; (url A, url B, editor token
    of A, auditor token of B)."""
    dbname = pg_cluster.new_database()
    env_a = cli_env(pg_cluster, dbname, tmp_path / "a.sqlite")
    env_b = cli_env(pg_cluster, dbname, tmp_path / "b.sqlite")
    editor, auditor = token(env_a, "editor"), token(env_b, "auditor")
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
        yield urls[0], urls[1], editor, auditor
    finally:
        for process in processes:
            process.terminate()
            _, stderr = process.communicate(timeout=15)
            assert b"Traceback" not in stderr, stderr.decode()


def cities(url: str) -> list[str]:
    """City ids an anonymous reader sees through one process."""
    body = httpx.post(f"{url}/graphql", json={"query": "{ cities { cityId } }"}, timeout=5).json()
    return [c["cityId"] for c in body["data"]["cities"]]


def test_a_write_through_one_api_process_is_read_through_another_within_a_second(
    two_servers: tuple[str, str, str, str],
) -> None:
    a, b, editor, auditor = two_servers
    assert cities(a) == cities(b) == []
    # B's ledgerEvents stream: B announces an event once its own read models hold it.
    with connect(f"ws{b[4:]}/graphql", subprotocols=[PROTOCOL]) as ws:  # type: ignore[list-item]
        ws.send(json.dumps({"type": "connection_init",
                            "payload": {"Authorization": f"Bearer {auditor}"}}))  # fmt: skip
        assert json.loads(ws.recv(timeout=30)) == {"type": "connection_ack"}
        query = "subscription { ledgerEvents(after: 0) { position type cityId } }"
        ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}}))
        mutation = (
            'mutation { registerCity(input: {cityId: "hangzhou", nameEn: "Hangzhou", '
            'nameZh: "杭州", country: "CN"}) { __typename } }'
        )
        done = httpx.post(
            f"{a}/graphql",
            json={"query": mutation},
            headers={"Authorization": f"Bearer {editor}"},
            timeout=30,
        ).json()
        recorded = time.monotonic()
        assert done["data"]["registerCity"]["__typename"] == "CityPayload", done
        # B never saw the request: it follows the shared log, woken by NOTIFY (its polling
        # fallback is two minutes away), so the event must arrive within the bound.
        message = json.loads(ws.recv(timeout=BOUND))
        within = time.monotonic() - recorded
    event = message["payload"]["data"]["ledgerEvents"]
    assert event == {"position": 1, "type": "CityRegistered", "cityId": "hangzhou"}, message
    assert within <= BOUND
    assert cities(b) == ["hangzhou"]
    assert cities(a) == ["hangzhou"]
