"""explainMove, nextBand and the causes of bandChanges over the API."""

from __future__ import annotations

from fractions import Fraction

from tests.api.api_world import Gql, Tokens, codes

EXPLAIN = """query($city: String!, $from: Cut!, $to: Cut) {
  explainMove(edition: "asia-2023", table: TOTAL, city: $city, from: $from, to: $to) {
    cityId from { position band rank score { fraction } n } to { position band rank n }
    delta { fraction }
    indicators { indicatorId pointsFrom pointsTo weightFrom { fraction } weightTo { fraction }
      rungPart { fraction } weightPart { fraction } claimsFrom claimsTo
      causes { position type time hash actor claimId cityId indicatorId scoreChange { fraction } } }
    boundaries { from { band rankLimit score { fraction } } to { band rankLimit } }
    overtakenBy { cityId delta { fraction } causes { claimId } }
    overtook { cityId }
    tieRuleMatters
  }
}"""


def test_explain_move_splits_the_change_exactly_and_names_the_claim(
    gql: Gql, tokens: Tokens
) -> None:
    body = gql(EXPLAIN, {"city": "taizhou", "from": {"publication": 1}}, tokens.auditor)
    e = body["data"]["explainMove"]
    delta = Fraction(e["delta"]["fraction"])
    parts = sum(
        Fraction(m["rungPart"]["fraction"]) + Fraction(m["weightPart"]["fraction"])
        for m in e["indicators"]
    )
    assert parts == delta > 0
    (metro,) = [m for m in e["indicators"] if m["causes"]]
    assert (metro["indicatorId"], metro["claimsFrom"], metro["claimsTo"]) == (
        "metro", [], ["c-tz-metro"]
    )  # fmt: skip
    (cause,) = metro["causes"]
    assert (cause["type"], cause["claimId"], cause["cityId"]) == (
        "RoundClosed", "c-tz-metro", "taizhou"
    )  # fmt: skip
    assert Fraction(cause["scoreChange"]["fraction"]) == delta
    assert len(e["boundaries"]["from"]) == 4 and e["from"]["n"] == e["to"]["n"]


def test_a_city_explains_its_own_moves_only(gql: Gql, tokens: Tokens) -> None:
    own = gql(EXPLAIN, {"city": "beijing", "from": {"publication": 1}}, tokens.city)
    assert own["data"]["explainMove"]["cityId"] == "beijing"
    for token in (tokens.city, tokens.researcher, None):
        other = gql(EXPLAIN, {"city": "taizhou", "from": {"position": 1}}, token)
        assert other["data"] is None and codes(other) == ["PERMISSION_DENIED"]


def test_bad_cuts_are_typed_errors(gql: Gql, tokens: Tokens) -> None:
    unknown = gql(EXPLAIN, {"city": "taizhou", "from": {"publication": 9}}, tokens.auditor)
    assert codes(unknown) == ["UNKNOWN_ID"] and "publication 9" in unknown["errors"][0]["message"]
    backwards = gql(
        EXPLAIN, {"city": "taizhou", "from": {"position": 60}, "to": {"position": 50}},
        tokens.auditor,
    )  # fmt: skip
    assert codes(backwards) == ["INVALID_INPUT"]
    both = gql(
        EXPLAIN,
        {"city": "taizhou", "from": {"position": 1, "instant": "2023-01-01T00:00:00Z"}},
        tokens.auditor,
    )
    assert both.get("errors") and both.get("data") is None


def test_next_band_names_the_rung_changes(gql: Gql, tokens: Tokens) -> None:
    query = """{ nextBand(edition: "asia-2023", table: TOTAL, city: "taizhou") {
        band rank up { possible steps targetBand band reason changes { indicatorId rungTo } }
        down { possible steps band margin { fraction } } } }"""
    found = gql(query, token=tokens.editor)["data"]["nextBand"]
    for target in (found["up"], found["down"]):
        if target["possible"]:
            assert target["steps"] >= 1
    nested = gql(
        '{ explainMove(edition: "asia-2023", table: TOTAL, city: "taizhou", from: {publication: 1})'
        " { nextBand { band up { possible } } } }",
        token=tokens.editor,
    )
    assert nested["data"]["explainMove"]["nextBand"]["band"] == found["band"]


def test_band_change_causes_name_city_indicator_claim_and_score_change(
    gql: Gql, tokens: Tokens
) -> None:
    query = (
        'query { bandChanges(edition: "asia-2023", table: TOTAL, from: {position: 43}) { '
        "changes { cityId causes { type cityId indicatorId claimId scoreChange { fraction } } } } }"
    )
    changes = gql(query, token=tokens.auditor)["data"]["bandChanges"]["changes"]
    moved = {c["cityId"]: c for c in changes}
    causes = moved["taizhou"]["causes"]
    assert {(c["cityId"], c["indicatorId"], c["claimId"]) for c in causes} >= {
        ("taizhou", "metro", "c-tz-metro")
    }
    assert all(Fraction(c["scoreChange"]["fraction"]) != 0 for c in changes[0]["causes"])
