"""Fuzzing the GraphQL API from its schema: never a 500, never a traceback in the body."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import graphql
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, mutations, queries
from starlette.testclient import TestClient

from cityledger.bootstrap import open_runtime
from graphql_api.app import create_app
from graphql_api.schema import export_sdl
from graphql_api.tokens import create_token
from tests.support.databases import copy_db
from tests.trust.trust_world import WEIGHTS

SDL = export_sdl()
#: Values for the schema's custom scalars, as GraphQL literals.
SCALARS: dict[str, st.SearchStrategy[graphql.ValueNode]] = {
    "DateTime": st.datetimes(
        min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    ).map(lambda d: graphql.StringValueNode(value=d.isoformat()))
    | st.text(max_size=30).map(lambda s: graphql.StringValueNode(value=s)),
    "JSON": st.one_of(
        st.text(max_size=20).map(lambda s: graphql.StringValueNode(value=s)),
        st.integers(-(10**6), 10**6).map(lambda n: graphql.IntValueNode(value=str(n))),
        st.booleans().map(lambda b: graphql.BooleanValueNode(value=b)),
    ),
}
#: What a leaked Python error looks like: a traceback, a file path, an exception's repr.
LEAK = re.compile(r"Traceback|File \"|site-packages|\b\w+(?:Error|Exception): ")


@pytest.fixture(scope="module")
def api(
    world_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient, list[str | None]]]:
    """A client over the API on a copy of the world, and tokens of every role (None: anonymous)."""
    rt = open_runtime(copy_db(world_template, tmp_path_factory.mktemp("fuzz") / "ledger.sqlite"))
    rt.catch_up()
    tokens: list[str | None] = [
        None,
        create_token(rt.db, "editor", "ed"),
        create_token(rt.db, "auditor", "au"),
        create_token(rt.db, "researcher", "re"),
        create_token(rt.db, "verifier", "v-zh-en", languages=["zh", "en"]),
        create_token(rt.db, "city", "bj", city_id="beijing"),
        create_token(rt.db, "panelist", "p1", panelist=(WEIGHTS, "p1")),
        "clt_not-a-real-token",
    ]
    try:
        with TestClient(create_app(rt, follow=False), raise_server_exceptions=False) as client:
            yield client, tokens
    finally:
        rt.close()


def post(api: tuple[TestClient, list[str | None]], query: str, token: str | None) -> None:
    """Send one operation; the answer must be a handled one."""
    client, _ = api
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = client.post("/graphql", json={"query": query}, headers=headers)
    assert response.status_code < 500, (query, response.text)
    assert LEAK.search(response.text) is None, (query, response.text)
    body = response.json()
    assert isinstance(body, dict) and ("data" in body or "errors" in body), response.text


#: Queries and mutations generated from the schema: valid ones, and ones breaking it.
OPERATIONS = {
    mode: st.one_of(
        queries(SDL, custom_scalars=SCALARS, mode=mode),
        mutations(SDL, custom_scalars=SCALARS, mode=mode),
    )
    for mode in (Mode.POSITIVE, Mode.NEGATIVE)
}
SETTINGS = settings(
    max_examples=90,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@pytest.mark.parametrize("mode", [Mode.POSITIVE, Mode.NEGATIVE], ids=["valid", "invalid"])
@SETTINGS
@given(data=st.data(), who=st.integers(min_value=0, max_value=7))
def test_generated_operations_valid_or_not_never_fail_with_a_500_or_leak_a_traceback(
    api: tuple[TestClient, list[str | None]], mode: Mode, data: st.DataObject, who: int
) -> None:
    post(api, data.draw(OPERATIONS[mode], label="query"), api[1][who])
