"""Limits: query depth, aliases, tokens and page sizes, each refused with a clear error."""

from __future__ import annotations

from starlette.testclient import TestClient

from graphql_api.limits import MAX_ALIASES, MAX_DEPTH, MAX_TOKENS
from tests.api.api_world import Gql, Tokens, codes


def post(client: TestClient, query: str, token: str | None = None) -> tuple[int, dict[str, object]]:
    """Status and body of a query sent asking for application/graphql-response+json."""
    headers = {"Accept": "application/graphql-response+json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    response = client.post("/graphql", json={"query": query}, headers=headers)
    return response.status_code, response.json()


DEEP_OK = """
fragment C on Claim { rounds { votes { verifierId } } }
query { rankings(edition: "asia-2023", table: TOTAL) { rows { city {
  scores(edition: "asia-2023") { indicators { claim { ...C } } } } } } }
"""


def too_deep() -> str:
    """A query nested one level past the depth limit."""
    query = "cityId"
    for _ in range(MAX_DEPTH):
        query = f'city {{ cityId scores(edition: "a") {{ indicators {{ {query} }} }} }}'
    return f'{{ city(id: "beijing") {{ {query} }} }}'


def test_depth_limit(client: TestClient, tokens: Tokens) -> None:
    status, body = post(client, DEEP_OK, tokens.editor)
    assert status == 200 and "errors" not in body
    status, body = post(client, too_deep(), tokens.editor)
    assert status == 400
    assert f"exceeds maximum operation depth of {MAX_DEPTH}" in str(body)


def test_alias_limit(client: TestClient) -> None:
    ok = "{ " + " ".join(f"a{i}: position" for i in range(MAX_ALIASES)) + " }"
    assert post(client, ok)[0] == 200
    too_many = "{ " + " ".join(f"a{i}: position" for i in range(MAX_ALIASES + 1)) + " }"
    status, body = post(client, too_many)
    assert status == 400 and f"{MAX_ALIASES}" in str(body) and "aliases" in str(body)


def test_token_limit(client: TestClient) -> None:
    status, body = post(client, "{ " + "position " * MAX_TOKENS + "}")
    assert status == 400 and "tokens" in str(body)


def test_page_size_limit(gql: Gql, tokens: Tokens) -> None:
    for field in ("claims", "events"):
        body = gql(f"{{ {field}(first: 101) {{ position }} }}", token=tokens.editor)
        assert codes(body) == ["INVALID_INPUT"] and "1..100" in body["errors"][0]["message"]
        zero = gql(f"{{ {field}(first: 0) {{ position }} }}", token=tokens.editor)
        assert codes(zero) == ["INVALID_INPUT"]
        bad_cursor = gql(f'{{ {field}(after: "x") {{ position }} }}', token=tokens.editor)
        assert codes(bad_cursor) == ["INVALID_INPUT"]
    full = gql("{ events(first: 100) { edges { cursor } } }", token=tokens.editor)
    assert len(full["data"]["events"]["edges"]) <= 100
