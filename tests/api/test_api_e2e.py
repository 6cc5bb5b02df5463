"""End to end: a real uvicorn process, httpx for a query and a mutation, and a
graphql-transport-ws subscription with the websockets client."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect

from tests.api.api_world import Template, Tokens
from tests.support.databases import copy_db

REPO = Path(__file__).resolve().parents[2]
SERVER = """
import sys, uvicorn
from pathlib import Path
from cityledger.bootstrap import open_runtime
from graphql_api.app import create_app
uvicorn.run(create_app(open_runtime(Path(sys.argv[1]))), host="127.0.0.1",
            port=int(sys.argv[2]), log_level="warning")
"""


def free_port() -> int:
    """A loopback port nobody listens on (bind to port 0 and let the OS choose)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(check: object, what: str, seconds: float = 15.0) -> None:
    """Poll a condition in a bounded loop."""
    assert callable(check)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def server(api_template: Template, tmp_path: Path) -> Iterator[str]:
    """A uvicorn process serving a copy of the world; yields its base URL."""
    path = tmp_path / "served.sqlite"
    copy_db(api_template.path, path)
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(path), str(port)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: httpx.get(f"{base}/healthz", timeout=1).status_code == 200, "/healthz")
        yield base
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=15)
        assert b"Traceback" not in stderr, stderr.decode()


def health(base: str) -> dict[str, int]:
    """The health document."""
    body: dict[str, int] = httpx.get(f"{base}/healthz", timeout=2).json()
    return body


async def subscribe_and_mutate(base: str, tokens: Tokens, after: int) -> dict[str, object]:
    """Subscribe after a position, register a city over HTTP, return the event received."""
    url = base.replace("http", "ws") + "/graphql"
    ws = await connect(url, subprotocols=["graphql-transport-ws"])  # type: ignore[list-item]
    auth = {"Authorization": f"Bearer {tokens.auditor}"}
    await ws.send(json.dumps({"type": "connection_init", "payload": auth}))
    assert json.loads(await asyncio.wait_for(ws.recv(), 10)) == {"type": "connection_ack"}
    query = f"subscription {{ ledgerEvents(after: {after}) {{ position type cityId }} }}"
    await ws.send(json.dumps({"id": "s", "type": "subscribe", "payload": {"query": query}}))
    mutation = (
        'mutation { registerCity(input: {cityId: "kyoto", nameEn: "Kyoto", nameZh: "京都", '
        'country: "JP"}, idempotencyKey: "e2e") { ... on CityPayload { position } } }'
    )
    async with httpx.AsyncClient(base_url=base) as client:
        response = await client.post(
            "/graphql",
            json={"query": mutation},
            headers={"Authorization": f"Bearer {tokens.editor}"},
        )
    assert response.json()["data"]["registerCity"]["position"] == after + 2
    message = json.loads(await asyncio.wait_for(ws.recv(), 10))
    assert message["type"] == "next" and message["id"] == "s"
    assert health(base)["subscriptions"] == 1
    ws.transport.abort()  # an abrupt close: no close frame, no complete message
    event: dict[str, object] = message["payload"]["data"]["ledgerEvents"]
    return event


def test_real_server_query_mutation_and_subscription(server: str, tokens: Tokens) -> None:
    first = httpx.post(f"{server}/graphql", json={"query": "{ editions { editionId } }"})
    assert first.status_code == 200
    assert [e["editionId"] for e in first.json()["data"]["editions"]] == ["asia-2024", "asia-2023"]
    head = health(server)["head"]
    event = asyncio.run(subscribe_and_mutate(server, tokens, head))
    assert event == {"position": head + 1, "type": "CityRegistered", "cityId": "kyoto"}
    wait_until(lambda: health(server)["subscriptions"] == 0, "the stream to be finalised")
    found = httpx.post(f"{server}/graphql", json={"query": '{ city(id: "kyoto") { nameZh } }'})
    assert found.json()["data"]["city"] == {"nameZh": "京都"}
