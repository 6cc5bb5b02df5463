"""Anonymous published tables come from a cache keyed by the request and the publications."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import pytest
from starlette.testclient import TestClient
from starlette.types import Message, Receive, Scope, Send

from cityledger.bootstrap import Runtime
from graphql_api.app import create_app, database_file
from projections.follower import Follower
from projections.store import open_db
from tests.api.api_world import Tokens

pytestmark = pytest.mark.both_backends

PUBLISHED = (
    '{ rankings(edition: "asia-2023", table: TOTAL) '
    "{ publicationNo position rows { cityId nameEn nameZh band } } }"
)


def post(client: TestClient, query: str, token: str | None = None) -> Any:
    """POST a query; the raw response."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post("/graphql", json={"query": query}, headers=headers)


def hits(client: TestClient) -> int:
    """How many requests the app answered from its published-table cache."""
    return int(client.app.state.published_cache.hits)  # type: ignore[attr-defined]


def test_an_anonymous_published_table_is_computed_once_then_served_from_the_cache(
    client: TestClient,
) -> None:
    first = post(client, PUBLISHED)
    second = post(client, PUBLISHED)
    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert first.headers["content-type"] == second.headers["content-type"]
    assert first.json()["data"]["rankings"]["publicationNo"] == 1
    assert hits(client) == 1


def test_a_get_request_is_cached_apart_from_a_post(client: TestClient) -> None:
    posted = post(client, PUBLISHED)
    got = client.get("/graphql", params={"query": PUBLISHED})
    again = client.get("/graphql", params={"query": PUBLISHED})
    assert got.json() == posted.json() and again.content == got.content
    assert hits(client) == 1


def test_a_new_publication_replaces_the_cached_table(client: TestClient, tokens: Tokens) -> None:
    before = post(client, PUBLISHED).json()["data"]["rankings"]
    published = post(
        client,
        'mutation { publish(input: {editionId: "asia-2023"}) { __typename } }',
        tokens.editor,
    )
    assert published.json()["data"]["publish"]["__typename"] == "PublicationPayload"
    after = post(client, PUBLISHED).json()["data"]["rankings"]
    assert (before["publicationNo"], after["publicationNo"]) == (1, 2)
    assert after["position"] > before["position"]
    # taizhou's claim accepted after the first publication is in the second one.
    band = {r["cityId"]: r["band"] for r in after["rows"]}["taizhou"]
    assert band != "60%-100%"
    assert hits(client) == 0


def test_requests_with_a_token_are_never_served_from_the_cache(
    client: TestClient, tokens: Tokens
) -> None:
    post(client, PUBLISHED)
    as_auditor = post(client, PUBLISHED, tokens.auditor).json()["data"]["rankings"]
    # An auditor sees the live table, not the publication.
    assert as_auditor["publicationNo"] is None
    assert hits(client) == 0


@pytest.mark.parametrize(
    "query",
    [
        # An error may depend on more than the publications.
        '{ rankings(edition: "nowhere", table: TOTAL) { rows { cityId } } }',
        '{ rankings(edition: "asia-2023", table: TOTAL) { rows { cityId rank } } }',
        # Other root fields are live data.
        '{ editions { editionId } rankings(edition: "asia-2023", table: TOTAL) { position } }',
        "mutation { __typename }",
    ],
)
def test_errors_and_other_documents_are_not_cached(client: TestClient, query: str) -> None:
    first = post(client, query)
    second = post(client, query)
    assert first.status_code == second.status_code
    assert hits(client) == 0


def test_a_publication_applied_by_another_server_replaces_the_cached_table(
    client: TestClient, api_runtime: Runtime
) -> None:
    before = post(client, PUBLISHED).json()["data"]["rankings"]
    # Another server on the same files: its own connection applies what was recorded.
    other = Follower(api_runtime.ledger, open_db(database_file(api_runtime)))
    api_runtime.ledger.publish(edition_id="asia-2023")
    other.catch_up()
    after = post(client, PUBLISHED).json()["data"]["rankings"]
    assert (before["publicationNo"], after["publicationNo"]) == (1, 2)
    assert hits(client) == 0


def test_the_publications_are_asked_again_only_after_a_commit(
    client: TestClient, tokens: Tokens, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = client.app.state.published_cache  # type: ignore[attr-defined]
    asked = 0
    generation = cache.publications_generation

    def counted() -> Any:
        nonlocal asked
        asked += 1
        return generation()

    monkeypatch.setattr(cache, "publications_generation", counted)
    for _ in range(3):
        assert post(client, PUBLISHED).status_code == 200
    assert (asked, hits(client)) == (1, 2)
    # Any commit (here a verifier's enrolment, not a publication) makes the next request ask.
    enrolled = post(
        client,
        'mutation { enrolVerifier(input: {verifierId: "V-cache", languages: ["en"]}) '
        "{ __typename } }",
        tokens.editor,
    )
    assert "errors" not in enrolled.json(), enrolled.json()
    assert post(client, PUBLISHED).status_code == 200
    assert (asked, hits(client)) == (2, 3)


def test_a_table_computed_before_a_new_publication_is_not_kept_after_it(
    client: TestClient, api_runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = client.app.state.published_cache  # type: ignore[attr-defined]
    graphql, raced = cache.app, False
    other = json.dumps({"query": "{ __typename }"}).encode()

    async def receive() -> Message:
        return {"type": "http.request", "body": other, "more_body": False}

    async def discard(message: Message) -> None:
        pass

    async def publishing_meanwhile(scope: Scope, receive_body: Receive, send: Send) -> None:
        # The first table is computed from publication 1; before the cache would keep it, a
        # second publication is applied and another request sees it.
        nonlocal raced
        await graphql(scope, receive_body, send)
        if not raced:
            raced = True
            api_runtime.ledger.publish(edition_id="asia-2023")
            api_runtime.follower.catch_up()
            length = str(len(other)).encode()
            headers = [(b"content-type", b"application/json"), (b"content-length", length)]
            await cache({**scope, "headers": headers}, receive, discard)

    monkeypatch.setattr(cache, "app", publishing_meanwhile)
    before = post(client, PUBLISHED).json()["data"]["rankings"]
    after = post(client, PUBLISHED).json()["data"]["rankings"]
    assert (before["publicationNo"], after["publicationNo"]) == (1, 2)


def test_the_cache_closes_its_own_connection_when_the_app_stops(api_runtime: Runtime) -> None:
    app = create_app(api_runtime, follow=False)
    with TestClient(app) as client:
        assert post(client, PUBLISHED).status_code == 200
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        app.state.published_cache._changes.execute("PRAGMA data_version")


def test_a_cache_that_cannot_read_data_version_asks_the_database_every_time(
    client: TestClient, api_runtime: Runtime
) -> None:
    # Its connection unusable, as when SQLite answers busy: whether anything changed is unknown.
    client.app.state.published_cache.close()  # type: ignore[attr-defined]
    before = post(client, PUBLISHED).json()["data"]["rankings"]
    api_runtime.ledger.publish(edition_id="asia-2023")
    api_runtime.follower.catch_up()
    after = post(client, PUBLISHED).json()["data"]["rankings"]
    assert (before["publicationNo"], after["publicationNo"]) == (1, 2)
