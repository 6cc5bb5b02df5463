"""Who may do what, as a role × operation table: every cell is one test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from cityledger.bootstrap import open_runtime
from graphql_api.app import create_app
from graphql_api.permissions import CanAskWhatIf, CanSeeWeights, IsEditor, IsPanelist
from tests.api.api_world import Template, Tokens
from tests.support.databases import copy_db

Role = str | None
ROLES: list[Role] = [None, "editor", "researcher", "verifier", "panelist", "city", "auditor"]
EVERYONE: set[Role] = set(ROLES)
SCORERS: set[Role] = {"editor", "auditor"}
ERR = "... on LedgerError { code }"


def m(field: str, args: str) -> str:
    """A mutation selecting only the error code (success payloads all have `position`)."""
    return f"mutation {{ r: {field}({args}) {{ __typename {ERR} }} }}"


SOURCE = '{title: "t", language: "zh", date: "2023-01-01", excerpt: "e", url: "https://x.org"}'
RANK = 'rankings(edition: "asia-2023", table: TOTAL'
E23 = 'edition: "asia-2023"'
CLAIMERS: set[Role] = {"editor", "auditor", "researcher", "verifier", "city"}
EDITION_INPUT = (
    'editionId: "asia-2023", year: 2023, title: "t", region: "r", frameworkId: "asc", '
    'frameworkVersion: 1, weightSetId: "asc-w", evidenceCutoff: "2023-01-01"'
)
CLAIM_INPUT = (
    f'editionId: "asia-2023", cityId: "no", indicatorId: "metro", rung: 2, sources: [{SOURCE}]'
)
WEIGHT_SET_INPUT = 'weightSetId: "asc-w", title: "t", frameworkId: "asc", frameworkVersion: 1'
#: (operation, document, roles allowed). Mutation inputs are refused by the Ledger when
#: allowed, so nothing is recorded and every cell sees the same world.
TABLE: list[tuple[str, str, set[Role]]] = [
    ("editions", "{ editions { editionId } }", EVERYONE),
    ("frameworks", "{ frameworks { indicators { ladder { rung } } } }", EVERYONE),
    ("cities", f"{{ cities({E23}) {{ cityId }} }}", EVERYONE),
    ("publications", "{ publications { digest } }", EVERYONE),
    ("rankings.bands", f"{{ {RANK}) {{ rows {{ band }} }} }}", EVERYONE),
    ("rankings.score", f"{{ {RANK}) {{ rows {{ score {{ fraction }} }} }} }}", SCORERS),
    (
        "rankings.perIndicator",
        f"{{ {RANK}) {{ rows {{ indicatorScores {{ points }} }} }} }}",
        SCORERS,
    ),
    ("rankings.indicatorPoints", f"{{ {RANK}) {{ rows {{ indicatorPoints }} }} }}", SCORERS),
    ("rankings.asOf", f"{{ {RANK}, asOf: {{position: 5}}) {{ position }} }}", SCORERS),
    ("city.scores", f'{{ city(id: "tokyo") {{ scores({E23}) {{ position }} }} }}', SCORERS),
    (
        "city.scores.own",
        f'{{ city(id: "beijing") {{ scores({E23}) {{ position }} }} }}',
        SCORERS | {"city"},
    ),
    ("claims", "{ claims { edges { node { claimId } } } }", CLAIMERS),
    ("claims.votes", "{ claims { edges { node { rounds { votes { verifierId } } } } } }", SCORERS),
    ("events", "{ events { edges { cursor } } }", SCORERS),
    (
        "bandChanges",
        f"{{ bandChanges({E23}, table: TOTAL, from: {{position: 1}}) {{ toPosition }} }}",
        SCORERS,
    ),
    (
        "compareEditions.bands",
        '{ compareEditions(a: "asia-2023", b: "asia-2023", table: TOTAL) { rows { bandB } } }',
        EVERYONE,
    ),
    (
        "compareEditions.now",
        '{ compareEditions(a: "asia-2023", b: "asia-2024", table: TOTAL, at: NOW) { positionB } }',
        SCORERS,
    ),
    (
        "compareEditions.scores",
        '{ compareEditions(a: "asia-2023", b: "asia-2023", table: TOTAL) '
        "{ rows { scoreA { fraction } } } }",
        SCORERS,
    ),
    (
        "compareEditions.weightDiff",
        '{ compareEditions(a: "asia-2023", b: "asia-2023", table: TOTAL) '
        "{ weightDiff { indicatorId } } }",
        SCORERS,
    ),
    ("cityHistory", '{ cityHistory(city: "tokyo") { entries { tables { band } } } }', EVERYONE),
    (
        "cityHistory.points",
        '{ cityHistory(city: "tokyo") { entries { points { points } } } }',
        SCORERS,
    ),
    ("weights", '{ weights(weightSetId: "asc-w") { position } }', SCORERS | {"panelist"}),
    ("appeals", "{ appeals { position } }", SCORERS | {"city"}),
    ("appeals.status", "{ appeals(status: UPHELD) { position } }", SCORERS | {"city"}),
    ("appeal", '{ appeal(id: "a-bj") { status review { notes { note } } } }', SCORERS | {"city"}),
    ("appealDocket", "{ appealDocket { ageDays } }", SCORERS),
    ("appealWhatIf", '{ appealWhatIf(id: "a-bj") { position } }', {"editor", "city"}),
    ("appealWindow", f"{{ appealWindow({E23}) {{ days }} }}", EVERYONE),
    ("feedback", "{ feedback { text } }", SCORERS | {"city"}),
    ("rankings.publication", f"{{ {RANK}, publication: 1) {{ rows {{ band }} }} }}", EVERYONE),
    (
        "rankings.publishedAt",
        f'{{ {RANK}, publishedAt: "2999-01-01T00:00:00Z") {{ publicationNo }} }}',
        EVERYONE,
    ),
    (
        "publicationDiff",
        f"{{ publicationDiff({E23}, a: 1, b: 1) {{ changes {{ cityId }} }} }}",
        EVERYONE,
    ),
    (
        "publications.changes",
        "{ publications { corrects forcedReason changes { cityId } } }",
        EVERYONE,
    ),
    ("verifiers", "{ verifiers { verifierId } }", SCORERS),
    (
        "registerCity",
        m("registerCity", 'input: {cityId: "beijing", nameEn: "B", nameZh: "北", country: "CN"}'),
        {"editor"},
    ),
    (
        "defineFramework",
        m(
            "defineFramework",
            'input: {frameworkId: "asc", title: "t", pillars: [], indicators: []}',
        ),
        {"editor"},
    ),
    (
        "reviseFramework",
        m("reviseFramework", 'input: {frameworkId: "no", pillars: [], indicators: [], note: "n"}'),
        {"editor"},
    ),
    (
        "stateLineage",
        m(
            "stateLineage",
            'input: {frameworkId: "no", version: 1, predecessorFrameworkId: "asc", '
            'predecessorVersion: 1, lineage: [{kind: "added", old: [], new: ["x"]}]}',
        ),
        {"editor"},
    ),
    (
        "enrolVerifier",
        m("enrolVerifier", 'input: {verifierId: "v-zh", languages: ["zh"]}'),
        {"editor"},
    ),
    (
        "changeVerifierLanguages",
        m("changeVerifierLanguages", 'input: {verifierId: "no", languages: ["zh"]}'),
        {"editor"},
    ),
    ("createWeightSet", m("createWeightSet", f"input: {{{WEIGHT_SET_INPUT}}}"), {"editor"}),
    (
        "enrolPanelist",
        m("enrolPanelist", 'input: {weightSetId: "no", panelistId: "p9", field: "x"}'),
        {"editor"},
    ),
    (
        "castBallot",
        m("castBallot", 'allocations: [{indicatorId: "broadband", points: 100}]'),
        {"panelist"},
    ),
    (
        "reviseBallot",
        m("reviseBallot", 'input: {allocations: [{indicatorId: "no", points: 1}], reason: "r"}'),
        {"panelist"},
    ),
    ("aggregateWeights", m("aggregateWeights", 'weightSetId: "no"'), {"editor"}),
    (
        "setWeights",
        m("setWeights", 'input: {weightSetId: "no", weights: [], reason: "r"}'),
        {"editor"},
    ),
    ("createEdition", m("createEdition", f"input: {{{EDITION_INPUT}}}"), {"editor"}),
    ("includeCities", m("includeCities", 'editionId: "asia-2023", cityIds: ["no"]'), {"editor"}),
    ("changeQuorum", m("changeQuorum", 'editionId: "no", quorum: 1'), {"editor"}),
    ("publish", m("publish", 'input: {editionId: "no"}'), {"editor"}),
    ("submitClaim", m("submitClaim", f"input: {{{CLAIM_INPUT}}}"), {"researcher", "editor"}),
    (
        "withdrawClaim",
        m("withdrawClaim", 'claimId: "no", reason: "r"'),
        {"researcher", "editor"},
    ),
    ("openRound", m("openRound", 'claimId: "no"'), {"editor"}),
    ("castVote", m("castVote", 'input: {claimId: "no", decision: ACCEPT}'), {"verifier"}),
    ("closeRound", m("closeRound", 'claimId: "no"'), {"editor"}),
    (
        "fileAppeal",
        m(
            "fileAppeal",
            'input: {editionId: "no", text: "t", indicatorId: "i", rung: 1, sources: []}',
        ),
        {"city"},
    ),
    ("withdrawAppeal", m("withdrawAppeal", 'input: {appealId: "no", reason: "r"}'), {"city"}),
    ("openAppealReview", m("openAppealReview", 'appealId: "no"'), {"editor"}),
    (
        "castAppealVote",
        m("castAppealVote", 'input: {appealId: "no", decision: ACCEPT}'),
        {"verifier"},
    ),
    ("closeAppealReview", m("closeAppealReview", 'appealId: "no"'), {"editor"}),
    ("giveFeedback", m("giveFeedback", 'input: {editionId: "no", text: "t"}'), {"city"}),
    ("setAppealWindow", m("setAppealWindow", 'input: {editionId: "no", days: 3}'), {"editor"}),
    (
        "answerAppeal",
        m("answerAppeal", 'input: {appealId: "no", decision: UPHELD, response: "r"}'),
        {"editor"},
    ),
]


@pytest.fixture(scope="module")
def shared(
    api_template: Template, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient, Tokens]]:
    """One client for the whole table (no cell records anything)."""
    path = tmp_path_factory.mktemp("perm") / "t.sqlite"
    copy_db(api_template.path, path)
    runtime = open_runtime(path)
    head = runtime.ledger.head()
    with TestClient(create_app(runtime, follow=False)) as client:
        yield client, api_template.tokens
    assert runtime.ledger.head() == head
    runtime.close()


def outcome(client: TestClient, document: str, token: str | None) -> set[str]:
    """The codes an operation answered with (errors and LedgerError payloads)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = client.post("/graphql", json={"query": document}, headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    found = {e["extensions"]["code"] for e in body.get("errors") or []}
    result = (body.get("data") or {}).get("r")
    if isinstance(result, dict) and result.get("__typename") == "LedgerError":
        found.add(result["code"])
    return found


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "anonymous")
@pytest.mark.parametrize(("operation", "document", "allowed"), TABLE, ids=[t[0] for t in TABLE])
def test_role_may_or_may_not(
    shared: tuple[TestClient, Tokens],
    operation: str,
    document: str,
    allowed: set[str | None],
    role: str | None,
) -> None:
    client, tokens = shared
    codes = outcome(client, document, tokens.of(role))
    if role in allowed:
        assert "PERMISSION_DENIED" not in codes and "BAD_REQUEST" not in codes, codes
    else:
        assert "PERMISSION_DENIED" in codes, codes


@pytest.mark.parametrize(
    "header", ["Bearer clt_nope", "Bearer " + "clt_" + "x" * 43, "Basic abc", "Bearer"]
)
@pytest.mark.parametrize(("operation", "document"), [(t[0], t[1]) for t in TABLE[::6]])
def test_bad_token_is_unauthenticated_never_500(
    shared: tuple[TestClient, Tokens], header: str, operation: str, document: str
) -> None:
    client, _ = shared
    response = client.post("/graphql", json={"query": document}, headers={"Authorization": header})
    assert response.status_code == 200
    body = response.json()
    result = (body.get("data") or {}).get("r")
    found = {e["extensions"]["code"] for e in body.get("errors") or []}
    if isinstance(result, dict):
        found.add(result.get("code", ""))
    assert found == {"UNAUTHENTICATED"}, body


def test_a_rule_of_roles_is_described_by_their_holders_unless_it_says_more() -> None:
    assert IsEditor.who == "editors" and IsPanelist.who == "panelists"
    assert CanSeeWeights.who == "editors, auditors and panelists"
    # A rule finer than its roles (a city, for its own appeals) words it itself.
    assert CanAskWhatIf.who == "editors and the appealing city"
