"""GraphQL over HTTP: methods, content types, negotiation, health, and no 500s or tracebacks."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, mutations, queries
from starlette.testclient import TestClient

from graphql_api.schema import export_sdl
from projections import queries as reads
from tests.api.api_world import Tokens

GRAPHQL_RESPONSE = "application/graphql-response+json"
FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def error_codes(response_json: object) -> list[str]:
    """Codes of a JSON error body."""
    assert isinstance(response_json, dict)
    return [e["extensions"]["code"] for e in response_json["errors"]]


def test_post_json_answers_application_json(client: TestClient) -> None:
    response = client.post("/graphql", json={"query": "{ position }"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["data"]["position"] > 0


def test_graphql_response_json_when_accepted(client: TestClient) -> None:
    headers = {"Accept": f"{GRAPHQL_RESPONSE}, application/json;q=0.9"}
    ok = client.post("/graphql", json={"query": "{ position }"}, headers=headers)
    assert ok.status_code == 200 and ok.headers["content-type"] == GRAPHQL_RESPONSE
    bad = client.post("/graphql", json={"query": "{ position"}, headers=headers)
    assert bad.status_code == 400 and bad.headers["content-type"] == GRAPHQL_RESPONSE
    assert bad.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    invalid = client.post("/graphql", json={"query": "{ nope }"}, headers=headers)
    assert invalid.status_code == 400
    legacy = client.post("/graphql", json={"query": "{ nope }"})
    assert legacy.status_code == 200 and legacy.json()["data"] is None


def test_field_errors_keep_200_under_graphql_response_json(client: TestClient) -> None:
    headers = {"Accept": GRAPHQL_RESPONSE}
    response = client.post(
        "/graphql", json={"query": '{ edition(id: "x") { year } }'}, headers=headers
    )
    assert response.status_code == 200 and response.json()["data"] is None


def test_get_query_works_and_get_mutation_is_405(client: TestClient) -> None:
    ok = client.get("/graphql", params={"query": "{ editions { editionId } }"})
    assert ok.status_code == 200 and len(ok.json()["data"]["editions"]) == 2
    mutation = 'mutation { openRound(claimId: "x") { __typename } }'
    refused = client.get("/graphql", params={"query": mutation})
    assert refused.status_code == 405 and refused.headers["allow"] == "POST"
    assert error_codes(refused.json()) == ["BAD_REQUEST"]


def test_other_methods_are_405(client: TestClient) -> None:
    response = client.put("/graphql", json={"query": "{ position }"})
    assert response.status_code == 405 and "errors" in response.json()


@pytest.mark.parametrize(
    ("content", "content_type", "status"),
    [
        ("{not json", "application/json", 400),
        ("[]", "application/json", 400),
        ('"a string"', "application/json", 400),
        ("{}", "application/json", 400),
        ('{"query": 5}', "application/json", 400),
        ('{"query": "{ position }", "variables": [1]}', "application/json", 400),
        ('{"query": "subscription { ledgerEvents { position } }"}', "application/json", 400),
        ("query=%7B%20position%20%7D", "application/x-www-form-urlencoded", 415),
        ("{ position }", "application/graphql", 415),
        ('{"query": "{ position }"}', "", 415),
    ],
)
def test_malformed_requests_get_json_4xx(
    client: TestClient, content: str, content_type: str, status: int
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    response = client.post("/graphql", content=content.encode(), headers=headers)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["errors"][0]["message"]


def test_graphiql_for_browsers(client: TestClient) -> None:
    response = client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200 and "graphiql" in response.text.lower()


def test_healthz(client: TestClient) -> None:
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["position"] == body["head"] > 0
    assert body["subscriptions"] == 0


def test_unexpected_resolver_failure_is_masked(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(reads, "editions", boom)
    response = client.post("/graphql", json={"query": "{ editions { year } }"})
    assert response.status_code == 200
    assert error_codes(response.json()) == ["INTERNAL"]
    assert "secret" not in response.text and "Traceback" not in response.text


def test_catch_all_answers_json_500_without_traceback(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from graphql_api.http import LedgerGraphQL

    async def boom(self: object, request: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(LedgerGraphQL, "run", boom)
    response = client.post("/graphql", json={"query": "{ position }"})
    assert response.status_code == 500
    assert error_codes(response.json()) == ["INTERNAL"]
    assert "secret" not in response.text and "Traceback" not in response.text


SDL = export_sdl()


@FUZZ
@given(document=st.one_of(queries(SDL), queries(SDL, mode=Mode.NEGATIVE)), token=st.booleans())
def test_fuzzed_queries_never_500(
    client: TestClient, tokens: Tokens, document: str, token: bool
) -> None:
    headers = {"Authorization": f"Bearer {tokens.editor}"} if token else {}
    response = client.post("/graphql", json={"query": document}, headers=headers)
    assert response.status_code in (200, 400), response.text
    assert "Traceback" not in response.text and "INTERNAL" not in response.text


@FUZZ
@given(document=mutations(SDL))
def test_fuzzed_mutations_never_500(client: TestClient, tokens: Tokens, document: str) -> None:
    headers = {"Authorization": f"Bearer {tokens.editor}"}
    response = client.post("/graphql", json={"query": document}, headers=headers)
    assert response.status_code == 200, response.text
    assert "INTERNAL" not in response.text


@FUZZ
@given(document=st.text(max_size=300))
def test_fuzzed_text_never_500(client: TestClient, document: str) -> None:
    response = client.post("/graphql", json={"query": document})
    assert response.status_code in (200, 400) and response.json()["errors"]
