"""Tokens: issued once, stored as a SHA-256 hash, bound to the identity each role needs."""

from __future__ import annotations

import hashlib

import pytest

from cityledger.bootstrap import Runtime
from graphql_api.auth import authenticate
from graphql_api.tokens import create_token, find_token
from ledger.errors import InvalidInput, Unauthenticated
from tests.api.api_world import WEIGHTS


def test_only_the_hash_is_stored(api_runtime: Runtime) -> None:
    token = create_token(api_runtime.db, "verifier", "v-en", languages=["en"])
    rows = api_runtime.db.execute("SELECT * FROM api_tokens").fetchall()
    assert token not in repr(rows)
    digest = hashlib.sha256(token.encode()).hexdigest()
    assert any(digest in row for row in rows)
    record = find_token(api_runtime.db, token)
    assert (record.role, record.name, record.languages) == ("verifier", "v-en", ("en",))


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
