"""One request must not stop the server: nothing blocking runs on the event loop."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from cityledger.bootstrap import Runtime
from graphql_api.app import create_app, database_file
from graphql_api.http import LedgerGraphQL
from graphql_api.watcher import Watcher
from tests.api.api_world import Tokens
from tests.support.graphql_ws import PROTOCOL, init, session, subscribe

#: A failure guard only: every wait below normally ends as soon as its event happens.
GUARD = 20.0


def in_thread(work: Callable[[], Any]) -> tuple[threading.Thread, list[Any]]:
    """Run `work` in a thread; its result (or exception) lands in the returned list."""
    out: list[Any] = []

    def run() -> None:
        try:
            out.append(work())
        except Exception as error:  # handed back to the test
            out.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, out


def wait_for(check: Callable[[], bool], what: str) -> None:
    """Wait (bounded) for a condition the server reaches on its own."""
    done = threading.Event()
    for _ in range(int(GUARD / 0.01)):
        if check():
            return
        done.wait(0.01)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def following(api_runtime: Runtime) -> Iterator[TestClient]:
    """A TestClient over an app whose watcher keeps the read models current."""
    with TestClient(create_app(api_runtime, follow=True)) as client:
        yield client


def test_healthz_and_queries_answer_while_another_process_holds_the_write_lock(
    following: TestClient, api_runtime: Runtime, tokens: Tokens
) -> None:
    path = database_file(api_runtime)
    # An event the read models have not applied yet, so the watcher must take the lock.
    api_runtime.ledger.register_city("nara", "Nara", "奈良", "JP")
    waiting = threading.Event()
    follower_conn = api_runtime.follower.db.conn
    follower_conn.set_trace_callback(
        lambda sql: waiting.set() if sql.startswith("BEGIN IMMEDIATE") else None
    )
    holder = sqlite3.connect(str(path), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    released = threading.Event()
    try:
        # A subscriber and a mutation, each of which used to wait for the lock on the loop.
        with session(following, tokens.auditor) as ws:
            subscribe(ws, "s", "subscription { ledgerEvents { position } }")
            assert waiting.wait(GUARD), "the watcher never reached the held lock"
            mutation, _ = in_thread(
                lambda: following.post(
                    "/graphql",
                    json={
                        "query": 'mutation { registerCity(input: {cityId: "kobe", nameEn: '
                        '"Kobe", nameZh: "神户", country: "JP"}) { __typename } }'
                    },
                    headers={"Authorization": f"Bearer {tokens.editor}"},
                )
            )
            health, healthy = in_thread(lambda: following.get("/healthz"))
            read, answered = in_thread(
                lambda: following.post("/graphql", json={"query": "{ editions { editionId } }"})
            )
            health.join(GUARD)
            read.join(GUARD)
            # Both answered while the lock is still held (it is released only below).
            assert not released.is_set()
            assert healthy and healthy[0].status_code == 200, healthy
            assert healthy[0].json()["status"] == "ok"
            assert answered and answered[0].json()["data"]["editions"], answered
            assert mutation.is_alive()  # the write itself waits for the lock, off the loop
            holder.execute("ROLLBACK")
            released.set()
            mutation.join(GUARD)
            assert not mutation.is_alive()
            ws.send_json({"id": "s", "type": "complete"})
    finally:
        if not released.is_set():
            holder.execute("ROLLBACK")
        holder.close()
        follower_conn.set_trace_callback(None)


def test_idle_subscribers_cost_no_database_work(
    client: TestClient, api_runtime: Runtime, tokens: Tokens
) -> None:
    watcher: Watcher = client.app.state.watcher  # type: ignore[attr-defined]
    sockets = [
        client.websocket_connect("/graphql", subprotocols=PROTOCOL).__enter__() for _ in range(5)
    ]
    try:
        for i, ws in enumerate(sockets):
            init(ws, tokens.auditor)
            subscribe(ws, str(i), "subscription { ledgerEvents { position } }")
        wait_for(lambda: watcher.waiting == 5, "five idle subscribers")
        statements: list[str] = []
        api_runtime.db.conn.set_trace_callback(statements.append)
        ticks = watcher.ticks
        wait_for(lambda: watcher.ticks >= ticks + 3, "three watcher ticks")
        api_runtime.db.conn.set_trace_callback(None)
        # Idle streams only wait; the one watcher reads through its own connection.
        assert statements == []
        # …and a new event still reaches every one of them.
        head = api_runtime.ledger.head()
        api_runtime.ledger.register_city("nara", "Nara", "奈良", "JP")
        for ws in sockets:
            message = ws.receive_json()
            assert message["payload"]["data"]["ledgerEvents"] == {"position": head + 1}
    finally:
        for ws in sockets:
            ws.__exit__(None, None, None)


def test_websocket_operations_see_fresh_data_on_a_long_lived_socket(
    client: TestClient, api_runtime: Runtime, tokens: Tokens
) -> None:
    query = (
        '{ claims(filter: {cityIds: ["seoul"]}) { edges { node { claimId '
        "rounds { roundNo votes { decision } } } } } }"
    )
    with session(client, tokens.editor) as ws:

        def votes(op: str) -> int:
            subscribe(ws, op, query)
            message = ws.receive_json()
            assert ws.receive_json() == {"id": op, "type": "complete"}
            (edge,) = message["payload"]["data"]["claims"]["edges"]
            return len(edge["node"]["rounds"][-1]["votes"])

        assert votes("1") == 1
        api_runtime.ledger.cast_vote("c-se-egov", "v-zh-en", "accept", "checked")
        api_runtime.catch_up()
        # The socket's second operation reads the new vote (loaders are per operation).
        assert votes("2") == 2


def test_websocket_results_are_encoded_off_the_event_loop(
    client: TestClient, tokens: Tokens, monkeypatch: pytest.MonkeyPatch
) -> None:
    on_loop: list[bool] = []
    encode = LedgerGraphQL.encode_json

    def recording(view: LedgerGraphQL, data: object) -> str | bytes:
        try:
            asyncio.get_running_loop()
            on_loop.append(True)
        except RuntimeError:
            on_loop.append(False)
        return encode(view, data)

    monkeypatch.setattr(LedgerGraphQL, "encode_json", recording)
    query = '{ rankings(edition: "asia-2023", table: TOTAL) { rows { cityId band } } }'
    with session(client, tokens.auditor) as ws:
        subscribe(ws, "1", query)
        assert ws.receive_json()["payload"]["data"]["rankings"]["rows"]
        assert ws.receive_json() == {"id": "1", "type": "complete"}
    # Every message sent after the handshake (the result and "complete") was encoded in a
    # worker thread, where no event loop runs.
    assert on_loop[-2:] == [False, False], on_loop


def test_the_watcher_thread_is_the_only_poller(client: TestClient) -> None:
    names = [t.name for t in threading.enumerate()]
    assert names.count("cityledger-watcher") == 1


def test_watcher_database_path_is_the_read_model_file(api_runtime: Runtime, tmp_path: Path) -> None:
    assert database_file(api_runtime).name == "t.sqlite"
