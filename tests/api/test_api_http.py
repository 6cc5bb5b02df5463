"""GraphQL over HTTP: methods, content types, negotiation, health, and no 500s or tracebacks."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, mutations, queries
from starlette.testclient import TestClient

from graphql_api.http import MAX_BODY_BYTES
from graphql_api.schema import export_sdl
from projections import catalogue
from tests.api.api_world import Tokens

GRAPHQL_RESPONSE = "application/graphql-response+json"
FUZZ = settings(
    max_examples=25,
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


def assert_masked(client: TestClient, query: str, status: int) -> None:
    """A query that fails inside is answered with `status` and the INTERNAL code, the failure's
    text never shown."""
    response = client.post("/graphql", json={"query": query})
    assert response.status_code == status
    assert error_codes(response.json()) == ["INTERNAL"]
    assert "secret" not in response.text and "Traceback" not in response.text


def test_unexpected_resolver_failure_is_masked(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(catalogue, "editions", boom)
    assert_masked(client, "{ editions { year } }", 200)


def test_catch_all_answers_json_500_without_traceback(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from graphql_api.http import LedgerGraphQL

    async def boom(self: object, request: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(LedgerGraphQL, "run", boom)
    assert_masked(client, "{ position }", 500)


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


def test_invalid_utf8_body_is_400_json(client: TestClient) -> None:
    body = b'{"query": "{ position }", "operationName": "\xff\xfe"}'
    response = client.post("/graphql", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    assert error_codes(response.json()) == ["BAD_REQUEST"]
    assert "UTF-8" in response.json()["errors"][0]["message"]


def test_body_over_the_size_limit_is_413_json(client: TestClient) -> None:
    padding = "x" * MAX_BODY_BYTES
    response = client.post("/graphql", json={"query": "{ position }", "extensions": {"p": padding}})
    assert response.status_code == 413
    assert error_codes(response.json()) == ["PAYLOAD_TOO_LARGE"]
    assert str(MAX_BODY_BYTES) in response.json()["errors"][0]["message"]
    under = client.post("/graphql", json={"query": "{ position }", "extensions": {"p": "x" * 1000}})
    assert under.status_code == 200 and under.json()["data"]["position"] > 0


def test_body_size_limit_holds_without_content_length(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"query": "{ position }", "extensions": {"p": "'
        for _ in range(MAX_BODY_BYTES // 65536 + 1):
            yield b"x" * 65536
        yield b'"}}'

    response = client.post(
        "/graphql", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413


def test_deeply_nested_json_is_400(client: TestClient) -> None:
    body = '{"query": "{ position }", "variables": {"a": ' + "[" * 100_000 + "]" * 100_000 + "}}"
    response = client.post("/graphql", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and error_codes(response.json()) == ["BAD_REQUEST"]


@pytest.mark.parametrize(
    "payload",
    [
        '{"query": "query($i: String!) { city(id: $i) { cityId } }", '
        '"variables": {"i": "\\ud800"}}',
        '{"query": "{ edition(id: \\"\\udfff\\") { year } }"}',
        '{"query": "{ position }", "variables": {"\\ud800": 1}}',
        '{"query": "{ position }", "operationName": "\\ud800"}',
        '{"query": "{ position }", "extensions": {"a": ["\\udc00"]}}',
    ],
)
def test_lone_surrogate_anywhere_is_400_invalid_unicode(client: TestClient, payload: str) -> None:
    response = client.post(
        "/graphql", content=payload, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400, response.text
    assert error_codes(response.json()) == ["BAD_REQUEST"]
    assert "invalid Unicode" in response.json()["errors"][0]["message"]


def test_valid_astral_characters_are_not_refused(client: TestClient) -> None:
    payload = '{"query": "{ edition(id: \\"\\ud83d\\ude00\\") { year } }"}'
    response = client.post(
        "/graphql", content=payload, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 200
    assert error_codes(response.json()) == ["UNKNOWN_ID"]


def test_surrogate_bytes_in_a_get_query_are_not_a_500(client: TestClient) -> None:
    # %ED%A0%80 is U+D800 encoded as if it were a character: not UTF-8.
    response = client.get(
        "/graphql?query=%7B%20edition(id%3A%20%22%ED%A0%80%22)%20%7B%20year%20%7D%20%7D"
    )
    assert response.status_code in (200, 400) and "INTERNAL" not in response.text


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ("query={position}&query={__typename}", "query"),
        ('query=query($n:Int){position}&variables={}&variables={"n":1}', "variables"),
        (
            "query=query A{position} query B{__typename}&operationName=A&operationName=B",
            "operationName",
        ),
    ],
)
def test_a_get_parameter_given_twice_is_a_400_naming_it(
    client: TestClient, params: str, name: str
) -> None:
    response = client.get(f"/graphql?{params}", headers={"Accept": "application/json"})

    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert (
        error["message"] == f"the request repeats the parameter {name!r}; send each parameter once"
    )


@pytest.mark.parametrize("content_type", ["Application/JSON", "APPLICATION/JSON; charset=UTF-8"])
def test_a_json_content_type_in_any_case_is_json(client: TestClient, content_type: str) -> None:
    # Media types are case-insensitive (RFC 9110): the body is read, not refused.
    response = client.post(
        "/graphql", content=b'{"query": "{ position }"}', headers={"Content-Type": content_type}
    )

    assert response.status_code == 200 and "position" in response.json()["data"]
