"""graphql-transport-ws sessions over Starlette's test client, as the API tests open them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from starlette.testclient import TestClient

PROTOCOL = ["graphql-transport-ws"]


def init(ws: Any, token: str | None = None) -> None:
    """Initialise a session, with the token (if any) in the connection_init payload."""
    payload = {"Authorization": f"Bearer {token}"} if token else {}
    ws.send_json({"type": "connection_init", "payload": payload})
    assert ws.receive_json() == {"type": "connection_ack"}


@contextmanager
def session(client: TestClient, token: str | None = None) -> Iterator[Any]:
    """An initialised graphql-transport-ws session on /graphql, closed when the block ends."""
    with client.websocket_connect("/graphql", subprotocols=PROTOCOL) as ws:
        init(ws, token)
        yield ws


def subscribe(ws: Any, op: str, query: str, variables: dict[str, Any] | None = None) -> None:
    """Start operation `op` (a query, or a subscription that streams)."""
    payload: dict[str, Any] = {"query": query}
    if variables is not None:
        payload["variables"] = variables
    ws.send_json({"id": op, "type": "subscribe", "payload": payload})
