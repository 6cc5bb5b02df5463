"""Property: the what-if of an open appeal is exactly what upholding it then does.

Generated ledgers (random rungs, some indicators without any claim) and random appeals (any
city, indicator and rung, disputing the counted claim or none); the what-if is computed on a
copy of the state, then the appeal is really reviewed and upheld, and every table's band,
rank and score of the city must equal what the what-if said.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from cityledger.bootstrap import Runtime, open_runtime
from projections import appeals as docket
from projections import evidence
from projections.rankings import rankings
from tests.support.builders import (
    CITIES,
    EDITION,
    INDICATORS,
    build_frame,
    verified_claim,
)
from tests.support.databases import build_template, copy_db
from tests.support.inputs import source

CITY_IDS = [c[0] for c in CITIES]
INDICATOR_IDS = [i for i, _ in INDICATORS]
TOP = {i: 3 if i == "I6" else 4 for i in INDICATOR_IDS}


@pytest.fixture(scope="module")
def frame(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The framework, weights, edition and verifiers, built once."""
    path = tmp_path_factory.mktemp("what-if") / "frame.sqlite"
    return build_template(path, lambda rt: build_frame(rt.ledger))


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    """Rungs per (city, indicator) (0: no claim) and one appeal."""
    rungs = {
        (c, i): draw(st.integers(0, TOP[i]))
        for c in CITY_IDS
        for i in INDICATOR_IDS
        if draw(st.booleans())
    }
    city = draw(st.sampled_from(CITY_IDS))
    indicator = draw(st.sampled_from(INDICATOR_IDS))
    return {
        "rungs": rungs,
        "city": city,
        "indicator": indicator,
        "rung": draw(st.integers(1, TOP[indicator])),
        "dispute": draw(st.booleans()),
    }


def play(rt: Runtime, s: dict[str, Any]) -> None:
    led = rt.ledger
    for (city, indicator), rung in sorted(s["rungs"].items()):
        if rung:
            verified_claim(led, city, indicator, rung)
    # Korean evidence has one reader, so Seoul's claims stay pending: publish regardless.
    led.publish(EDITION, force=True, reason="pending Korean evidence")
    rt.catch_up()
    counted = [
        c.claim_id
        for c in evidence.claims(
            rt.db, edition_id=EDITION, city_ids=[s["city"]], indicator_id=s["indicator"]
        )
        if c.status == "accepted"
    ]
    language = "zh"  # read by two verifiers, so the review can accept it
    led.file_appeal(
        EDITION, s["city"], "Please look again.", "office", s["indicator"], "ap",
        rung=s["rung"], sources=[source(language, "new")],
        claim_id=counted[0] if s["dispute"] and counted else None,
    )  # fmt: skip
    led.open_appeal_review("ap")
    readers = [v for v, langs in (("V1", "zh en"), ("V2", "zh ja en"), ("V3", "ko ja zh"))
               if language in langs.split()]  # fmt: skip
    for verifier in readers[:2]:
        led.cast_appeal_vote("ap", verifier, "accept", "checked")
    led.close_appeal_review("ap")


@seed(20230715)
@settings(
    max_examples=12,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(scenario=scenarios())
def test_the_what_if_band_is_the_band_after_upholding(
    frame: Path, tmp_path_factory: pytest.TempPathFactory, scenario: dict[str, Any]
) -> None:
    path = copy_db(frame, tmp_path_factory.mktemp("example") / "ledger.sqlite")
    rt = open_runtime(path)
    try:
        play(rt, scenario)
        rt.catch_up()
        predicted = docket.what_if(rt.db, "ap", scenario["city"])
        rt.ledger.answer_appeal("ap", "upheld", "Confirmed.", "editor")
        rt.catch_up()
        for row in predicted.rows:
            actual = next(
                r for r in rankings(rt.db, EDITION, row.table).rows if r.city_id == scenario["city"]
            )
            assert (row.band_if_upheld, row.rank_if_upheld, row.score_if_upheld) == (
                actual.band,
                actual.rank,
                actual.score,
            )
    finally:
        rt.close()
