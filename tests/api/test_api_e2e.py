"""End to end: a real uvicorn process, httpx for a query and a mutation, and a
graphql-transport-ws subscription with the websockets client."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect

from tests.api.api_world import Template, Tokens
from tests.support.databases import copy_db
from tests.support.servers import serving, wait_until

SERVER = """
import sys, uvicorn
from pathlib import Path
from cityledger.bootstrap import open_runtime
from graphql_api.app import create_app
uvicorn.run(create_app(open_runtime(Path(sys.argv[1]))), host="127.0.0.1",
            port=int(sys.argv[3]), log_level="warning")
"""


@pytest.fixture
def server(api_template: Template, tmp_path: Path) -> Iterator[str]:
    """A uvicorn process serving a copy of the world; yields its base URL."""
    path = tmp_path / "served.sqlite"
    copy_db(api_template.path, path)
    with serving([sys.executable, "-c", SERVER, str(path)]) as base:
        yield base


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
