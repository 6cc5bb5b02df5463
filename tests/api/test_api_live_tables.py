"""Live tables from memory: computed once per (edition, table, position), moved by a new event,
never kept when read across a write; flat rows guarded once per row; documents validated once."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from cityledger.bootstrap import Runtime
from graphql_api.live_tables import live_tables
from graphql_api.schema import schema
from graphql_api.validated import ValidDocuments
from projections import rankings as projected
from tests.api.api_world import Gql, Tokens, codes

pytestmark = pytest.mark.both_backends

POINTS = """
{ rankings(edition: "asia-2023", table: TOTAL) { position
  rows { cityId rank score { fraction } indicatorPoints } } }
"""


def seoul_egov(body: dict[str, Any]) -> int:
    """Seoul's points on e-government in a POINTS answer."""
    seoul = next(r for r in body["data"]["rankings"]["rows"] if r["cityId"] == "seoul")
    return int(next(p["points"] for p in seoul["indicatorPoints"] if p["indicatorId"] == "egov"))


def accept_seoul_egov(runtime: Runtime) -> int:
    """A second vote and the close accept seoul's e-government claim; the read models follow."""
    runtime.ledger.cast_vote("c-se-egov", "v-zh-en", "accept", "checked")
    runtime.ledger.close_round("c-se-egov")
    return runtime.catch_up()


def test_a_live_table_is_computed_once_per_position(
    gql: Gql, tokens: Tokens, api_runtime: Runtime
) -> None:
    tables = live_tables(api_runtime.db)
    first = gql(POINTS, token=tokens.auditor)
    again = gql(POINTS, token=tokens.editor)

    assert "errors" not in first and again == first
    assert tables.hits == 1 and len(tables.entries) == 1


def test_a_new_event_moves_the_live_table_to_its_position(
    gql: Gql, tokens: Tokens, api_runtime: Runtime
) -> None:
    before = gql(POINTS, token=tokens.auditor)
    accept_seoul_egov(api_runtime)

    after = gql(POINTS, token=tokens.auditor)

    assert after["data"]["rankings"]["position"] > before["data"]["rankings"]["position"]
    assert seoul_egov(before) == 0 and seoul_egov(after) > 0
    # The earlier position is still answered as it was (now from the timeline or memory).
    as_of = POINTS.replace("TOTAL)", "TOTAL, asOf: {position: %d})")
    at_before = gql(as_of % before["data"]["rankings"]["position"], token=tokens.auditor)
    assert at_before == before


def test_a_table_read_while_the_read_models_move_is_not_kept(
    gql: Gql, tokens: Tokens, api_runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = projected.rankings
    writes: list[int] = []

    def read_then_write(*args: Any) -> projected.RankingView:
        view = real(*args)
        if not writes:  # a write lands while the table is being read
            writes.append(accept_seoul_egov(api_runtime))
        return view

    monkeypatch.setattr(projected, "rankings", read_then_write)
    during = gql(POINTS, token=tokens.auditor)
    assert "errors" not in during and not live_tables(api_runtime.db).entries

    after = gql(POINTS, token=tokens.auditor)
    assert after["data"]["rankings"]["position"] > during["data"]["rankings"]["position"]
    assert seoul_egov(after) > 0


GUARDED = """
{ rankings(edition: "asia-2023", table: TOTAL) { rows { cityId ...Guarded } } }
fragment Guarded on RankingRow {
  rank score { fraction } indicatorPoints indicatorScores { points } }
"""


def test_a_city_sees_its_own_rows_guarded_fields_and_each_other_field_is_refused(
    gql: Gql, tokens: Tokens
) -> None:
    body = gql(GUARDED, token=tokens.city)
    rows = body["data"]["rankings"]["rows"]

    own = next(r for r in rows if r["cityId"] == "beijing")
    assert own["rank"] == 1 and own["score"] and own["indicatorPoints"] and own["indicatorScores"]
    others = [i for i, r in enumerate(rows) if r["cityId"] != "beijing"]
    for i in others:
        assert {k: v for k, v in rows[i].items() if k != "cityId"} == dict.fromkeys(
            ["rank", "score", "indicatorPoints", "indicatorScores"]
        )
    refused = {(e["path"][2], e["path"][3]) for e in body["errors"]}
    guarded = ("rank", "score", "indicatorPoints", "indicatorScores")
    assert refused == {(i, field) for i in others for field in guarded}
    assert set(codes(body)) == {"PERMISSION_DENIED"}
    assert "CanSeeCityScores" in body["errors"][0]["message"]


@pytest.mark.parametrize(
    "selection",
    [
        "... on RankingRow { indicatorPoints }",
        "...P",
        "... @include(if: true) { indicatorPoints }",
        "indicatorPoints @skip(if: false)",
    ],
)
def test_points_asked_through_fragments_and_directives_are_read(
    gql: Gql, tokens: Tokens, selection: str
) -> None:
    fragment = " fragment P on RankingRow { indicatorPoints }" if "...P" in selection else ""
    query = f'{{ rankings(edition: "asia-2023", table: TOTAL) {{ rows {{ {selection} }} }} }}'
    body = gql(query + fragment, token=tokens.auditor)

    assert "errors" not in body, body
    assert all(r["indicatorPoints"] for r in body["data"]["rankings"]["rows"])


def post(client: TestClient, query: str, name: str | None = None) -> dict[str, Any]:
    """A POSTed operation's JSON body."""
    response = client.post("/graphql", json={"query": query, "operationName": name})
    body: dict[str, Any] = response.json()
    return body


def test_a_valid_document_is_validated_once_and_a_refused_one_every_time(
    client: TestClient,
) -> None:
    valid = schema.valid_documents
    query = "# validated once\n{ editions { editionId } }"
    wrong = "# refused every time\n{ editions { noSuchField } }"

    first, again = post(client, query), post(client, query)
    assert "errors" not in first and again == first
    assert valid.passed(ValidDocuments.digest(query))

    refusals = [post(client, wrong) for _ in range(2)]
    assert refusals[0] == refusals[1] and "noSuchField" in refusals[0]["errors"][0]["message"]
    assert not valid.passed(ValidDocuments.digest(wrong))


def test_a_valid_document_of_two_operations_still_needs_an_operation_name(
    client: TestClient,
) -> None:
    query = "query A { editions { editionId } } query B { editions { title } }"

    named = post(client, query, "A")
    unnamed = post(client, query)

    assert "errors" not in named
    assert "Must provide operation name" in unnamed["errors"][0]["message"]


def test_remembered_documents_are_bounded_dropping_the_least_recently_used() -> None:
    valid = ValidDocuments(size=2)
    old, used, new = (ValidDocuments.digest(f"{{ n{i} }}") for i in range(3))
    valid.remember(old)
    valid.remember(used)
    assert valid.passed(old)  # now the most recently used

    valid.remember(new)

    assert len(valid.digests) == 2
    assert valid.passed(old) and valid.passed(new) and not valid.passed(used)
