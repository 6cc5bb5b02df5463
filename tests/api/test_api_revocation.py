"""Token lifecycle: listing, revocation and expiry take effect at once, on every transport."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from cityledger.bootstrap import Runtime
from cityledger.cli import main
from graphql_api.tokens import create_token, find_token, list_tokens, revoke_tokens
from ledger.errors import InvalidInput, Unauthenticated
from tests.api.api_world import EDITION, Tokens
from tests.support.graphql_ws import session
from tests.support.inputs import source

VIEWER = "{ viewer { role name } }"
EVENTS = "subscription { ledgerEvents(after: 0) { position } }"


def post(client: TestClient, query: str, token: str) -> dict[str, Any]:
    """POST an operation with a token; the JSON body."""
    response = client.post(
        "/graphql", json={"query": query}, headers={"Authorization": f"Bearer {token}"}
    )
    body: dict[str, Any] = response.json()
    return body


def codes(body: dict[str, Any]) -> list[str]:
    """The error codes of a body."""
    return [e["extensions"]["code"] for e in body.get("errors", [])]


def test_revoked_token_is_refused_on_the_next_request(
    client: TestClient, api_runtime: Runtime
) -> None:
    token = create_token(api_runtime.db, "auditor", "auditor-bo")
    assert post(client, VIEWER, token)["data"]["viewer"] == {
        "role": "auditor",
        "name": "auditor-bo",
    }
    revoked = revoke_tokens(api_runtime.db, "auditor-bo")
    assert len(revoked) == 1
    assert codes(post(client, VIEWER, token)) == ["UNAUTHENTICATED"]
    with pytest.raises(Unauthenticated):
        find_token(api_runtime.db, token)


def test_expired_token_is_refused(client: TestClient, api_runtime: Runtime) -> None:
    soon = datetime.now(UTC) + timedelta(days=1)
    token = create_token(api_runtime.db, "auditor", "auditor-ex", expires=soon)
    assert post(client, VIEWER, token)["data"]["viewer"]["role"] == "auditor"
    # Move the stored expiry into the past, as the passage of a day would.
    past = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
    api_runtime.db.execute("UPDATE api_tokens SET expires_at = ? WHERE name = 'auditor-ex'", [past])
    api_runtime.db.conn.commit()
    body = post(client, VIEWER, token)
    assert codes(body) == ["UNAUTHENTICATED"] and "expired" in body["errors"][0]["message"]


def test_expiry_must_be_a_future_instant_with_an_offset(api_runtime: Runtime) -> None:
    for bad in (datetime.now(UTC) - timedelta(days=1), datetime(2099, 1, 1)):
        with pytest.raises(InvalidInput) as refused:
            create_token(api_runtime.db, "auditor", "a", expires=bad)
        assert refused.value.field == "expires"


def test_an_expiry_past_the_last_utc_instant_is_refused_naming_it(
    api_runtime: Runtime,
) -> None:
    # 9999-12-31T23:59:59-14:00 is in year 10000 in UTC, which Python cannot represent.
    last = datetime.fromisoformat("9999-12-31T23:59:59-14:00")

    with pytest.raises(InvalidInput) as refused:
        create_token(api_runtime.db, "auditor", "a", expires=last)

    assert refused.value.field == "expires"
    assert "9999-12-31T23:59:59-14:00 is later than 9999-12-31 in UTC" in refused.value.message
    assert (
        api_runtime.db.execute("SELECT count(*) FROM api_tokens WHERE name = 'a'").fetchone()[0]
        == 0
    )


def test_revoking_an_unknown_name_is_refused_naming_it(api_runtime: Runtime) -> None:
    with pytest.raises(InvalidInput) as refused:
        revoke_tokens(api_runtime.db, "nobody-here")
    assert "'nobody-here'" in refused.value.message


def test_open_websocket_is_closed_with_4403_on_its_next_operation_after_revocation(
    client: TestClient, api_runtime: Runtime
) -> None:
    token = create_token(api_runtime.db, "auditor", "auditor-ws")
    with session(client, token) as ws:
        ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": VIEWER}})
        assert ws.receive_json()["payload"]["data"]["viewer"]["name"] == "auditor-ws"
        assert ws.receive_json() == {"id": "1", "type": "complete"}
        revoke_tokens(api_runtime.db, "auditor-ws")
        ws.send_json({"id": "2", "type": "subscribe", "payload": {"query": VIEWER}})
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert closed.value.code == 4403


def test_running_subscription_stops_with_4403_once_its_token_is_revoked(
    client: TestClient, api_runtime: Runtime
) -> None:
    token = create_token(api_runtime.db, "auditor", "auditor-stream")
    with session(client, token) as ws:
        head = api_runtime.ledger.head()
        query = f"subscription {{ ledgerEvents(after: {head}) {{ position }} }}"
        ws.send_json({"id": "s", "type": "subscribe", "payload": {"query": query}})
        revoke_tokens(api_runtime.db, "auditor-stream")
        api_runtime.ledger.register_city("nara", "Nara", "奈良", "JP")
        # The next event is not delivered: the stream re-checks the token and closes.
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert closed.value.code == 4403


def test_idempotency_keys_are_scoped_to_the_token_not_to_role_and_name(
    client: TestClient, api_runtime: Runtime, tokens: Tokens
) -> None:
    # Two tokens share role and name; the same key from each records two claims.
    twin = create_token(api_runtime.db, "researcher", "researcher-ann")
    mutation = (
        "mutation($input: SubmitClaimInput!) { submitClaim(input: $input, "
        'idempotencyKey: "same-key") { __typename ... on ClaimPayload { claim { claimId } } } }'
    )
    claim = {
        "editionId": EDITION, "cityId": "seoul", "indicatorId": "metro", "rung": 2,
        "sources": [source("zh")],
    }  # fmt: skip

    def post(client: TestClient, query: str, token: str) -> dict[str, Any]:
        response = client.post(
            "/graphql",
            json={"query": query, "variables": {"input": claim}},
            headers={"Authorization": f"Bearer {token}"},
        )
        body: dict[str, Any] = response.json()
        return body

    first = post(client, mutation, tokens.researcher)["data"]["submitClaim"]
    again = post(client, mutation, tokens.researcher)["data"]["submitClaim"]
    other = post(client, mutation, twin)["data"]["submitClaim"]
    assert first["__typename"] == other["__typename"] == "ClaimPayload", (first, other)
    assert again["claim"]["claimId"] == first["claim"]["claimId"]
    assert other["claim"]["claimId"] != first["claim"]["claimId"]


def test_token_list_shows_names_roles_and_times_but_never_secrets(
    client: TestClient, api_runtime: Runtime, tokens: Tokens
) -> None:
    token = create_token(api_runtime.db, "auditor", "auditor-listed")
    post(client, VIEWER, token)
    usage = client.app.state.watcher.usage  # type: ignore[attr-defined]
    # The server's own writers may hold the lock for a moment: wait for it, not 50 ms.
    assert usage.flush(timeout=timedelta(seconds=30))
    listed = {t.name: t for t in list_tokens(api_runtime.db)}
    entry = listed["auditor-listed"]
    assert entry.role == "auditor" and entry.status == "active"
    assert entry.last_used_at is not None and entry.created_at
    assert listed["beijing-office"].binding == "beijing"
    assert token not in repr(list_tokens(api_runtime.db))


def test_cli_token_create_list_revoke(
    api_runtime: Runtime,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = Path(api_runtime.db.execute("PRAGMA database_list").fetchone()[2])
    monkeypatch.setenv("CITYLEDGER_DB", str(path))
    expires = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    assert (
        main(["token", "create", "--role", "auditor", "--name", "cli-al", "--expires", expires])
        == 0
    )
    secret = capsys.readouterr().out.strip()
    assert find_token(api_runtime.db, secret).name == "cli-al"
    assert main(["token", "list", "--format", "json"]) == 0
    out = capsys.readouterr().out
    rows = {r["name"]: r for r in json.loads(out)}
    assert rows["cli-al"]["status"] == "active" and rows["cli-al"]["expires_at"]
    assert secret not in out and secret[4:20] not in out
    assert main(["token", "list"]) == 0
    table = capsys.readouterr().out
    assert "cli-al" in table and "LAST USED" in table and secret not in table
    assert main(["token", "revoke", "cli-al"]) == 0
    assert "revoked" in capsys.readouterr().out
    with pytest.raises(Unauthenticated):
        find_token(api_runtime.db, secret)
    assert main(["token", "revoke", "cli-al"]) == 2
    assert "no live token" in capsys.readouterr().err
    assert main(["token", "create", "--role", "auditor", "--name", "x", "--expires", "soon"]) == 2
    assert "--expires" in capsys.readouterr().err
