"""Limits: selections, depth, aliases, tokens, page sizes and cursors, each refused with a
clear error before anything runs."""

from __future__ import annotations

import time

import pytest
from graphql import get_introspection_query, parse
from starlette.testclient import TestClient

from graphql_api.limits import (
    MAX_ALIASES,
    MAX_DEPTH,
    MAX_HEAVY,
    MAX_SELECTIONS,
    MAX_TOKENS,
    selection_counts,
)
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


def test_more_tables_than_the_heavy_limit_in_one_request_are_refused(
    client: TestClient, tokens: Tokens
) -> None:
    table = 'rankings(edition: "asia-2023", table: TOTAL) { position }'
    ok = "{ " + " ".join(f"t{i}: {table}" for i in range(MAX_HEAVY)) + " }"
    status, body = post(client, ok, tokens.auditor)
    assert status == 200 and "errors" not in body
    # A fifth table hidden in a root fragment counts too.
    hidden = "{ ...F " + " ".join(f"t{i}: {table}" for i in range(MAX_HEAVY)) + " }"
    hidden += f" fragment F on Query {{ extra: {table} }}"
    status, body = post(client, hidden, tokens.auditor)
    assert status == 400 and f"asks for {MAX_HEAVY + 1} tables" in str(body)


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


def fragment_bomb(levels: int) -> str:
    """~9 tokens a level: each fragment spreads the next twice, 2**levels fields in all."""
    chain = " ".join(f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels))
    return f"query {{ ...F0 }} {chain} fragment F{levels} on Query {{ position }}"


def test_fragment_bomb_is_refused_quickly_naming_count_and_limit(client: TestClient) -> None:
    started = time.monotonic()
    status, body = post(client, fragment_bomb(22))
    elapsed = time.monotonic() - started
    assert status == 400 and elapsed < 5, (status, elapsed)
    assert codes(body) == ["BAD_REQUEST"]
    message = body["errors"][0]["message"]  # type: ignore[index]
    assert f"the limit is {MAX_SELECTIONS}" in message and "at least 2048 fields" in message
    # Even a legacy client (no graphql-response+json) gets the refusal without execution.
    legacy = client.post("/graphql", json={"query": fragment_bomb(40)}).json()
    assert legacy["data"] is None and "selects at least" in legacy["errors"][0]["message"]


def test_selection_count_is_linear_and_stops_over_the_cap() -> None:
    started = time.monotonic()
    counts = selection_counts(parse(fragment_bomb(200)))
    assert time.monotonic() - started < 1
    assert counts == [("anonymous", 2048)]  # stopped past 2000, not 2**200
    cyclic = parse("query Q { ...A } fragment A on Query { position ...A }")
    assert selection_counts(cyclic) == [("Q", 1)]


def test_selection_limit_just_allows_the_cap(client: TestClient) -> None:
    fields = " ".join(["position"] * 8)
    under = (
        "query { ...A } fragment A on Query { ...B ...B } fragment B on Query { " + fields + " }"
    )
    assert selection_counts(parse(under)) == [("anonymous", 16)]
    assert post(client, under)[0] == 200
    assert selection_counts(parse(fragment_bomb(10))) == [("anonymous", 1024)]
    assert post(client, fragment_bomb(10))[0] == 200


README_QUERIES = [
    '{ rankings(edition: "asia-2023", table: INSTITUTIONAL) { position rows { band '
    "city { nameEn nameZh } } } }",
    '{ rankings(edition: "asia-2023", table: TOTAL, asOf: {instant: "2023-06-01T00:00:00Z"}) {'
    " position rows { cityId band score { fraction } indicatorScores { indicatorId points "
    "claimId } } } }",
    '{ bandChanges(edition: "asia-2023", table: TOTAL, from: {instant: "2023-06-02T00:00:00Z"})'
    " { fromPosition toPosition changes { cityId beforeBand afterBand causes { position type "
    "time } } } }",
]


@pytest.mark.parametrize("query", README_QUERIES)
def test_readme_examples_pass_the_limits(client: TestClient, tokens: Tokens, query: str) -> None:
    status, body = post(client, query, tokens.editor)
    # Executed: the test world's events are dated today, so a 2023 instant may find no
    # edition yet, but no limit refuses the document.
    assert status == 200 and "BAD_REQUEST" not in codes(body), body


def test_graphiql_introspection_passes_the_limits(client: TestClient) -> None:
    query = get_introspection_query(
        descriptions=True,
        specified_by_url=True,
        directive_is_repeatable=True,
        schema_description=True,
        input_value_deprecation=True,
        one_of=True,
    )
    status, body = post(client, query)
    assert status == 200 and "errors" not in body
    assert body["data"]["__schema"]["queryType"]["name"] == "Query"  # type: ignore[index]


@pytest.mark.parametrize("cursor", ["²", "١٢", "12 ", "-1", "+1", "1e3", "", "1" * 19])
def test_cursor_accepts_only_ascii_digits(gql: Gql, tokens: Tokens, cursor: str) -> None:
    for field in ("claims", "events"):
        body = gql(
            f"query($a: String) {{ {field}(after: $a) {{ position }} }}",
            {"a": cursor},
            token=tokens.editor,
        )
        assert codes(body) == ["INVALID_INPUT"], body
        assert "digits 0-9" in body["errors"][0]["message"]


def test_ascii_digit_cursor_pages(gql: Gql, tokens: Tokens) -> None:
    body = gql('{ events(after: "12", first: 1) { edges { cursor } } }', token=tokens.editor)
    assert body["data"]["events"]["edges"] == [{"cursor": "13"}]


TWO_OPERATIONS = "query A { position } query B { __typename }"


def test_two_operations_without_an_operation_name_are_refused(client: TestClient) -> None:
    status, body = post(client, TWO_OPERATIONS)
    assert status == 400 and codes(body) == ["BAD_REQUEST"]
    assert "Must provide operation name" in body["errors"][0]["message"]  # type: ignore[index]
    named = client.post("/graphql", json={"query": TWO_OPERATIONS, "operationName": "B"})
    assert named.json() == {"data": {"__typename": "Query"}}
    single = client.post("/graphql", json={"query": "query A { position }"})
    assert "errors" not in single.json()
