"""explainMove, nextBand and the causes of bandChanges over the API."""

from __future__ import annotations

from fractions import Fraction

from cityledger.bootstrap import Runtime
from tests.api.api_world import Gql, Tokens, codes, verified

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


def test_band_changes_between_publication_and_now_name_their_causes(
    gql: Gql, tokens: Tokens
) -> None:
    query = (
        'query { bandChanges(edition: "asia-2023", table: TOTAL, from: {position: 43}) { '
        "fromPosition toPosition changes { cityId beforeBand afterBand beforeScore { fraction }"
        " afterScore { fraction } causes { type cityId indicatorId claimId scoreChange { fraction }"
        " } } } }"
    )
    body = gql(query, token=tokens.auditor)["data"]["bandChanges"]
    assert body["fromPosition"] == 43 and body["toPosition"] > 43
    changes = body["changes"]
    moved = {c["cityId"]: c for c in changes}
    assert moved["taizhou"]["beforeScore"] == {"fraction": "0"}
    assert moved["taizhou"]["afterScore"] == {"fraction": "200"}
    causes = moved["taizhou"]["causes"]
    assert "RoundClosed" in [c["type"] for c in causes]
    assert {(c["cityId"], c["indicatorId"], c["claimId"]) for c in causes} >= {
        ("taizhou", "metro", "c-tz-metro")
    }
    assert all(Fraction(c["scoreChange"]["fraction"]) != 0 for c in changes[0]["causes"])


def test_band_robustness_is_seeded_and_for_score_viewers(gql: Gql, tokens: Tokens) -> None:
    query = """{ bandRobustness(edition: "asia-2023", table: TOTAL, draws: 50, seed: 4) {
        method ballots draws seed note cities { cityId band rank rankLow rankHigh
        probabilities { band probability { fraction } } drivers { indicatorId correlation } } } }"""
    first = gql(query, token=tokens.auditor)["data"]["bandRobustness"]
    assert first == gql(query, token=tokens.editor)["data"]["bandRobustness"]
    assert (first["method"], first["ballots"], first["draws"]) == ("mean-of-ballots", 2, 50)
    for city in first["cities"]:
        shares = [Fraction(p["probability"]["fraction"]) for p in city["probabilities"]]
        assert sum(shares) == 1 and city["rankLow"] <= city["rankHigh"]
    denied = gql(query, token=tokens.city)
    assert codes(denied) == ["PERMISSION_DENIED"]
    too_many = gql(query.replace("draws: 50", "draws: 20000"), token=tokens.auditor)
    assert codes(too_many) == ["INVALID_INPUT"]


def test_a_city_sees_its_own_numbers_but_not_its_rivals(
    gql: Gql, tokens: Tokens, api_runtime: Runtime
) -> None:
    # Shanghai's e-government rung lifts it past Beijing after the publication.
    votes = {"v-zh": "accept", "v-zh-en": "accept"}
    verified(api_runtime.ledger, "c-sh-egov", "shanghai", "egov", 2, "zh", votes)
    api_runtime.catch_up()
    query = """{ explainMove(edition: "asia-2023", table: TOTAL, city: "beijing",
        from: {publication: 1}) { delta { fraction } from { rank score { fraction } }
        boundaries { to { rankLimit score { fraction } } }
        overtakenBy { cityId bandTo scoreTo { fraction } rankTo causes { claimId } }
        nextBand { up { score { fraction } threshold { fraction } margin { fraction } }
                   down { threshold { fraction } } } } }"""
    city = gql(query, token=tokens.city)["data"]["explainMove"]
    auditor = gql(query, token=tokens.auditor)["data"]["explainMove"]
    assert city["delta"] == auditor["delta"] and city["from"] == auditor["from"]
    assert [b["rankLimit"] for b in city["boundaries"]["to"]] == [
        b["rankLimit"] for b in auditor["boundaries"]["to"]
    ]
    assert all(b["score"] is None for b in city["boundaries"]["to"])
    assert any(b["score"] is not None for b in auditor["boundaries"]["to"])
    assert [c["cityId"] for c in city["overtakenBy"]] == [
        c["cityId"] for c in auditor["overtakenBy"]
    ]
    assert [c["cityId"] for c in city["overtakenBy"]] == ["shanghai"]
    assert all(
        (c["scoreTo"], c["rankTo"], c["causes"]) == (None, None, None) for c in city["overtakenBy"]
    )
    assert all(c["scoreTo"] is not None and c["causes"] for c in auditor["overtakenBy"])
    for direction in ("up", "down"):
        assert city["nextBand"][direction]["threshold"] is None
