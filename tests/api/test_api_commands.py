"""The one adapter from GraphQL to the Ledger: inputs generated from the use cases'
signatures, the caller's identities filled from the token, permissions refused first."""

from __future__ import annotations

from typing import Any

import pytest

from cityledger.bootstrap import Runtime
from graphql_api.app import database_file
from graphql_api.commands import call
from graphql_api.context import build_context
from graphql_api.counting import LiveCount
from graphql_api.schema import schema
from graphql_api.watcher import Watcher
from ledger.usecases.registry import USE_CASES
from tests.api.api_world import EDITION, Gql, Tokens, codes
from tests.support.inputs import source


def camel(name: str) -> str:
    """A Python name as the SDL spells it."""
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def test_every_use_case_is_a_mutation_whose_request_is_its_signature() -> None:
    mutations = schema._schema.mutation_type
    assert mutations is not None
    assert {camel(name) for name in USE_CASES} == set(mutations.fields)
    for name, case in USE_CASES.items():
        arguments = dict(mutations.fields[camel(name)].args)
        assert str(arguments.pop("idempotencyKey").type) == "String"
        given = arguments.pop("input", None)
        fields = set(arguments) if given is None else set(given.type.of_type.fields)
        assert fields == {camel(p.name) for p in case.inputs()}, name


def submit(gql: Gql, token: str | None, extra: str = "") -> dict[str, Any]:
    """submitClaim over HTTP with a well-formed claim (and `extra` input fields)."""
    return gql(
        'mutation($s: [SourceInput!]!) { r: submitClaim(input: {editionId: "' + EDITION + '", '
        f'cityId: "beijing", indicatorId: "broadband", rung: 2, sources: $s {extra}}}) '
        "{ __typename ... on LedgerError { code field } } }",
        {"s": [source("zh")]},
        token,
    )


def test_the_request_cannot_name_a_parameter_the_token_supplies(
    gql: Gql, tokens: Tokens, api_runtime: Runtime
) -> None:
    head = api_runtime.ledger.head()

    body = submit(gql, tokens.researcher, 'submittedBy: "someone-else"')

    assert codes(body) == ["BAD_REQUEST"]
    assert "submittedBy" in body["errors"][0]["message"]
    assert api_runtime.ledger.head() == head


def test_an_input_reaches_the_use_case_with_the_token_s_identities_and_scoped_key(
    api_runtime: Runtime, tokens: Tokens
) -> None:
    watcher = Watcher(api_runtime, database_file(api_runtime), follow=False)
    context = build_context(api_runtime, LiveCount(), watcher, f"Bearer {tokens.researcher}")
    given: dict[str, Any] = {
        "edition_id": EDITION, "city_id": "shanghai", "indicator_id": "broadband", "rung": 2,
        "sources": [source("zh")], "claim_id": "c-adapter", "supersedes": None,
    }  # fmt: skip

    arguments, claim_id = call(context, USE_CASES["submit_claim"], given, "retry-1")

    assert claim_id == "c-adapter"
    assert arguments["submitted_by"] == "researcher-ann"
    assert arguments["as_editor"] is False
    assert arguments["idempotency_key"] == context.scoped_key("retry-1") != "retry-1"
    claim, receipt = api_runtime.ledger.records(after=api_runtime.ledger.head() - 2)
    assert (claim.type, receipt.type) == ("ClaimSubmitted", "ReceiptIssued")
    assert claim.data["submitted_by"] == "researcher-ann"


@pytest.mark.parametrize("role", ["auditor", "verifier", "city", None])
def test_a_command_without_its_permission_is_refused_and_records_nothing(
    gql: Gql, tokens: Tokens, api_runtime: Runtime, role: str | None
) -> None:
    head = api_runtime.ledger.head()

    body = submit(gql, tokens.of(role))

    assert body["data"]["r"] == {
        "__typename": "LedgerError", "code": "PERMISSION_DENIED", "field": "authorization"
    }  # fmt: skip
    assert api_runtime.ledger.head() == head
