"""Tokens: issued once, stored as a SHA-256 hash, bound to the identity each role needs."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from starlette.testclient import TestClient

from cityledger.bootstrap import Runtime
from graphql_api.auth import authenticate
from graphql_api.tokens import create_token, find_token
from ledger.errors import InvalidInput, Unauthenticated
from tests.api.api_world import WEIGHTS, Gql, Tokens


def test_only_the_hash_is_stored(api_runtime: Runtime) -> None:
    token = create_token(api_runtime.db, "verifier", "v-en", languages=["en"])
    rows = api_runtime.db.execute("SELECT * FROM api_tokens").fetchall()
    assert token not in repr(rows)
    digest = hashlib.sha256(token.encode()).hexdigest()
    assert any(digest in row for row in rows)
    record = find_token(api_runtime.db, token)
    assert (record.role, record.name, record.languages) == ("verifier", "v-en", None)


def test_each_token_is_new(api_runtime: Runtime) -> None:
    assert create_token(api_runtime.db, "auditor", "a") != create_token(
        api_runtime.db, "auditor", "a"
    )


@pytest.mark.parametrize(
    ("role", "kwargs", "field"),
    [
        ("admin", {}, "role"),
        ("city", {}, "city_id"),
        ("city", {"city_id": "atlantis"}, "city_id"),
        ("editor", {"city_id": "beijing"}, "city_id"),
        ("panelist", {}, "panelist"),
        ("panelist", {"panelist": (WEIGHTS, "nobody")}, "panelist"),
        ("editor", {"languages": ["en"]}, "languages"),
        ("verifier", {"languages": ["not a language"]}, "languages"),
        ("verifier", {}, "name"),
        ("verifier", {"languages": ["en"]}, "name"),
    ],
)
def test_bad_role_or_binding_is_invalid_input(
    api_runtime: Runtime, role: str, kwargs: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        create_token(api_runtime.db, role, "someone", **kwargs)  # type: ignore[arg-type]
    assert refused.value.field == field


@pytest.mark.parametrize(
    "header", ["Bearer nope", "Bearer clt_" + "A" * 43, "Token abc", "Bearer ", "Bearer a b"]
)
def test_malformed_or_unknown_tokens_are_unauthenticated(api_runtime: Runtime, header: str) -> None:
    with pytest.raises(Unauthenticated):
        authenticate(api_runtime.db, header)


def test_no_header_is_anonymous_and_verifier_reads_enrolled_languages(api_runtime: Runtime) -> None:
    assert authenticate(api_runtime.db, None).role is None
    token = create_token(api_runtime.db, "verifier", "v-zh-en")
    viewer = authenticate(api_runtime.db, f"bearer {token}")
    assert viewer.role == "verifier" and set(viewer.languages) == {"zh", "en"}


def test_verifier_token_needs_an_enrolled_verifier(api_runtime: Runtime) -> None:
    with pytest.raises(InvalidInput) as refused:
        create_token(api_runtime.db, "verifier", "v-ghost")
    assert refused.value.field == "name" and "'v-ghost'" in refused.value.message
    assert "enrolled verifier" in refused.value.message


def test_verifier_languages_come_from_enrolment_not_the_token(api_runtime: Runtime) -> None:
    with pytest.raises(InvalidInput) as refused:
        create_token(api_runtime.db, "verifier", "v-zh", languages=["zh", "en"])
    assert refused.value.field == "languages" and "enrolment" in refused.value.message
    token = create_token(api_runtime.db, "verifier", "v-zh", languages=["zh"])
    assert authenticate(api_runtime.db, f"Bearer {token}").languages == ("zh",)
    # A languages value stored on a token issued before this rule is ignored.
    api_runtime.db.execute(
        "UPDATE api_tokens SET languages = ? WHERE token_hash = ?",
        ['["zh", "en", "fr"]', hashlib.sha256(token.encode()).hexdigest()],
    )
    api_runtime.db.conn.commit()
    assert authenticate(api_runtime.db, f"Bearer {token}").languages == ("zh",)
    # A restated enrolment applies to the next request.
    api_runtime.ledger.change_verifier_languages("v-zh", ["zh", "en"])
    api_runtime.catch_up()
    assert set(authenticate(api_runtime.db, f"Bearer {token}").languages) == {"zh", "en"}


def test_verifier_with_no_enrolled_languages_sees_no_claims(
    gql: Gql, tokens: Tokens, api_runtime: Runtime
) -> None:
    query = "{ claims { edges { node { claimId } } } }"
    assert gql(query, token=tokens.verifier)["data"]["claims"]["edges"]
    # A token whose verifier is no longer (or was never) enrolled reads no language.
    api_runtime.db.execute(
        "UPDATE api_tokens SET name = 'v-gone', languages = '[\"zh\"]' WHERE token_hash = ?",
        [hashlib.sha256(tokens.verifier.encode()).hexdigest()],
    )
    api_runtime.db.conn.commit()
    viewer = gql("{ viewer { role languages } }", token=tokens.verifier)["data"]["viewer"]
    assert viewer == {"role": "verifier", "languages": []}
    body = gql(query, token=tokens.verifier)
    assert "errors" not in body and body["data"]["claims"]["edges"] == []


def test_two_authorization_headers_are_refused_not_one_picked(
    client: TestClient, api_runtime: Runtime, tokens: Tokens
) -> None:
    head = api_runtime.ledger.head()
    headers = [
        ("Authorization", f"Bearer {tokens.researcher}"),
        ("Authorization", f"Bearer {tokens.editor}"),
    ]

    def post(query: str) -> dict[str, Any]:
        body: dict[str, Any] = client.post(
            "/graphql", json={"query": query}, headers=headers
        ).json()
        return body

    read = post("{ viewer { role name } }")
    written = post(
        'mutation { changeQuorum(editionId: "asia-2023", quorum: 3) {'
        " ... on LedgerError { code message } } }"
    )

    assert read["data"] is None
    assert read["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "more than one Authorization header" in read["errors"][0]["message"]
    assert written["data"]["changeQuorum"]["code"] == "UNAUTHENTICATED"
    assert api_runtime.ledger.head() == head
