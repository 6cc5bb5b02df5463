"""Builders of small ledgers through the public Ledger API, shared by the test suites."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from cityledger.bootstrap import Runtime
from ledger.application import Ledger
from projections.ranking import RankingEntry
from tests.support.inputs import rungs, source

PILLARS = [
    {"id": "digital", "name": "Digital infrastructure"},
    {"id": "traditional", "name": "Traditional infrastructure"},
    {"id": "institutional", "name": "Institutional infrastructure"},
]
INDICATORS = [
    ("D2", "digital"),
    ("T1", "traditional"),
    ("I1", "institutional"),
    ("I6", "institutional"),
]
CITIES = [
    ("beijing", "Beijing", "北京", "CN"),
    ("shanghai", "Shanghai", "上海", "CN"),
    ("tokyo", "Tokyo", "东京", "JP"),
    ("seoul", "Seoul", "首尔", "KR"),
    ("taizhou-zj", "Taizhou", "台州", "CN"),
    ("taizhou-js", "Taizhou", "泰州", "CN"),
]
LANGUAGE = {"CN": "zh", "JP": "ja", "KR": "ko"}
EDITION = "test-2023"
WEIGHT_SET = "test-weights"
#: The small world's rungs, city by indicator: six distinct scores (taizhou-js claims nothing).
PLAN = {
    "beijing": {"D2": 3, "T1": 4, "I1": 3, "I6": 2},
    "shanghai": {"D2": 3, "T1": 3, "I1": 3, "I6": 2},
    "tokyo": {"D2": 2, "T1": 4, "I1": 2, "I6": 1},
    "seoul": {"D2": 2, "T1": 2, "I1": 2, "I6": 1},
    "taizhou-zj": {"D2": 1, "T1": 1, "I1": 1, "I6": 1},
}


def ladder(top: int) -> list[dict[str, Any]]:
    """Rungs 1..top, each worth its number of points."""
    return rungs(*range(1, top + 1))


def indicators() -> list[dict[str, Any]]:
    """The four test indicators (I6 has three rungs, like the report's ladder)."""
    return [
        {"id": i, "pillar": p, "name": f"indicator {i}", "proposed": i != "D2",
         "ladder": ladder(3 if i == "I6" else 4)}
        for i, p in INDICATORS
    ]  # fmt: skip


def build_frame(ledger: Ledger, ballots: list[dict[str, int]] | None = None) -> None:
    """Framework, weight set with ballots and weights, edition with cities, verifiers."""
    ledger.define_framework("test-framework", "Test framework", PILLARS, indicators())
    ledger.create_weight_set(WEIGHT_SET, "Test weights", "test-framework", 1)
    for n, allocation in enumerate(ballots or [{"D2": 30, "T1": 30, "I1": 20, "I6": 20}]):
        ledger.enrol_panelist(WEIGHT_SET, f"P{n + 1:02d}", "digital-infrastructure")
        ledger.cast_ballot(WEIGHT_SET, f"P{n + 1:02d}", allocation)
    ledger.aggregate_weights(WEIGHT_SET)
    for city_id, name_en, name_zh, country in CITIES:
        ledger.register_city(city_id, name_en, name_zh, country)
    ledger.create_edition(
        EDITION, 2023, "Test ranking", "Asia", "test-framework", 1, WEIGHT_SET, "2023-06-01", 2
    )
    ledger.include_cities(EDITION, [c[0] for c in CITIES])
    for verifier, languages in (("V1", ["zh", "en"]), ("V2", ["zh", "ja", "en"]),
                                ("V3", ["ko", "ja", "zh"])):  # fmt: skip
        ledger.enrol_verifier(verifier, languages)


def verified_claim(
    ledger: Ledger,
    city_id: str,
    indicator_id: str,
    rung: int,
    *,
    accept: bool = True,
    edition: str = EDITION,
) -> str:
    """Submit a claim in the city's language and decide it in one round."""
    # A city outside the small world (osaka, added in later editions) is Japanese.
    country = next((c[3] for c in CITIES if c[0] == city_id), "JP")
    language = LANGUAGE[country]
    claim_id = ledger.submit_claim(edition, city_id, indicator_id, rung, [source(language)], "R1")
    ledger.open_round(claim_id)
    readers = [v for v, langs in (("V1", "zh en"), ("V2", "zh ja en"), ("V3", "ko ja zh"))
               if language in langs.split()]  # fmt: skip
    for verifier in readers[:2]:
        ledger.cast_vote(claim_id, verifier, "accept" if accept else "reject", "checked")
    ledger.close_round(claim_id)
    return claim_id


def verified_claims(
    ledger: Ledger, plan: dict[str, dict[str, int]], edition: str = EDITION
) -> dict[str, str]:
    """Verified claims at the planned rung of each city's indicators; their ids by
    city/indicator."""
    return {
        f"{city_id}/{indicator_id}": verified_claim(
            ledger, city_id, indicator_id, rung, edition=edition
        )
        for city_id, by_indicator in plan.items()
        for indicator_id, rung in by_indicator.items()
    }


def build_small_world(ledger: Ledger) -> dict[str, str]:
    """The frame plus verified claims that give the six cities distinct scores."""
    build_frame(ledger)
    return verified_claims(ledger, PLAN)


def withdraw_accepted(rt: Runtime, edition: str, city_id: str, indicator_id: str) -> None:
    """Withdraw (as the editor) every accepted claim on a city's indicator: none counts then."""
    for (claim_id,) in rt.db.execute(
        "SELECT claim_id FROM claims WHERE edition_id = ? AND city_id = ? AND "
        "indicator_id = ? AND status = 'accepted'",
        [edition, city_id, indicator_id],
    ).fetchall():
        rt.ledger.withdraw_claim(claim_id, "counterfactual", "E1", as_editor=True)


def entries_of(rows: list[dict[str, Any]]) -> list[RankingEntry]:
    """Ranking entries carrying only the names and bands of GraphQL table rows (for ordering)."""
    return [
        RankingEntry(
            city_id=r["cityId"], name_en=r["nameEn"], name_zh=r["nameZh"],
            score=Fraction(0), rank=0, band=r["band"],
        )
        for r in rows
    ]  # fmt: skip
