"""The same limits on both transports, errors that never echo a huge value, no 500s."""

from __future__ import annotations

import json
from typing import Any

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from graphql_api.http import MAX_BODY_BYTES, MESSAGE_TOO_BIG
from graphql_api.limits import MAX_HEAVY, MAX_STRING
from tests.api.api_world import EDITION, Tokens
from tests.support.graphql_ws import PROTOCOL, init, session

GRAPHQL_RESPONSE = "application/graphql-response+json"
#: No error body may be much larger than this, whatever the request held.
SMALL = 4096


def post_raw(client: TestClient, body: bytes, **headers: str) -> tuple[int, bytes]:
    """POST raw JSON bytes; (status, body)."""
    response = client.post(
        "/graphql", content=body, headers={"Content-Type": "application/json", **headers}
    )
    return response.status_code, response.content


def ws_connected(client: TestClient, token: str | None = None) -> Any:
    """An initialised graphql-transport-ws session (a context manager)."""
    ws = client.websocket_connect("/graphql", subprotocols=PROTOCOL)
    opened = ws.__enter__()
    init(opened, token)
    return ws, opened


@pytest.mark.parametrize(
    "body",
    [
        b'{"query": "{ position }", "variables": {"n": ' + b"9" * 5000 + b"}}",
        b'{"query": "{ position }", "extensions": {"n": -' + b"1" * 20000 + b"}}",
    ],
)
def test_json_number_of_thousands_of_digits_is_a_400_naming_it(
    client: TestClient, body: bytes
) -> None:
    status, content = post_raw(client, body)
    assert status == 400, content[:300]
    error = json.loads(content)["errors"][0]
    assert error["extensions"]["code"] == "BAD_REQUEST" and "number" in error["message"]
    assert len(content) < SMALL


@pytest.mark.parametrize(
    ("body", "key"),
    [
        # A proxy reading the first "query" would pass a read; the last was run: a mutation.
        (b'{"query": "{ position }", "query": "mutation { __typename }"}', "query"),
        (b'{"query": "query($n: Int) { position }", "variables": {"n": 1, "n": 2}}', "n"),
    ],
)
def test_a_json_key_given_twice_is_a_400_naming_it_not_the_last_one_run(
    client: TestClient, body: bytes, key: str
) -> None:
    status, content = post_raw(client, body)

    assert status == 400
    error = json.loads(content)["errors"][0]
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert error["message"] == (
        f"the request repeats the key {key!r} in one JSON object; send each key once"
    )


def test_a_websocket_message_giving_a_key_twice_closes_the_socket_naming_it(
    client: TestClient, tokens: Tokens
) -> None:
    with session(client, tokens.auditor) as ws:
        ws.send_text('{"id": "1", "type": "subscribe", "type": "complete", "payload": {}}')
        ws.send_json({"type": "ping"})  # answered with a pong only if the socket stayed open
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()

    assert closed.value.code == 4400
    assert closed.value.reason.startswith("the request repeats the key 'type'")


@pytest.mark.parametrize("query", ["{ position", "{ noSuchField }", "query { position } }"])
def test_unparsable_or_invalid_document_has_no_data_entry_under_graphql_response_json(
    client: TestClient, query: str
) -> None:
    response = client.post("/graphql", json={"query": query}, headers={"Accept": GRAPHQL_RESPONSE})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    body = response.json()
    assert body["errors"] and "data" not in body


def test_huge_websocket_message_closes_the_socket_without_reading_or_echoing_it(
    client: TestClient,
) -> None:
    with session(client) as ws:
        huge = json.dumps(
            {
                "id": "1",
                "type": "subscribe",
                "payload": {"query": "{ position }" + " " * (10 << 20)},
            }
        )
        ws.send_text(huge)
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_text()
    assert closed.value.code == MESSAGE_TOO_BIG
    assert len((closed.value.reason or "").encode()) <= 123


def test_websocket_message_just_under_the_limit_is_served(client: TestClient) -> None:
    with session(client) as ws:
        padding = " " * (MAX_BODY_BYTES - 200)
        ws.send_json(
            {"id": "1", "type": "subscribe", "payload": {"query": "{ position }" + padding}}
        )
        assert "position" in ws.receive_json()["payload"]["data"]


def test_overlong_variable_string_is_refused_on_both_transports_without_echo(
    client: TestClient,
) -> None:
    long = "Z" * (MAX_STRING + 1)
    query = "query($id: String!) { city(id: $id) { cityId } }"
    status, content = post_raw(
        client, json.dumps({"query": query, "variables": {"id": long}}).encode()
    )
    assert status == 400 and b"ZZZZ" not in content and len(content) < SMALL
    assert str(MAX_STRING) in json.loads(content)["errors"][0]["message"]
    ws, session = ws_connected(client)
    try:
        payload = {"query": query, "variables": {"id": long}}
        session.send_json({"id": "1", "type": "subscribe", "payload": payload})
        message = session.receive_text()
        assert len(message) < SMALL and "ZZZZ" not in message
        assert json.loads(message)["type"] == "error"
    finally:
        ws.__exit__(None, None, None)


def test_overlong_string_literal_is_refused_on_both_transports_without_echo(
    client: TestClient,
) -> None:
    query = '{ city(id: "' + "Q" * (MAX_STRING + 1) + '") { cityId } }'
    response = client.post("/graphql", json={"query": query})
    assert "QQQQ" not in response.text and len(response.content) < SMALL
    assert str(MAX_STRING) in response.json()["errors"][0]["message"]
    ws, session = ws_connected(client)
    try:
        session.send_json({"id": "1", "type": "subscribe", "payload": {"query": query}})
        message = session.receive_text()
        assert "QQQQ" not in message and len(message) < SMALL
    finally:
        ws.__exit__(None, None, None)


def test_aliased_city_scores_count_against_the_cost_limit_for_a_city_token(
    client: TestClient, tokens: Tokens
) -> None:
    fields = " ".join(
        f's{i}: scores(edition: "{EDITION}", asOf: {{position: {i + 1}}}) {{ position }}'
        for i in range(30)
    )
    query = f'{{ city(id: "beijing") {{ {fields} }} }}'
    response = client.post(
        "/graphql", json={"query": query}, headers={"Authorization": f"Bearer {tokens.city}"}
    )
    body = response.json()
    assert "data" not in body or body["data"] is None
    assert f"the limit is {MAX_HEAVY}" in body["errors"][0]["message"]
    within = " ".join(
        f's{i}: scores(edition: "{EDITION}") {{ position }}' for i in range(MAX_HEAVY)
    )
    ok = client.post(
        "/graphql",
        json={"query": f'{{ city(id: "beijing") {{ {within} }} }}'},
        headers={"Authorization": f"Bearer {tokens.city}"},
    ).json()
    assert "errors" not in ok, ok


def test_refusal_naming_a_long_value_carries_back_only_its_start(client: TestClient) -> None:
    long_id = "X" * MAX_STRING
    body = client.post(
        "/graphql",
        json={
            "query": "query($id: String!) { city(id: $id) { cityId } }",
            "variables": {"id": long_id},
        },
    ).json()
    error = body["errors"][0]
    assert error["extensions"]["code"] == "UNKNOWN_ID"
    assert len(json.dumps(body)) < SMALL and "more characters" in error["message"]
