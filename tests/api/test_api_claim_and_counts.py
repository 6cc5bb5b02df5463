"""claim(id:), totalCount on connections, and the caller recorded as each event's actor."""

from __future__ import annotations

import json

from tests.api.api_world import Gql, Tokens, codes

CLAIM = "query($id: String!) { claim(id: $id) { claimId cityId status points } }"


def test_claim_by_id_within_the_viewers_scope(gql: Gql, tokens: Tokens) -> None:
    found = gql(CLAIM, {"id": "c-bj-bb"}, tokens.auditor)["data"]["claim"]
    assert found == {"claimId": "c-bj-bb", "cityId": "beijing", "status": "accepted", "points": 10}
    assert gql(CLAIM, {"id": "c-bj-bb"}, tokens.city)["data"]["claim"]["cityId"] == "beijing"
    # A city reads only its own claims; a verifier only those in languages it reads.
    for token, claim_id in ((tokens.city, "c-tk-open"), (tokens.verifier, "c-tk-open")):
        body = gql(CLAIM, {"id": claim_id}, token)
        assert codes(body) == ["UNKNOWN_ID"] and body["data"] is None
    missing = gql(CLAIM, {"id": "nope"}, tokens.editor)
    assert codes(missing) == ["UNKNOWN_ID"] and "'nope'" in missing["errors"][0]["message"]
    assert codes(gql(CLAIM, {"id": "c-bj-bb"})) == ["PERMISSION_DENIED"]


def test_total_count_counts_every_page(gql: Gql, tokens: Tokens) -> None:
    claims = gql(
        "{ claims(first: 2) { totalCount edges { cursor } pageInfo { hasNextPage } } }",
        token=tokens.auditor,
    )["data"]["claims"]
    assert claims["totalCount"] == 6 and len(claims["edges"]) == 2
    zh = gql("{ claims(first: 1) { totalCount } }", token=tokens.verifier)["data"]["claims"]
    assert zh["totalCount"] == 3  # the three claims with Chinese sources
    events = gql(
        '{ events(first: 1, filter: {types: ["RoundClosed"]}) { totalCount edges { cursor } } }',
        token=tokens.auditor,
    )["data"]["events"]
    assert events["totalCount"] == 5 and len(events["edges"]) == 1


def test_the_callers_name_is_recorded_as_the_actor(gql: Gql, tokens: Tokens) -> None:
    created = gql(
        'mutation { includeCities(editionId: "asia-2024", cityIds: ["seoul"]) { __typename } }',
        token=tokens.editor,
    )
    assert "errors" not in created
    page = gql(
        '{ events(first: 100, filter: {types: ["CitiesIncluded"]}) { edges { node { data } } } }',
        token=tokens.auditor,
    )["data"]["events"]["edges"]
    latest = page[-1]["node"]["data"]
    data = json.loads(latest) if isinstance(latest, str) else latest
    assert data["by"] == "editor-eve" and data["city_ids"] == ["seoul"]
