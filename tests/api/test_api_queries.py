"""Each query over HTTP: catalogue, cities, claims, publications, events, weights, appeals."""

from __future__ import annotations

from tests.api.api_world import EDITION, EDITION_B, WEIGHTS, Gql, Tokens, codes


def test_editions_and_edition_with_publications(gql: Gql) -> None:
    body = gql(
        "{ editions { editionId year cityCount } "
        'edition(id: "asia-2023") { title quorum cities { cityId } publications { publicationNo '
        "position digest tables } } }"
    )
    assert [e["editionId"] for e in body["data"]["editions"]] == [EDITION_B, EDITION]
    edition = body["data"]["edition"]
    assert len(edition["cities"]) == 6 and edition["quorum"] == 2
    [publication] = edition["publications"]
    assert publication["publicationNo"] == 1 and len(publication["digest"]) == 64
    assert set(publication["tables"]) == {"total", "digital_traditional", "institutional"}


def test_unknown_edition_is_a_coded_error(gql: Gql) -> None:
    body = gql('{ edition(id: "nope") { title } }')
    assert body["data"] is None and codes(body) == ["UNKNOWN_ID"]


def test_frameworks_with_indicators_and_ladders(gql: Gql) -> None:
    body = gql(
        "{ frameworks { frameworkId version pillars { pillarId } indicators { indicatorId "
        "pillar ladder { rung points description } } } }"
    )
    [framework] = body["data"]["frameworks"]
    assert [p["pillarId"] for p in framework["pillars"]] == [
        "digital",
        "traditional",
        "institutional",
    ]
    broadband = framework["indicators"][0]
    assert broadband["indicatorId"] == "broadband"
    assert [r["points"] for r in broadband["ladder"]] == [0, 5, 10]


def test_cities_of_an_edition_and_all(gql: Gql) -> None:
    body = gql('{ all: cities { cityId } some: cities(edition: "asia-2024") { nameEn nameZh } }')
    assert len(body["data"]["all"]) == 6
    assert body["data"]["some"] == [{"nameEn": "Tokyo", "nameZh": "東京"}]


CITY_SCORES = """
query($id: String!) { city(id: $id) { nameEn scores(edition: "asia-2023") { position
  indicators { indicatorId points claim { claimId status submittedBy sources { language }
  rounds { roundNo outcome accepts votes { verifierId decision } } } } } } }
"""


def test_city_scores_with_claims_rounds_and_votes_for_editor(gql: Gql, tokens: Tokens) -> None:
    body = gql(CITY_SCORES, {"id": "beijing"}, tokens.editor)
    scores = body["data"]["city"]["scores"]
    assert scores["position"] > 0
    broadband = scores["indicators"][0]
    assert broadband["points"] == 10
    claim = broadband["claim"]
    assert claim["claimId"] == "c-bj-bb" and claim["submittedBy"] == "researcher-ann"
    [round_] = claim["rounds"]
    assert round_["outcome"] == "accepted" and round_["accepts"] == 2
    assert {v["verifierId"] for v in round_["votes"]} == {"v-zh", "v-zh-en"}


def test_city_sees_own_scores_but_not_votes_nor_other_cities(gql: Gql, tokens: Tokens) -> None:
    own = gql(CITY_SCORES, {"id": "beijing"}, tokens.city)
    round_ = own["data"]["city"]["scores"]["indicators"][0]["claim"]["rounds"][0]
    assert round_["accepts"] == 2 and round_["votes"] is None
    assert codes(own) == ["PERMISSION_DENIED"]
    other = gql(CITY_SCORES, {"id": "tokyo"}, tokens.city)
    assert other["data"]["city"] == {"nameEn": "Tokyo", "scores": None}
    assert codes(other) == ["PERMISSION_DENIED"]


def test_city_scores_as_of_a_position(gql: Gql, tokens: Tokens) -> None:
    query = (
        'query($p: Int!) { city(id: "taizhou") { scores(edition: "asia-2023", asOf: {position: $p})'
        " { position indicators { indicatorId points } } } }"
    )
    head = gql("{ position }", None, tokens.auditor)["data"]["position"]
    early = gql(query, {"p": 43}, tokens.auditor)["data"]["city"]["scores"]
    late = gql(query, {"p": head}, tokens.auditor)["data"]["city"]["scores"]
    assert early["position"] == 43 and late["position"] == head > 43
    beyond = gql(query, {"p": head + 1}, tokens.auditor)
    assert beyond["data"]["city"]["scores"] is None
    assert "beyond the ledger's head" in beyond["errors"][0]["message"]
    assert {i["indicatorId"]: i["points"] for i in early["indicators"]}["metro"] == 0
    assert {i["indicatorId"]: i["points"] for i in late["indicators"]}["metro"] == 8


CLAIMS = """
query($first: Int!, $after: String, $filter: ClaimFilter) {
  claims(first: $first, after: $after, filter: $filter) {
    position edges { cursor node { claimId languages status } }
    pageInfo { hasNextPage endCursor } } }
"""


def test_claims_pages_with_cursor(gql: Gql, tokens: Tokens) -> None:
    first = gql(CLAIMS, {"first": 4}, tokens.researcher)["data"]["claims"]
    assert len(first["edges"]) == 4 and first["pageInfo"]["hasNextPage"]
    after = first["pageInfo"]["endCursor"]
    rest = gql(CLAIMS, {"first": 4, "after": after}, tokens.researcher)["data"]["claims"]
    ids = [e["node"]["claimId"] for e in first["edges"] + rest["edges"]]
    assert len(ids) == 6 == len(set(ids)) and not rest["pageInfo"]["hasNextPage"]


def test_claims_filters(gql: Gql, tokens: Tokens) -> None:
    flt = {"edition": EDITION, "status": "accepted", "indicator": "metro"}
    body = gql(CLAIMS, {"first": 10, "filter": flt}, tokens.editor)["data"]["claims"]
    assert {e["node"]["claimId"] for e in body["edges"]} == {"c-sh-metro", "c-tz-metro"}


def test_a_misspelt_claim_status_is_refused_naming_it_not_an_empty_page(
    gql: Gql, tokens: Tokens
) -> None:
    body = gql(CLAIMS, {"first": 10, "filter": {"status": "acepted"}}, tokens.editor)

    assert body["data"] is None
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "INVALID_INPUT"
    assert error["message"].startswith("status 'acepted' is not one of pending, accepted")


def test_verifier_sees_claims_in_languages_read(gql: Gql, tokens: Tokens) -> None:
    zh = gql(CLAIMS, {"first": 50}, tokens.verifier)["data"]["claims"]["edges"]
    en = gql(CLAIMS, {"first": 50}, tokens.verifier_en)["data"]["claims"]["edges"]
    assert {tuple(e["node"]["languages"]) for e in zh} == {("zh",)}
    assert {tuple(e["node"]["languages"]) for e in en} == {("en",)}
    assert len(zh) + len(en) == 6


def test_city_sees_only_its_own_claims(gql: Gql, tokens: Tokens) -> None:
    flt = {"cityIds": ["beijing", "tokyo"]}
    edges = gql(CLAIMS, {"first": 50, "filter": flt}, tokens.city)["data"]["claims"]["edges"]
    assert [e["node"]["claimId"] for e in edges] == ["c-bj-bb"]


def test_publications(gql: Gql) -> None:
    [p] = gql('{ publications(edition: "asia-2023") { position time by digest } }')["data"][
        "publications"
    ]
    assert p["position"] == 43 and p["by"] == "editor"


EVENTS = """
query($first: Int!, $after: String, $filter: EventFilter) {
  events(first: $first, after: $after, filter: $filter) {
    position edges { cursor node { position type editionId cityId time hash } }
    pageInfo { hasNextPage endCursor } } }
"""


def test_events_connection_pages_by_position(gql: Gql, tokens: Tokens) -> None:
    page = gql(EVENTS, {"first": 5}, tokens.auditor)["data"]["events"]
    assert [e["node"]["position"] for e in page["edges"]] == [1, 2, 3, 4, 5]
    assert page["pageInfo"] == {"hasNextPage": True, "endCursor": "5"}
    nxt = gql(EVENTS, {"first": 2, "after": "5"}, tokens.auditor)["data"]["events"]
    assert [e["cursor"] for e in nxt["edges"]] == ["6", "7"]


def test_events_filters(gql: Gql, tokens: Tokens) -> None:
    flt = {"types": ["RoundClosed"], "city": "beijing", "edition": EDITION}
    edges = gql(EVENTS, {"first": 100, "filter": flt}, tokens.editor)["data"]["events"]["edges"]
    assert [(e["node"]["type"], e["node"]["cityId"]) for e in edges] == [("RoundClosed", "beijing")]
    when = edges[0]["node"]["time"]
    since = gql(EVENTS, {"first": 100, "filter": {"since": when}}, tokens.editor)["data"]
    assert all(e["node"]["time"] >= when for e in since["events"]["edges"])
    until = gql(EVENTS, {"first": 100, "filter": {"until": when}}, tokens.editor)["data"]
    assert all(e["node"]["time"] <= when for e in until["events"]["edges"])


def test_a_misspelt_event_type_is_refused_naming_it_not_an_empty_page(
    gql: Gql, tokens: Tokens
) -> None:
    flt = {"types": ["RoundClosed", "ClaimSubmited"]}
    body = gql(EVENTS, {"first": 10, "filter": flt}, tokens.editor)

    assert codes(body) == ["INVALID_INPUT"]
    message = body["errors"][0]["message"]
    assert message.startswith("event type 'ClaimSubmited' is not one the ledger records (")
    assert "ClaimSubmitted" in message and "RoundClosed" in message
    # A type the ledger records but this log holds none of is an empty page, not an error.
    never = {"types": ["AppealWithdrawn"]}
    assert (
        gql(EVENTS, {"first": 1, "filter": never}, tokens.editor)["data"]["events"]["edges"] == []
    )


def test_events_naive_instant_is_refused(gql: Gql, tokens: Tokens) -> None:
    body = gql(EVENTS, {"first": 1, "filter": {"since": "2023-01-01T00:00:00"}}, tokens.editor)
    assert codes(body) == ["INVALID_INPUT"]


def test_weights_editor_sees_all_ballots_panelist_only_own(gql: Gql, tokens: Tokens) -> None:
    query = (
        "query($w: String!) { weights(weightSetId: $w) { position revisions { revision method "
        "ballotCount weights { indicatorId weight { fraction decimal } } } "
        "ballots { panelistId allocations { indicatorId points } } } }"
    )
    editor = gql(query, {"w": WEIGHTS}, tokens.editor)["data"]["weights"]
    [revision] = editor["revisions"]
    assert revision["ballotCount"] == 2
    assert revision["weights"][0] == {
        "indicatorId": "broadband",
        "weight": {"fraction": "25", "decimal": "25.00"},
    }
    egov = revision["weights"][1]["weight"]
    assert egov == {"fraction": "55/2", "decimal": "27.50"}
    assert [b["panelistId"] for b in editor["ballots"]] == ["p1", "p2"]
    panelist = gql(query, {"w": WEIGHTS}, tokens.panelist)["data"]["weights"]
    assert [b["panelistId"] for b in panelist["ballots"]] == ["p1"]


def test_weights_of_an_unknown_weight_set_are_an_unknown_id_not_an_empty_set(
    gql: Gql, tokens: Tokens
) -> None:
    body = gql('{ weights(weightSetId: "wieghts") { weightSetId } }', token=tokens.editor)

    assert codes(body) == ["UNKNOWN_ID"]
    assert "weight set 'wieghts' does not exist" in body["errors"][0]["message"]


def test_appeals_city_sees_its_own(gql: Gql, tokens: Tokens) -> None:
    query = "{ appeals { position items { appealId cityId status } } }"
    editor = gql(query, token=tokens.editor)["data"]["appeals"]["items"]
    assert {a["appealId"] for a in editor} == {"a-tz", "a-bj"}
    city = gql(query, token=tokens.city)["data"]["appeals"]["items"]
    assert [a["appealId"] for a in city] == ["a-bj"]


def test_compare_editions_lists_common_cities_and_those_that_left(gql: Gql, tokens: Tokens) -> None:
    query = (
        '{ compareEditions(a: "asia-2023", b: "asia-2024", table: TOTAL, at: NOW) { comparable '
        "rows { cityId bandA bandB rankA rankB nA nB } left { cityId } entered { cityId } "
        "matrix { fromBand cells { toBand count } } } }"
    )
    body = gql(query, token=tokens.editor)["data"]["compareEditions"]
    assert [r["cityId"] for r in body["rows"]] == ["tokyo"]
    assert body["rows"][0]["rankB"] == 1 and body["rows"][0]["nB"] == 1
    assert "seoul" in [c["cityId"] for c in body["left"]] and body["entered"] == []
    assert body["comparable"] is True  # same framework version, same weight set
    common = sum(c["count"] for r in body["matrix"] if r["fromBand"] != "entered"
                 for c in r["cells"] if c["toBand"] != "left")  # fmt: skip
    assert common == 1


def test_viewer_position_and_verifiers(gql: Gql, tokens: Tokens) -> None:
    body = gql(
        "{ position viewer { role name languages } verifiers { verifierId } }", None, tokens.auditor
    )
    assert body["data"]["position"] > 0
    assert body["data"]["viewer"] == {"role": "auditor", "name": "auditor-al", "languages": []}
    assert len(body["data"]["verifiers"]) == 3
    verifier = gql("{ viewer { role name languages } }", token=tokens.verifier)["data"]["viewer"]
    assert verifier == {"role": "verifier", "name": "v-zh", "languages": ["zh"]}
