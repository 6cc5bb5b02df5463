"""Appeals and publications over GraphQL: a city sees and follows only its own appeals, the
review's notes reach it anonymised, what-if, the docket, and any publication for anyone."""

from __future__ import annotations

import json
from typing import Any

from starlette.testclient import TestClient

from cityledger.bootstrap import Runtime
from graphql_api.tokens import create_token
from tests.api.api_world import EDITION, Gql, Tokens, codes
from tests.support.graphql_ws import session

APPEAL = (
    "query($id: String!) { appeal(id: $id) { appealId cityId status reasons claimId rung "
    "correctionClaimId review { roundNo outcome notes { verifier decision note } } } }"
)


def mutate(gql: Gql, token: str, text: str) -> dict[str, Any]:
    body = gql(f"mutation {{ r: {text} {{ __typename ... on LedgerError {{ code message }} }} }}",
               token=token)  # fmt: skip
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["r"]
    return result


def uphold_beijing(gql: Gql, tokens: Tokens, api_runtime: Runtime) -> None:
    """Review a-bj (two Chinese readers accept) and uphold it."""
    second = create_token(api_runtime.db, "verifier", "v-zh-en")
    assert mutate(gql, tokens.editor, 'openAppealReview(appealId: "a-bj")')["__typename"] == (
        "AppealPayload"
    )
    for token, note in ((tokens.verifier, "gazette checked"), (second, "fibre map matches")):
        vote = f'castAppealVote(input: {{appealId: "a-bj", decision: ACCEPT, note: "{note}"}})'
        assert mutate(gql, token, vote)["__typename"] == "AppealPayload"
    assert mutate(gql, tokens.editor, 'closeAppealReview(appealId: "a-bj")')["__typename"] == (
        "AppealPayload"
    )


def test_a_city_reads_its_appeal_and_another_citys_is_answered_as_unknown(
    gql: Gql, tokens: Tokens
) -> None:
    own = gql(APPEAL, {"id": "a-bj"}, tokens.city)
    assert "errors" not in own, own
    assert own["data"]["appeal"]["cityId"] == "beijing"
    other = gql(APPEAL, {"id": "a-tz"}, tokens.city)
    unknown = gql(APPEAL, {"id": "a-none"}, tokens.city)
    assert codes(other) == codes(unknown) == ["UNKNOWN_ID"]
    assert other["errors"][0]["message"].replace("a-tz", "X") == (
        unknown["errors"][0]["message"].replace("a-none", "X")
    )
    listed = gql("{ appeals(status: FILED) { items { appealId } } }", token=tokens.city)
    assert listed["data"]["appeals"]["items"] == [{"appealId": "a-bj"}]


def test_a_city_cannot_file_for_another_city(gql: Gql, tokens: Tokens) -> None:
    text = (
        'fileAppeal(input: {editionId: "asia-2023", cityId: "taizhou", text: "t", '
        'indicatorId: "metro", rung: 2, sources: [{title: "t", language: "zh", '
        'date: "2023-03-01", excerpt: "x", url: "https://example.org/a"}]})'
    )
    refused = mutate(gql, tokens.city, text)
    assert refused["code"] == "PERMISSION_DENIED" and "taizhou" in refused["message"]


def test_the_city_follows_review_and_decision_with_verifiers_anonymised(
    gql: Gql, tokens: Tokens, api_runtime: Runtime
) -> None:
    what_if = gql(
        '{ appealWhatIf(id: "a-bj") { rows { table bandNow bandIfUpheld rankIfUpheld } } }',
        token=tokens.city,
    )
    assert "errors" not in what_if, what_if
    uphold_beijing(gql, tokens, api_runtime)
    decided = mutate(
        gql, tokens.editor,
        'answerAppeal(input: {appealId: "a-bj", decision: UPHELD, response: "Map confirms."})',
    )  # fmt: skip
    assert decided["__typename"] == "AppealPayload"

    body = gql(APPEAL, {"id": "a-bj"}, tokens.city)
    appeal = body["data"]["appeal"]
    assert (appeal["status"], appeal["reasons"]) == ("upheld", "Map confirms.")
    assert appeal["correctionClaimId"] == "a-bj/correction"
    (round_,) = appeal["review"]
    assert round_["outcome"] == "accepted"
    assert [(n["verifier"], n["note"]) for n in round_["notes"]] == [
        ("verifier 1", "gazette checked"),
        ("verifier 2", "fibre map matches"),
    ]
    assert "v-zh" not in json.dumps(body)


def test_what_if_and_the_docket_are_refused_to_others(gql: Gql, tokens: Tokens) -> None:
    assert codes(gql('{ appealWhatIf(id: "a-tz") { cityId } }', token=tokens.city)) == [
        "UNKNOWN_ID"
    ]
    assert codes(gql('{ appealWhatIf(id: "a-bj") { cityId } }', token=tokens.researcher)) == [
        "PERMISSION_DENIED"
    ]
    assert codes(gql("{ appealDocket { ageDays } }", token=tokens.city)) == ["PERMISSION_DENIED"]
    docket = gql("{ appealDocket { appeal { appealId deadline } } }", token=tokens.editor)
    assert [d["appeal"]["appealId"] for d in docket["data"]["appealDocket"]] == ["a-tz", "a-bj"]


def test_anyone_asks_for_any_publication_and_the_diff(
    gql: Gql, tokens: Tokens, api_runtime: Runtime
) -> None:
    query = (
        'query($n: Int, $at: DateTime) { rankings(edition: "asia-2023", table: TOTAL, '
        "publication: $n, publishedAt: $at) { publicationNo position rows { cityId band } } }"
    )
    first = gql(query, {"n": 1})["data"]["rankings"]
    assert first["publicationNo"] == 1
    at = gql(query, {"at": "2999-01-01T00:00:00Z"})["data"]["rankings"]
    assert at == first
    uphold_beijing(gql, tokens, api_runtime)
    mutate(gql, tokens.editor,
           'answerAppeal(input: {appealId: "a-bj", decision: UPHELD, response: "ok"})')  # fmt: skip
    corrected = mutate(
        gql, tokens.editor,
        f'publish(input: {{editionId: "{EDITION}", corrects: 1, force: true, '
        'reason: "a-tz open"})',
    )  # fmt: skip
    assert corrected["__typename"] == "PublicationPayload"
    assert gql(query, {"n": 1})["data"]["rankings"] == first
    diff = gql('{ publicationDiff(edition: "asia-2023", a: 1, b: 2) { changes { table cityId '
               "bandBefore bandAfter causes { appealId } } } }")  # fmt: skip
    listed = gql('{ publications(edition: "asia-2023") { publicationNo corrects forcedReason '
                 "changes { table cityId bandBefore bandAfter } } }")  # fmt: skip
    second = listed["data"]["publications"][-1]
    assert (second["corrects"], second["forcedReason"]) == (1, "a-tz open")
    assert sorted((c["table"], c["cityId"]) for c in second["changes"]) == sorted(
        (c["table"], c["cityId"]) for c in diff["data"]["publicationDiff"]["changes"]
    )


def test_appeal_updates_reach_only_the_citys_own_subscription(
    client: TestClient, tokens: Tokens, api_runtime: Runtime
) -> None:
    head = api_runtime.ledger.head()
    with session(client, tokens.city) as ws:
        ws.send_json({"id": "1", "type": "subscribe", "payload": {
            "query": "subscription($after: Int) { appealUpdates(after: $after) "
                     "{ type appeal { appealId status } } }",
            "variables": {"after": head}}})  # fmt: skip
        for appeal_id in ("a-tz", "a-bj"):
            posted = client.post(
                "/graphql",
                json={
                    "query": f'mutation {{ openAppealReview(appealId: "{appeal_id}") '
                    "{ __typename } }"
                },
                headers={"Authorization": f"Bearer {tokens.editor}"},
            )
            assert posted.json()["data"]["openAppealReview"]["__typename"] == "AppealPayload"
        message = ws.receive_json()
        assert message["payload"]["data"]["appealUpdates"] == {
            "type": "AppealReviewOpened",
            "appeal": {"appealId": "a-bj", "status": "under_review"},
        }
        ws.send_json({"id": "1", "type": "complete"})


def test_a_city_choosing_another_citys_appeal_id_learns_nothing(
    gql: Gql, tokens: Tokens, api_runtime: Runtime
) -> None:
    taizhou = create_token(api_runtime.db, "city", "taizhou-office", city_id="taizhou")
    sources = (
        'sources: [{title: "t", language: "zh", date: "2023-03-01", excerpt: "x", '
        'url: "https://example.org/a"}]'
    )

    def file(token: str, city: str, indicator: str, appeal_id: str) -> dict[str, Any]:
        body = gql(
            f'mutation {{ r: fileAppeal(input: {{editionId: "{EDITION}", cityId: "{city}", '
            f'text: "t", indicatorId: "{indicator}", rung: 2, appealId: "{appeal_id}", '
            f"{sources}}}) {{ __typename ... on AppealPayload {{ appeal {{ appealId }} }} "
            "... on LedgerError { code message } } }",
            token=token,
        )
        result: dict[str, Any] = body["data"]["r"]
        return result

    # "a-tz" is Taizhou's appeal: Beijing choosing that id files its own, in its namespace.
    assert file(tokens.city, "beijing", "broadband", "a-tz") == {
        "__typename": "AppealPayload",
        "appeal": {"appealId": "beijing/a-tz"},
    }
    assert file(taizhou, "taizhou", "metro", "ours")["appeal"] == {"appealId": "taizhou/ours"}
    assert file(tokens.city, "beijing", "broadband", "ours")["appeal"] == {
        "appealId": "beijing/ours"
    }
    # A second choice of the same id within one's own namespace is refused as usual.
    again = file(taizhou, "taizhou", "metro", "ours")
    assert again["code"] == "ALREADY_EXISTS" and "taizhou/ours" in again["message"]
    refused = file(taizhou, "taizhou", "metro", "beijing/x")
    assert refused["code"] == "INVALID_INPUT" and "'/'" in refused["message"]


def test_a_citys_feedback_is_answered_with_what_was_recorded(gql: Gql, tokens: Tokens) -> None:
    text = (
        'giveFeedback(input: {{editionId: "{e}", text: "{t}", feedbackId: "{i}"}}) {{'
        " ... on FeedbackPayload {{ feedback {{ feedbackId editionId cityId text }} }} }}"
    )
    answers = [
        gql(f"mutation {{ r: {text.format(e=EDITION, t=t, i=i)} }}", token=tokens.city)
        for t, i in (("first note", "fb-1"), ("second note", "fb-2"))
    ]

    assert [a["data"]["r"]["feedback"] for a in answers] == [
        {"feedbackId": f"beijing/{i}", "editionId": EDITION, "cityId": "beijing", "text": t}
        for t, i in (("first note", "fb-1"), ("second note", "fb-2"))
    ]


def test_a_city_choosing_another_citys_feedback_id_learns_nothing(
    gql: Gql, tokens: Tokens, api_runtime: Runtime
) -> None:
    taizhou = create_token(api_runtime.db, "city", "taizhou-office", city_id="taizhou")

    def give(token: str, feedback_id: str) -> dict[str, Any]:
        body = gql(
            f'mutation {{ r: giveFeedback(input: {{editionId: "{EDITION}", text: "t", '
            f'feedbackId: "{feedback_id}"}}) {{ __typename '
            "... on FeedbackPayload { feedback { feedbackId cityId } } "
            "... on LedgerError { code message } } }",
            token=token,
        )
        result: dict[str, Any] = body["data"]["r"]
        return result

    assert give(taizhou, "note")["feedback"] == {"feedbackId": "taizhou/note", "cityId": "taizhou"}
    # The same choice by another city is its own feedback: no "already exists" about Taizhou's.
    assert give(tokens.city, "note")["feedback"] == {
        "feedbackId": "beijing/note",
        "cityId": "beijing",
    }
    head = api_runtime.ledger.head()
    squatted = give(tokens.city, "taizhou/later")
    assert squatted["code"] == "INVALID_INPUT" and "'/'" in squatted["message"]
    assert api_runtime.ledger.head() == head
