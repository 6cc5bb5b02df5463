"""Every mutation over HTTP: payloads, acting identities from tokens, errors as data with
nothing recorded, and idempotency keys that record a retried command once."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import pytest

from cityledger.bootstrap import Runtime
from graphql_api.tokens import create_token
from tests.api.api_world import EDITION, INDICATORS, PILLARS, WEIGHTS, Gql, Tokens
from tests.support.inputs import source

pytestmark = pytest.mark.both_backends

ERR = "... on LedgerError { code message field value }"


@dataclass(frozen=True)
class Caller:
    """Mutations over HTTP with one caller's token."""

    gql: Gql
    token: str

    def call(self, field: str, args: str, payload: str, **variables: Any) -> Any:
        """Run one mutation with typed variables; return its result object."""
        params = ", ".join(f"${name}: {kind}" for name, kind in _types(args).items())
        call_args = ", ".join(f"{name}: ${name}" for name in _types(args))
        query = (
            f"mutation({params}) {{ r: {field}({call_args}) "
            f"{{ __typename ... on {payload} {ERR} }} }}"
        )
        body = self.gql(query, variables, self.token)
        assert "errors" not in body, body
        return body["data"]["r"]

    def mutate(self, field: str, payload: str, data: dict[str, Any]) -> Any:
        """Run a mutation that takes one `input: <Field>Input!`; return its result object."""
        return self.call(field, f"input:{field[0].upper()}{field[1:]}Input!", payload, input=data)


@dataclass(frozen=True)
class Callers:
    """One caller for each role's token."""

    editor: Caller
    researcher: Caller
    verifier: Caller
    panelist: Caller
    city: Caller


@pytest.fixture
def by(gql: Gql, tokens: Tokens) -> Callers:
    """Mutations sent by each role."""
    roles = [f.name for f in fields(Callers)]
    return Callers(**{role: Caller(gql, str(tokens.of(role))) for role in roles})


@pytest.fixture
def bob(gql: Gql, api_runtime: Runtime) -> Caller:
    """A second researcher, beside the tokens' researcher-ann."""
    return Caller(gql, create_token(api_runtime.db, "researcher", "researcher-bob"))


def _types(args: str) -> dict[str, str]:
    return dict(a.split(":") for a in args.split()) if args else {}


def gql_framework(indicators: list[dict[str, Any]]) -> dict[str, Any]:
    """The framework fixtures in input-type shape."""
    return {
        "pillars": [{"pillarId": p["id"], "name": p["name"]} for p in PILLARS],
        "indicators": [
            {
                "indicatorId": i["id"],
                "pillar": i["pillar"],
                "name": i["name"],
                "ladder": i["ladder"],
            }
            for i in indicators
        ],
    }


def test_editor_commands_end_to_end(by: Callers) -> None:
    city = by.editor.mutate(
        "registerCity",
        "CityPayload { city { cityId nameZh } }",
        {"cityId": "hangzhou", "nameEn": "Hangzhou", "nameZh": "杭州", "country": "CN"},
    )
    assert city["city"] == {"cityId": "hangzhou", "nameZh": "杭州"}
    fw = {"frameworkId": "fw2", "title": "Second", **gql_framework(INDICATORS)}
    defined = by.editor.mutate(
        "defineFramework",
        "FrameworkPayload { framework { version indicators { indicatorId } } }",
        fw,
    )
    assert defined["framework"]["version"] == 1 and len(defined["framework"]["indicators"]) == 4
    revised_input = {"frameworkId": "fw2", "note": "drop openness", **gql_framework(INDICATORS[:3])}
    revised = by.editor.mutate(
        "reviseFramework",
        "FrameworkPayload { framework { version note indicators { indicatorId } } }",
        revised_input,
    )
    assert revised["framework"]["version"] == 2 and len(revised["framework"]["indicators"]) == 3
    enrolled = by.editor.call(
        "enrolVerifier",
        "input:VerifierInput!",
        "VerifierPayload { verifier { verifierId languages } }",
        input={"verifierId": "v-ja", "languages": ["ja"]},
    )
    assert enrolled["verifier"] == {"verifierId": "v-ja", "languages": ["ja"]}
    changed = by.editor.call(
        "changeVerifierLanguages",
        "input:VerifierInput!",
        "VerifierPayload { verifier { languages } }",
        input={"verifierId": "v-ja", "languages": ["ja", "en"]},
    )
    assert sorted(changed["verifier"]["languages"]) == ["en", "ja"]
    ws = by.editor.mutate(
        "createWeightSet",
        "WeightSetPayload { weightSetId }",
        {"weightSetId": "w2", "title": "W2", "frameworkId": "fw2", "frameworkVersion": 2},
    )
    assert ws["weightSetId"] == "w2"
    panelist = by.editor.mutate(
        "enrolPanelist",
        "WeightSetPayload { panelistId }",
        {"weightSetId": "w2", "panelistId": "q1", "field": "public-administration"},
    )
    assert panelist["panelistId"] == "q1"
    weights = [
        {"indicatorId": i, "weight": w}
        for i, w in (("broadband", "100/3"), ("egov", "33.5"), ("metro", "199/6"))
    ]
    revision = by.editor.mutate(
        "setWeights",
        "WeightRevisionPayload { revision { revision method weights { weight { fraction } } } }",
        {"weightSetId": "w2", "weights": weights, "reason": "start"},
    )
    assert revision["revision"]["method"] == "set-by-editor"
    assert [w["weight"]["fraction"] for w in revision["revision"]["weights"]] == [
        "100/3",
        "67/2",
        "199/6",
    ]
    edition = by.editor.call(
        "createEdition",
        "input:CreateEditionInput!",
        "EditionPayload { edition { editionId quorum } }",
        input={
            "editionId": "e2",
            "year": 2025,
            "title": "E2",
            "region": "Asia",
            "frameworkId": "fw2",
            "frameworkVersion": 2,
            "weightSetId": "w2",
            "evidenceCutoff": "2025-06-30",
        },
    )
    assert edition["edition"] == {"editionId": "e2", "quorum": 2}
    included = by.editor.call(
        "includeCities",
        "editionId:String! cityIds:[String!]!",
        "EditionPayload { edition { cityCount } }",
        editionId="e2",
        cityIds=["hangzhou", "tokyo"],
    )
    assert included["edition"]["cityCount"] == 2
    quorum = by.editor.call(
        "changeQuorum",
        "editionId:String! quorum:Int!",
        "EditionPayload { edition { quorum } }",
        editionId="e2",
        quorum=1,
    )
    assert quorum["edition"]["quorum"] == 1
    published = by.editor.mutate(
        "publish",
        "PublicationPayload { position publication { publicationNo by tables } }",
        {"editionId": "e2", "tables": ["total"]},
    )
    assert published["publication"] == {"publicationNo": 1, "by": "editor-eve", "tables": ["total"]}
    aggregated = by.editor.call(
        "aggregateWeights",
        "weightSetId:String!",
        "WeightRevisionPayload { revision { revision by ballotCount } }",
        weightSetId=WEIGHTS,
    )
    assert aggregated["revision"] == {"revision": 2, "by": "editor-eve", "ballotCount": 2}
    answered = by.editor.mutate(
        "answerAppeal",
        "AppealPayload { appeal { status reasons decidedBy } }",
        {"appealId": "a-tz", "decision": "DISMISSED", "response": "Not new."},
    )
    assert answered["appeal"] == {
        "status": "dismissed",
        "reasons": "Not new.",
        "decidedBy": "editor-eve",
    }


CLAIM = "ClaimPayload { position roundNo outcome claim { claimId status submittedBy } }"
VOTES = "ClaimPayload { outcome claim { rounds { roundNo votes { verifierId } } } }"


def claim_input(claim_id: str | None, rung: int = 2) -> dict[str, Any]:
    """A claim for seoul's metro indicator (valid at rung 2), with an id unless None."""
    claim = {"editionId": EDITION, "cityId": "seoul", "indicatorId": "metro", "rung": rung}
    return claim | {"sources": [source("zh")]} | ({"claimId": claim_id} if claim_id else {})


def test_claim_lifecycle_with_acting_identities(by: Callers) -> None:
    submitted = by.researcher.mutate("submitClaim", CLAIM, claim_input("c-new"))
    assert submitted["claim"]["status"] == "pending"
    assert submitted["claim"]["submittedBy"] == "researcher-ann"
    opened = by.editor.call("openRound", "claimId:String!", CLAIM, claimId="c-new")
    assert opened["roundNo"] == 1
    voted = by.verifier.mutate(
        "castVote",
        CLAIM,
        {"claimId": "c-new", "decision": "ACCEPT", "note": "ok"},
    )
    assert voted["roundNo"] == 1
    closed = by.editor.call("closeRound", "claimId:String!", VOTES, claimId="c-new")
    assert closed["outcome"] == "undecided"
    assert closed["claim"]["rounds"][0]["votes"] == [{"verifierId": "v-zh"}]
    withdrawn = by.researcher.call(
        "withdrawClaim",
        "claimId:String! reason:String!",
        CLAIM,
        claimId="c-new",
        reason="duplicate",
    )
    assert withdrawn["claim"]["status"] == "withdrawn"


def test_panelist_casts_and_revises_own_ballot(gql: Gql, api_runtime: Runtime, by: Callers) -> None:
    by.editor.mutate(
        "enrolPanelist",
        "WeightSetPayload { panelistId }",
        {"weightSetId": WEIGHTS, "panelistId": "p3", "field": "digital-infrastructure"},
    )
    p3 = Caller(
        gql, create_token(api_runtime.db, "panelist", "panelist-three", panelist=(WEIGHTS, "p3"))
    )
    points = {"broadband": 25, "egov": 25, "metro": 25, "openness": 25}
    allocations = [{"indicatorId": i, "points": p} for i, p in points.items()]
    cast = p3.call(
        "castBallot",
        "allocations:[AllocationInput!]!",
        "BallotPayload { ballot { panelistId revisions allocations { points } } }",
        allocations=allocations,
    )
    assert cast["ballot"]["panelistId"] == "p3" and cast["ballot"]["revisions"] == 0
    allocations[0]["points"], allocations[1]["points"] = 50, 0
    revised = p3.mutate(
        "reviseBallot",
        "BallotPayload { ballot { revisions allocations { points } } }",
        {"allocations": allocations, "reason": "rethought"},
    )
    assert revised["ballot"]["revisions"] == 1
    assert [a["points"] for a in revised["ballot"]["allocations"]] == [50, 0, 25, 25]


def test_city_files_appeal_for_itself(by: Callers) -> None:
    filed = by.city.call(
        "fileAppeal",
        "input:FileAppealInput!",
        "AppealPayload { appeal { appealId cityId filedBy status indicatorId } }",
        input={
            "editionId": EDITION,
            "text": "Recheck metro.",
            "indicatorId": "metro",
            "rung": 2,
            "sources": [
                {
                    "title": "t",
                    "language": "zh",
                    "date": "2023-03-01",
                    "excerpt": "x",
                    "url": "https://example.org/a",
                }
            ],
            "appealId": "a-new",
        },
    )
    assert filed["appeal"] == {
        "appealId": "beijing/a-new",
        "cityId": "beijing",
        "filedBy": "beijing-office",
        "status": "filed",
        "indicatorId": "metro",
    }


def test_refusal_is_data_and_records_nothing(api_runtime: Runtime, by: Callers) -> None:
    head = api_runtime.ledger.head()
    bad_ballot = [{"indicatorId": "broadband", "points": 60}, {"indicatorId": "egov", "points": 60}]
    refused = [
        by.researcher.mutate("submitClaim", CLAIM, claim_input(None, rung=9)),
        by.editor.call("openRound", "claimId:String!", CLAIM, claimId="no-such-claim"),
        by.panelist.mutate(
            "reviseBallot",
            "BallotPayload { position }",
            {"allocations": bad_ballot, "reason": "x"},
        ),
        by.panelist.mutate(
            "reviseBallot",
            "BallotPayload { position }",
            {"allocations": [bad_ballot[0], bad_ballot[0]], "reason": "x"},
        ),
        by.editor.mutate(
            "registerCity",
            "CityPayload { position }",
            {"cityId": "beijing", "nameEn": "B", "nameZh": "北", "country": "CN"},
        ),
    ]
    assert [r["code"] for r in refused] == [
        "RUNG_NOT_ON_LADDER",
        "UNKNOWN_ID",
        "BALLOT_INVALID",
        "INVALID_INPUT",
        "ALREADY_EXISTS",
    ]
    assert all(r["__typename"] == "LedgerError" and r["message"] for r in refused)
    assert refused[1]["field"] == "claim" and refused[1]["value"] == "no-such-claim"
    assert refused[3]["field"] == "allocations" and refused[3]["value"] == "broadband"
    assert api_runtime.ledger.head() == head


def test_idempotency_key_records_a_retry_once(api_runtime: Runtime, by: Callers) -> None:
    head = api_runtime.ledger.head()
    args = "input:RegisterCityInput! idempotencyKey:String"
    city = {"cityId": "osaka", "nameEn": "Osaka", "nameZh": "大阪", "country": "JP"}
    first, again = (
        by.editor.call("registerCity", args, "CityPayload { city { cityId } }",
                       input=city, idempotencyKey="k-1")
        for _ in range(2)
    )  # fmt: skip
    assert first == again == {"__typename": "CityPayload", "city": {"cityId": "osaka"}}
    assert api_runtime.ledger.head() == head + 2  # the city and its receipt, once
    reused = by.editor.call(
        "changeQuorum",
        "editionId:String! quorum:Int! idempotencyKey:String",
        "EditionPayload { position }",
        editionId=EDITION,
        quorum=3,
        idempotencyKey="k-1",
    )
    assert reused["code"] == "INVALID_INPUT" and reused["field"] == "idempotency_key"


def test_reads_see_the_write_immediately(gql: Gql, tokens: Tokens, by: Callers) -> None:
    by.editor.call("closeRound", "claimId:String!", CLAIM, claimId="c-se-egov")
    # One accept under a quorum of two: the round closed undecided, the claim stays pending.
    body = gql(
        '{ claim(id: "c-se-egov") { status rounds { roundNo outcome } } }', token=tokens.editor
    )
    assert body["data"]["claim"] == {
        "status": "pending",
        "rounds": [{"roundNo": 1, "outcome": "undecided"}],
    }
    status = gql(
        '{ city(id: "seoul") { scores(edition: "asia-2023") { indicators { points } } } }',
        token=tokens.editor,
    )
    assert status["data"]["city"]["scores"]["indicators"][1]["points"] == 0


SUBMIT = "input:SubmitClaimInput! idempotencyKey:String"


def test_idempotency_keys_are_scoped_per_caller(
    api_runtime: Runtime, by: Callers, bob: Caller
) -> None:
    mine = by.researcher.call(
        "submitClaim", SUBMIT, CLAIM, input=claim_input("c-ann"), idempotencyKey="K1"
    )
    head = api_runtime.ledger.head()
    theirs = bob.call("submitClaim", SUBMIT, CLAIM, input=claim_input("c-bob"), idempotencyKey="K1")
    # The same key from another caller is another request: Bob's claim is recorded as his,
    # and he is not handed Ann's result.
    assert mine["claim"] == {
        "claimId": "c-ann",
        "status": "pending",
        "submittedBy": "researcher-ann",
    }
    assert theirs["claim"] == {
        "claimId": "c-bob",
        "status": "pending",
        "submittedBy": "researcher-bob",
    }
    assert api_runtime.ledger.head() > head
    # Ann's retry with her key still replays her own result and records nothing.
    head = api_runtime.ledger.head()
    again = by.researcher.call(
        "submitClaim", SUBMIT, CLAIM, input=claim_input("c-ann"), idempotencyKey="K1"
    )
    assert again["claim"] == mine["claim"] and api_runtime.ledger.head() == head


def test_idempotency_key_is_checked_before_scoping(by: Callers) -> None:
    refused = by.researcher.call(
        "submitClaim", SUBMIT, CLAIM, input=claim_input("c-long"), idempotencyKey="k" * 201
    )
    assert refused["code"] == "INVALID_INPUT" and refused["field"] == "idempotency_key"


WITHDRAW = "claimId:String! reason:String!"


def test_researcher_cannot_withdraw_another_researchers_claim_but_an_editor_can(
    api_runtime: Runtime, by: Callers, bob: Caller
) -> None:
    by.researcher.call("submitClaim", SUBMIT, CLAIM, input=claim_input("c-ann"))
    head = api_runtime.ledger.head()
    refused = bob.call("withdrawClaim", WITHDRAW, CLAIM, claimId="c-ann", reason="not mine")
    assert refused["__typename"] == "LedgerError" and refused["code"] == "PERMISSION_DENIED"
    assert api_runtime.ledger.head() == head
    withdrawn = by.editor.call(
        "withdrawClaim", WITHDRAW, CLAIM, claimId="c-ann", reason="duplicate"
    )
    assert withdrawn["claim"]["status"] == "withdrawn"
    assert api_runtime.ledger.head() == head + 1


def test_researcher_withdraws_own_claim(by: Callers) -> None:
    by.researcher.call("submitClaim", SUBMIT, CLAIM, input=claim_input("c-own"))
    withdrawn = by.researcher.call("withdrawClaim", WITHDRAW, CLAIM, claimId="c-own", reason="typo")
    assert withdrawn["claim"]["status"] == "withdrawn"


def test_only_the_submitter_or_an_editor_may_supersede_a_claim(
    api_runtime: Runtime, by: Callers, bob: Caller
) -> None:
    by.researcher.call("submitClaim", SUBMIT, CLAIM, input=claim_input("c-ann"))
    head = api_runtime.ledger.head()
    bogus = {**claim_input("c-bob"), "rung": 1, "supersedes": "c-ann"}
    refused = bob.call("submitClaim", SUBMIT, CLAIM, input=bogus)
    assert refused["__typename"] == "LedgerError"
    assert (refused["code"], refused["field"], refused["value"]) == (
        "PERMISSION_DENIED", "supersedes", "c-ann",
    )  # fmt: skip
    assert api_runtime.ledger.head() == head
    fix = {**claim_input("c-fix"), "rung": 1, "supersedes": "c-ann"}
    pending = by.editor.call("submitClaim", SUBMIT, CLAIM, input=fix)
    # Proposed, not yet accepted: the corrected claim is untouched.
    assert pending["claim"]["status"] == "pending"
    assert api_runtime.ledger.head() == head + 1
