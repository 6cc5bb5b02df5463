"""ledgerEvents over graphql-transport-ws: events as recorded, permissions, and no leaks."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from cityledger.bootstrap import Runtime
from tests.api.api_world import Tokens

PROTOCOL = ["graphql-transport-ws"]
EVENTS = "subscription($after: Int) { ledgerEvents(after: $after) { position type cityId } }"
REGISTER = (
    'mutation { registerCity(input: {cityId: "osaka", nameEn: "Osaka", nameZh: "大阪", '
    'country: "JP"}) { __typename } }'
)


def connect(ws: Any, token: str | None) -> None:
    """Initialise the connection, with the token in the connection_init payload."""
    payload = {"Authorization": f"Bearer {token}"} if token else {}
    ws.send_json({"type": "connection_init", "payload": payload})
    assert ws.receive_json() == {"type": "connection_ack"}


def subscribe(ws: Any, after: int | None) -> None:
    """Start the ledgerEvents stream as operation 1."""
    payload = {"query": EVENTS, "variables": {"after": after}}
    ws.send_json({"id": "1", "type": "subscribe", "payload": payload})


def active(client: TestClient) -> int:
    """Live subscription streams on the server."""
    return int(client.app.state.subscriptions.active)  # type: ignore[attr-defined]


def test_new_event_arrives_then_abrupt_close_leaks_nothing(
    client: TestClient, tokens: Tokens, api_runtime: Runtime
) -> None:
    head = api_runtime.ledger.head()
    with client.websocket_connect("/graphql", subprotocols=PROTOCOL) as ws:
        connect(ws, tokens.auditor)
        subscribe(ws, head)
        posted = client.post(
            "/graphql",
            json={"query": REGISTER},
            headers={"Authorization": f"Bearer {tokens.editor}"},
        )
        assert posted.json()["data"]["registerCity"]["__typename"] == "CityPayload"
        message = ws.receive_json()
        assert message["type"] == "next" and message["id"] == "1"
        event = message["payload"]["data"]["ledgerEvents"]
        assert event == {"position": head + 1, "type": "CityRegistered", "cityId": "osaka"}
        assert active(client) == 1
    assert active(client) == 0


def test_replays_after_a_position_in_order(client: TestClient, tokens: Tokens) -> None:
    with client.websocket_connect(
        "/graphql", subprotocols=PROTOCOL, headers={"Authorization": f"Bearer {tokens.editor}"}
    ) as ws:
        connect(ws, None)
        subscribe(ws, 40)
        positions = [
            ws.receive_json()["payload"]["data"]["ledgerEvents"]["position"] for _ in range(3)
        ]
        assert positions == [41, 42, 43]
        ws.send_json({"id": "1", "type": "complete"})
    assert active(client) == 0


def test_subscription_needs_a_log_reader(client: TestClient, tokens: Tokens) -> None:
    with client.websocket_connect("/graphql", subprotocols=PROTOCOL) as ws:
        connect(ws, tokens.researcher)
        subscribe(ws, 0)
        message = ws.receive_json()
        assert message["type"] in ("next", "error")
        errors = message["payload"]["errors"] if message["type"] == "next" else message["payload"]
        assert errors[0]["extensions"]["code"] == "PERMISSION_DENIED"
    assert active(client) == 0


def test_bad_token_in_connection_init_is_refused(client: TestClient) -> None:
    with client.websocket_connect("/graphql", subprotocols=PROTOCOL) as ws:
        ws.send_json({"type": "connection_init", "payload": {"Authorization": "Bearer clt_x"}})
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == 4403
