"""A two-year ledger: the small 2023 world, a framework revision with lineage, a 2024 edition."""

from __future__ import annotations

from typing import Any

from ledger.application import Ledger
from tests.support.builders import (
    EDITION,
    PILLARS,
    build_small_world,
    indicators,
    ladder,
    verified_claim,
    verified_claims,
)
from tests.support.inputs import rungs

NEXT = "test-2024"
NEXT_WEIGHTS = "test-weights-2024"
FRAMEWORK = "test-framework"
#: v2 of the test framework: D2 gains a rung, T1 is re-scaled, I6 is renamed I9.
LINEAGE_V2: list[dict[str, Any]] = [
    {"kind": "ladder_extended", "from": ["D2"], "to": ["D2"]},
    {
        "kind": "rescaled",
        "from": ["T1"],
        "to": ["T1"],
        "rung_map": [[1, 1], [2, 1], [3, 2], [4, 3]],
    },
    {"kind": "unchanged", "from": ["I1"], "to": ["I1"]},
    {"kind": "renamed", "from": ["I6"], "to": ["I9"], "note": "digital flows, new id"},
]
#: 2024 rungs (D2, T1 on the v2 ladders; I1; I9).
PLAN_2024 = {
    "beijing": {"D2": 5, "T1": 3, "I1": 3, "I9": 2},
    "shanghai": {"D2": 3, "T1": 2, "I1": 4, "I9": 3},
    "tokyo": {"D2": 3, "T1": 3, "I1": 2, "I9": 1},
    "seoul": {"D2": 2, "T1": 1, "I1": 2, "I9": 2},
    "osaka": {"D2": 2, "T1": 2, "I1": 1, "I9": 1},
}


def indicators_v2() -> list[dict[str, Any]]:
    """The v2 indicators of the test framework."""
    out = []
    for ind in indicators():
        if ind["id"] == "D2":
            ind = {**ind, "ladder": ladder(5)}
        if ind["id"] == "T1":
            ind = {**ind, "ladder": rungs(2, 4, 6)}
        if ind["id"] == "I6":
            ind = {**ind, "id": "I9", "name": "digital flows"}
        out.append(ind)
    return out


def claim(ledger: Ledger, edition: str, city: str, indicator: str, rung: int) -> str:
    """A claim in the city's language, accepted in one round by two readers."""
    return verified_claim(ledger, city, indicator, rung, edition=edition)


def build_two_years(ledger: Ledger) -> None:
    """2023 as in the small world (published), then v2 with lineage and a published 2024."""
    build_small_world(ledger)
    ledger.publish(EDITION)
    ledger.revise_framework(FRAMEWORK, PILLARS, indicators_v2(), "v2", LINEAGE_V2)
    ledger.create_weight_set(NEXT_WEIGHTS, "2024 weights", FRAMEWORK, 2)
    ledger.enrol_panelist(NEXT_WEIGHTS, "P01", "digital-infrastructure")
    ledger.cast_ballot(NEXT_WEIGHTS, "P01", {"D2": 40, "T1": 20, "I1": 25, "I9": 15})
    ledger.aggregate_weights(NEXT_WEIGHTS)
    ledger.register_city("osaka", "Osaka", "大阪", "JP")
    ledger.create_edition(NEXT, 2024, "Test 2024", "Asia", FRAMEWORK, 2, NEXT_WEIGHTS,
                          "2024-06-01", 2)  # fmt: skip
    ledger.include_cities(NEXT, [*PLAN_2024])
    verified_claims(ledger, PLAN_2024, edition=NEXT)
    ledger.publish(NEXT)
