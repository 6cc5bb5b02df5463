"""ledgerEvents over graphql-transport-ws: events as recorded, permissions, and no leaks."""

from __future__ import annotations

import asyncio
import json
from typing import Any, cast

import pytest
from starlette.testclient import TestClient
from starlette.types import Message
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState
from strawberry.http.exceptions import WebSocketDisconnected as StrawberryDisconnected

from cityledger.bootstrap import Runtime
from graphql_api.app import database_file
from graphql_api.counting import LiveCount
from graphql_api.http import LedgerGraphQL, LedgerWebSocketAdapter
from graphql_api.schema import schema
from graphql_api.watcher import Watcher
from tests.api.api_world import Tokens
from tests.support.graphql_ws import PROTOCOL, init, session

EVENTS = "subscription($after: Int) { ledgerEvents(after: $after) { position type cityId } }"
REGISTER = (
    'mutation { registerCity(input: {cityId: "osaka", nameEn: "Osaka", nameZh: "大阪", '
    'country: "JP"}) { __typename } }'
)


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
    with session(client, tokens.auditor) as ws:
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
        init(ws, None)
        subscribe(ws, 40)
        positions = [
            ws.receive_json()["payload"]["data"]["ledgerEvents"]["position"] for _ in range(3)
        ]
        assert positions == [41, 42, 43]
        ws.send_json({"id": "1", "type": "complete"})
    assert active(client) == 0


def test_subscription_needs_a_log_reader(client: TestClient, tokens: Tokens) -> None:
    with session(client, tokens.researcher) as ws:
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


def test_two_different_tokens_for_one_socket_are_refused_not_one_picked(
    client: TestClient, tokens: Tokens
) -> None:
    researcher, editor = f"Bearer {tokens.researcher}", f"Bearer {tokens.editor}"
    both = {"Authorization": researcher, "authorization": editor}
    with client.websocket_connect("/graphql", subprotocols=PROTOCOL) as ws:
        ws.send_json({"type": "connection_init", "payload": both})
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == 4403
    upgrade = {"Authorization": researcher}
    with client.websocket_connect("/graphql", subprotocols=PROTOCOL, headers=upgrade) as ws:
        ws.send_json({"type": "connection_init", "payload": {"Authorization": editor}})
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == 4403
    # The same token in both places, or a null one in the payload, is no conflict.
    with client.websocket_connect("/graphql", subprotocols=PROTOCOL, headers=upgrade) as ws:
        ws.send_json({"type": "connection_init", "payload": {"Authorization": researcher}})
        assert ws.receive_json() == {"type": "connection_ack"}
    with client.websocket_connect("/graphql", subprotocols=PROTOCOL, headers=upgrade) as ws:
        ws.send_json({"type": "connection_init", "payload": {"Authorization": None}})
        assert ws.receive_json() == {"type": "connection_ack"}


@pytest.mark.parametrize("authorization", [5, {"token": "clt_x"}, ["Bearer clt_x"], True])
def test_a_connection_init_token_that_is_not_text_is_refused_not_taken_as_anonymous(
    client: TestClient, authorization: object
) -> None:
    with client.websocket_connect("/graphql", subprotocols=PROTOCOL) as ws:
        ws.send_json({"type": "connection_init", "payload": {"Authorization": authorization}})
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == 4403


@pytest.mark.parametrize(
    "message",
    [
        [1, 2],
        "subscribe",
        7,
        None,
        {"type": ["subscribe"]},
        {"id": "1", "type": "subscribe", "payload": "not an object"},
        {"id": "1", "type": "subscribe", "payload": {"query": 5}},
        {"id": "1", "type": "subscribe", "payload": {"query": EVENTS, "variables": [1]}},
        {"id": ["1"], "type": "subscribe", "payload": {"query": EVENTS}},
        {"id": {"a": 1}, "type": "complete"},
        {"id": "\ud800", "type": "subscribe", "payload": {"query": EVENTS}},
        {"type": "\ud800"},
    ],
    ids=repr,
)
def test_malformed_message_closes_with_4400_without_a_traceback(
    client: TestClient, tokens: Tokens, caplog: pytest.LogCaptureFixture, message: object
) -> None:
    with session(client, tokens.auditor) as ws:
        ws.send_text(json.dumps(message))
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == 4400
    assert "Traceback" not in caplog.text and not [r for r in caplog.records if r.exc_info]
    assert active(client) == 0


def test_malformed_message_before_connection_init_closes_with_4400(client: TestClient) -> None:
    with client.websocket_connect("/graphql", subprotocols=PROTOCOL) as ws:
        ws.send_text("[1, 2]")
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == 4400


@pytest.mark.parametrize(
    "payload",
    [
        {"query": EVENTS, "variables": {"after": 0, "x": "\ud800"}},
        {"query": "subscription { ledgerEvents(after: 0) { type } } # \udfff"},
        {"query": EVENTS, "operationName": "\ud800"},
    ],
)
def test_invalid_unicode_in_subscribe_payload_is_that_operations_error(
    client: TestClient, tokens: Tokens, payload: dict[str, object]
) -> None:
    with session(client, tokens.auditor) as ws:
        ws.send_text(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        message = ws.receive_json()
        assert message["type"] == "error" and message["id"] == "1"
        assert message["payload"][0]["extensions"]["code"] == "BAD_REQUEST"
        assert "invalid Unicode" in message["payload"][0]["message"]
        # The connection stays usable: the same id can subscribe properly.
        subscribe(ws, 40)
        assert ws.receive_json()["payload"]["data"]["ledgerEvents"]["position"] == 41
        ws.send_json({"id": "1", "type": "complete"})
    assert active(client) == 0


def test_close_reasons_fit_a_close_frame(client: TestClient, tokens: Tokens) -> None:
    with session(client, tokens.auditor) as ws:
        ws.send_json({"type": "x" * 300})
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == 4400 and len(closed.value.reason.encode()) <= 123


def test_duplicate_long_id_closes_4409_without_logging_a_traceback(
    client: TestClient, tokens: Tokens, caplog: pytest.LogCaptureFixture
) -> None:
    long_id = "y" * 300
    with session(client, tokens.auditor) as ws:
        message = {"id": long_id, "type": "subscribe", "payload": {"query": EVENTS}}
        ws.send_json(message)
        ws.send_json(message)
        with pytest.raises(WebSocketDisconnect) as closed:
            while True:
                ws.receive_json()
        assert closed.value.code == 4409 and len(closed.value.reason.encode()) <= 123
    assert not [r for r in caplog.records if r.exc_info]
    assert active(client) == 0


def test_sends_to_a_client_that_went_away_are_a_disconnect_every_time(
    api_runtime: Runtime,
) -> None:
    # A client that vanished mid-flood: the first send fails in the transport (OSError), and
    # starlette refuses every later one with a RuntimeError of its own, which escaped as a
    # logged traceback while queued answers were still being sent.
    async def receive() -> Message:
        return {"type": "websocket.disconnect", "code": 1006}

    async def gone(message: Message) -> None:
        raise OSError("connection reset by peer")

    scope = {"type": "websocket", "path": "/graphql", "headers": [], "subprotocols": []}
    socket = WebSocket(scope, receive, gone)
    socket.client_state = socket.application_state = WebSocketState.CONNECTED
    watcher = Watcher(api_runtime, database_file(api_runtime), follow=False)
    view = LedgerGraphQL(schema, api_runtime, LiveCount(), watcher)
    # Strawberry types the adapter's view with the context it was declared for (None).
    adapter = LedgerWebSocketAdapter(cast(Any, view), socket, socket)

    async def send_twice() -> None:
        for _ in range(2):
            with pytest.raises(StrawberryDisconnected):
                await adapter.send_json({"type": "pong"})

    asyncio.run(send_twice())


@pytest.mark.parametrize(
    ("query", "role"),
    [
        (EVENTS, "auditor"),
        ("subscription($after: Int) { appealUpdates(after: $after) { type } }", "city"),
    ],
    ids=["ledgerEvents", "appealUpdates"],
)
def test_a_stream_starting_off_the_log_is_refused_naming_the_position(
    client: TestClient, tokens: Tokens, api_runtime: Runtime, query: str, role: str
) -> None:
    head = api_runtime.ledger.head()
    for after, message in (
        (-1, "after -1 is not a ledger position (>= 0)"),
        (head + 1000, f"after {head + 1000} is beyond the ledger's head at {head}"),
    ):
        with session(client, tokens.of(role)) as ws:
            payload = {"query": query, "variables": {"after": after}}
            ws.send_json({"id": "1", "type": "subscribe", "payload": payload})
            answer = ws.receive_json()
            (error,) = answer["payload"]["errors"]
            assert error["extensions"]["code"] == "INVALID_INPUT"
            assert error["message"] == message
        assert active(client) == 0


def test_an_operation_name_the_document_lacks_is_a_bad_request_over_a_socket(
    client: TestClient, tokens: Tokens, caplog: pytest.LogCaptureFixture
) -> None:
    with session(client, tokens.auditor) as ws:
        payload = {"query": "query A { position }", "operationName": "Nope"}
        ws.send_json({"id": "1", "type": "subscribe", "payload": payload})
        message = ws.receive_json()

    assert message["type"] == "error" and message["id"] == "1"
    (error,) = message["payload"]
    assert error == {
        "message": 'Unknown operation named "Nope".',
        "extensions": {"code": "BAD_REQUEST"},
    }
    assert not [r for r in caplog.records if r.exc_info]
