"""API fixtures: the world is built once per session and copied for every test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from cityledger.bootstrap import Runtime, open_runtime
from graphql_api.app import create_app
from tests.api.api_world import Gql, Template, Tokens, build_world, issue_tokens
from tests.support.databases import build_template, copy_db
from tests.support.postgres import Cluster, postgres_env


@pytest.fixture(scope="session")
def api_template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    """Build the world once per session and close it, leaving one SQLite file to copy."""
    path = tmp_path_factory.mktemp("api-template") / "t.sqlite"
    made: list[Tokens] = []

    def build(runtime: Runtime) -> None:
        build_world(runtime.ledger)
        runtime.catch_up()
        made.append(issue_tokens(runtime))

    return Template(build_template(path, build), made[0])


@pytest.fixture(scope="session")
def api_pg_template(
    pg_cluster: Cluster, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, Path, Tokens]:
    """The same world with its log in a PostgreSQL template database, its read file, tokens."""
    dbname = pg_cluster.new_database()
    read = tmp_path_factory.mktemp("api-pg-template") / "read.sqlite"
    with postgres_env(pg_cluster.env(dbname), read):
        runtime = open_runtime()
        try:
            build_world(runtime.ledger)
            runtime.catch_up()
            tokens = issue_tokens(runtime)
        finally:
            runtime.close()
    return dbname, read, tokens


@pytest.fixture
def api_runtime(
    backend: str, api_template: Template, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Runtime]:
    """A private copy of the world, opened (on PostgreSQL: a copy of the template database)."""
    if backend == "postgres":
        cluster: Cluster = request.getfixturevalue("pg_cluster")
        template, read, _ = request.getfixturevalue("api_pg_template")
        copy_db(read, tmp_path / "read.sqlite")
        with postgres_env(cluster.env(cluster.new_database(template)), tmp_path / "read.sqlite"):
            runtime = open_runtime()
            yield runtime
            runtime.close()
        return
    path = tmp_path / "t.sqlite"
    copy_db(api_template.path, path)
    runtime = open_runtime(path)
    yield runtime
    runtime.close()


@pytest.fixture
def tokens(backend: str, api_template: Template, request: pytest.FixtureRequest) -> Tokens:
    """The world's tokens (each template issued its own)."""
    if backend == "postgres":
        pg_tokens: Tokens = request.getfixturevalue("api_pg_template")[2]
        return pg_tokens
    return api_template.tokens


@pytest.fixture
def client(api_runtime: Runtime) -> Iterator[TestClient]:
    """A TestClient over the API (no follower thread: mutations catch up themselves)."""
    with TestClient(create_app(api_runtime, follow=False)) as test_client:
        yield test_client


@pytest.fixture
def gql(client: TestClient) -> Gql:
    """POST a GraphQL operation (optionally with a token); return the JSON body (status 200)."""

    def run(
        query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    return run
