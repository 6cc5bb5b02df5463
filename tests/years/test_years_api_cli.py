"""compareEditions, cityHistory and stateLineage over GraphQL; compare and history on the CLI."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from cityledger.bootstrap import Runtime
from graphql_api.app import create_app
from graphql_api.tokens import create_token
from projections.history import city_history
from tests.support.builders import EDITION
from tests.support.cli import run
from tests.support.years import NEXT

COMPARE = """
query($at: ComparisonPoint!) { compareEditions(a: "test-2023", b: "test-2024", table: TOTAL,
  at: $at) {
  comparable reasons matrix { fromBand cells { toBand count } }
  rows { cityId bandA bandB nA nB rankA scoreA { fraction } methodPart { fraction }
         performancePart { fraction } }
  entered { cityId band rank } left { cityId }
  frameworkDiff { kind detail } json } }
"""


@pytest.fixture
def post(years: Runtime) -> Iterator[Any]:
    """POST a GraphQL operation with an optional token."""
    with TestClient(create_app(years, follow=False)) as client:

        def run(query: str, variables: dict[str, Any], token: str | None = None) -> Any:
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            response = client.post(
                "/graphql", json={"query": query, "variables": variables}, headers=headers
            )
            assert response.status_code == 200
            return response.json()

        yield run


def test_anonymous_users_compare_published_bands_without_ranks_or_scores(post: Any) -> None:
    body = post(COMPARE, {"at": "PUBLICATION"})
    c = body["data"]["compareEditions"]
    assert c["comparable"] is False and c["reasons"] and c["rows"]
    assert all(r["rankA"] is None and r["scoreA"] is None for r in c["rows"])
    assert all(r["methodPart"] is None for r in c["rows"]) and c["entered"][0]["rank"] is None
    assert {e["kind"] for e in c["frameworkDiff"]} == {"ladder_extended", "rescaled", "renamed"}
    tool = json.loads(c["json"])
    assert tool["rows"][0]["score_a"] is None and tool["weight_diff"] == []
    denied = post(COMPARE, {"at": "NOW"})
    assert denied["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"


def test_auditors_get_ranks_scores_and_the_split(post: Any, years: Runtime) -> None:
    token = create_token(years.db, "auditor", "auditor-al")
    c = post(COMPARE, {"at": "NOW"}, token)["data"]["compareEditions"]
    assert c["rows"]
    for r in c["rows"]:
        assert r["rankA"] is not None and r["methodPart"] is not None
    tool = json.loads(c["json"])
    assert sum(int(x["method_part"]) + int(x["performance_part"]) for x in tool["rows"]) == sum(
        int(x["score_b"]) - int(x["score_a"]) for x in tool["rows"]
    )


def test_a_city_sees_its_own_scores_in_a_comparison_only(post: Any, years: Runtime) -> None:
    token = create_token(years.db, "city", "tokyo-office", city_id="tokyo")
    rows = post(COMPARE, {"at": "PUBLICATION"}, token)["data"]["compareEditions"]["rows"]
    assert [r["cityId"] for r in rows if r["scoreA"] is not None] == ["tokyo"]


HISTORY = """
{ cityHistory(city: "tokyo") { cityId entries { editionId publicationNo framework
  tables { table band rank score { fraction } } points { indicatorId points } }
  steps { fromEdition toEdition comparable reasons } } }
"""


def test_city_history_lists_publications_oldest_first_with_verdicts(
    post: Any, years: Runtime
) -> None:
    h = post(HISTORY, {})["data"]["cityHistory"]
    assert [(e["editionId"], e["publicationNo"]) for e in h["entries"]] == [
        (EDITION, 1),
        (NEXT, 1),
    ]
    assert all(t["rank"] is None and t["score"] is None for e in h["entries"] for t in e["tables"])
    assert all(e["points"] is None for e in h["entries"])
    [step] = h["steps"]
    assert step["comparable"] is False and "frameworks differ" in step["reasons"][0]
    editor = create_token(years.db, "editor", "editor-eve")
    full = post(HISTORY, {}, editor)["data"]["cityHistory"]
    assert [e["publicationNo"] for e in full["entries"]] == [1, None, 1, None]
    assert full["entries"][0]["points"][0] == {"indicatorId": "D2", "points": 2}
    assert full["entries"][0]["tables"][0]["rank"] == 3


def test_history_of_a_city_in_one_edition_only(years: Runtime) -> None:
    h = city_history(years.db, "osaka")
    assert [e.edition_id for e in h.entries] == [NEXT] and h.steps == ()


def test_state_lineage_mutation_refuses_a_forgotten_indicator(post: Any, years: Runtime) -> None:
    editor = create_token(years.db, "editor", "editor-eve")
    mutation = """
    mutation($lineage: [LineageInput!]!) { stateLineage(input: {frameworkId: "test-framework",
      version: 2, predecessorFrameworkId: "test-framework", predecessorVersion: 1,
      lineage: $lineage}) { __typename ... on LedgerError { code message value } } }
    """
    body = post(
        mutation, {"lineage": [{"kind": "unchanged", "old": ["D2"], "new": ["D2"]}]}, editor
    )
    result = body["data"]["stateLineage"]
    assert result["code"] == "ALREADY_EXISTS"  # v2 stated its lineage with the revision


@pytest.fixture
def cli(years: Runtime, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Runtime:
    """The two-year world behind the CLI."""
    monkeypatch.setenv("CITYLEDGER_DB", str(tmp_path / "ledger.sqlite"))
    return years


def test_cli_compare_in_text_json_and_csv(cli: Runtime, capsys: pytest.CaptureFixture[str]) -> None:
    args = ("compare", "--a", EDITION, "--b", NEXT, "--table", "total")
    code, out, _ = run(capsys, *args)
    assert code == 0 and "NOT comparable" in out and "method" in out and "entered: Osaka" in out
    code, out, _ = run(capsys, *args, "--format", "json")
    assert code == 0 and json.loads(out)["b"] == NEXT
    code, out, _ = run(capsys, *args, "--format", "csv", "--at", "now")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and [r["status"] for r in rows].count("common") == 4
    assert {r["city_id"] for r in rows if r["status"] == "left"} == {"taizhou-zj", "taizhou-js"}


def test_cli_history_and_one_line_errors(cli: Runtime, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "history", "--city", "tokyo")
    assert code == 0 and out.index(EDITION) < out.index(NEXT) and "not comparable" in out
    code, out, _ = run(capsys, "history", "--city", "tokyo", "--format", "json")
    assert code == 0 and json.loads(out)["entries"][0]["publication_no"] == 1
    code, _, err = run(capsys, "history", "--city", "atlantis")
    assert code == 2 and "'atlantis'" in err and len(err.strip().splitlines()) == 1
    code, _, err = run(capsys, "compare", "--a", EDITION, "--b", "nope", "--table", "total")
    assert code == 2 and "'nope'" in err and len(err.strip().splitlines()) == 1


def test_frameworks_show_each_version_lineage(post: Any) -> None:
    body = post(
        "{ frameworks { version lineage { predecessorVersion "
        "relations { kind old new rungMap } } } }",
        {},
    )
    versions = {f["version"]: f["lineage"] for f in body["data"]["frameworks"]}
    assert versions[1] is None
    relations = {r["kind"]: r for r in versions[2]["relations"]}
    assert relations["rescaled"]["rungMap"] == [[1, 1], [2, 1], [3, 2], [4, 3]]
    assert relations["renamed"]["new"] == ["I9"] and versions[2]["predecessorVersion"] == 1


def test_framework_diff_query_follows_the_chain(post: Any) -> None:
    query = """{ frameworkDiff(fromFramework: "test-framework", fromVersion: 1,
      toFramework: "test-framework", toVersion: 2) { linked forward
      changes { kind detail } derivations { indicatorId source rungMap } } }"""
    d = post(query, {})["data"]["frameworkDiff"]
    assert d["linked"] and d["forward"] and len(d["changes"]) == 3
    i9 = next(x for x in d["derivations"] if x["indicatorId"] == "I9")
    assert i9["source"] == "I6" and i9["rungMap"] == [[1, 1], [2, 2], [3, 3]]
    unknown = post(query.replace("toVersion: 2", "toVersion: 9"), {})
    assert unknown["errors"][0]["extensions"]["code"] == "UNKNOWN_ID"


def test_history_skips_tables_of_an_edition_without_weights_yet(years: Runtime) -> None:
    years.ledger.create_weight_set("w-late", "not yet aggregated", "test-framework", 2)
    years.ledger.create_edition("test-2025", 2025, "Test 2025", "Asia", "test-framework", 2,
                                "w-late", "2025-06-01", 2)  # fmt: skip
    years.ledger.include_cities("test-2025", ["tokyo"])
    years.catch_up()
    h = city_history(years.db, "tokyo", live=True)
    late = [e for e in h.entries if e.edition_id == "test-2025"]
    assert len(late) == 1 and late[0].tables == ()
