"""Tables follow the framework: every pillar counts in the total, each in the sub-table its
framework names, and no table exists before its edition has weights in force."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest

from audit.recompute import recompute
from cityledger.bootstrap import Runtime
from cityledger.cli import main
from ledger.errors import NoWeightsInForce
from projections.ranking import TABLES
from projections.rankings import band_changes, rankings
from tests.support.builders import CITIES, EDITION, PILLARS, indicators
from tests.support.inputs import source

AI_PILLAR = {"id": "ai", "name": "Artificial intelligence", "table": "digital_traditional"}
AI_INDICATOR = {
    "id": "A1",
    "pillar": "ai",
    "name": "City AGI",
    "ladder": [{"rung": n, "points": n, "description": f"rung {n}"} for n in (1, 2, 3)],
}


def ai_world(rt: Runtime) -> None:
    """An edition on a framework with a fourth (AI) pillar, weighted, with one AI claim."""
    led = rt.ledger
    led.define_framework("fw", "With AI", [*PILLARS, AI_PILLAR], [*indicators(), AI_INDICATOR])
    led.create_weight_set("w", "Weights", "fw", 1)
    led.set_weights("w", {"D2": "20", "T1": "20", "I1": "20", "I6": "20", "A1": "20"}, "t", "ed")
    for city_id, name_en, name_zh, country in CITIES:
        led.register_city(city_id, name_en, name_zh, country)
    led.create_edition(EDITION, 2023, "T", "Asia", "fw", 1, "w", "2023-06-01", 1)
    led.include_cities(EDITION, [c[0] for c in CITIES])
    led.enrol_verifier("V1", ["zh"])
    claim = led.submit_claim(EDITION, "beijing", "A1", 3, [source("zh")], "R1")
    led.open_round(claim)
    led.cast_vote(claim, "V1", "accept")
    led.close_round(claim)
    rt.catch_up()


def score(rt: Runtime, table: str, city_id: str) -> Fraction:
    return next(r.score for r in rankings(rt.db, EDITION, table).rows if r.city_id == city_id)


def test_an_indicator_of_a_new_pillar_counts_in_the_total_and_its_sub_table(
    runtime: Runtime,
) -> None:
    ai_world(runtime)

    assert score(runtime, "total", "beijing") == 60
    assert score(runtime, "digital_traditional", "beijing") == 60
    assert score(runtime, "institutional", "beijing") == 0
    export = [json.dumps(r.to_json()) for r in runtime.ledger.records(limit=10_000)]
    for table in TABLES:
        engine = [[r.city_id, str(r.score), r.rank, r.band] for r in rankings(
            runtime.db, EDITION, table).rows]  # fmt: skip
        assert recompute(export, EDITION, table) == sorted(engine, key=lambda r: (r[2], r[0]))


def frame_without_weights(rt: Runtime) -> None:
    """An edition whose weight set has ballots pending but no weights yet."""
    led = rt.ledger
    led.define_framework("fw", "F", PILLARS, indicators())
    led.create_weight_set("w", "Weights", "fw", 1)
    for city_id, name_en, name_zh, country in CITIES:
        led.register_city(city_id, name_en, name_zh, country)
    led.create_edition(EDITION, 2023, "T", "Asia", "fw", 1, "w", "2023-06-01", 1)
    led.include_cities(EDITION, [c[0] for c in CITIES])
    rt.catch_up()


def test_a_table_before_weights_are_in_force_answers_that_it_has_none(runtime: Runtime) -> None:
    frame_without_weights(runtime)
    head = runtime.ledger.head()

    for as_of in (None, head, head - 1):
        with pytest.raises(NoWeightsInForce) as info:
            rankings(runtime.db, EDITION, "total", as_of)
        assert "has no weights in force" in info.value.message
        assert info.value.code == "NO_WEIGHTS_IN_FORCE"

    runtime.ledger.set_weights("w", {"D2": "25", "T1": "25", "I1": "25", "I6": "25"}, "t", "ed")
    runtime.catch_up()
    assert len(rankings(runtime.db, EDITION, "total").rows) == len(CITIES)
    # Changes from before the weights: no city had a band then, so none moved.
    assert band_changes(runtime.db, EDITION, "total", head) == []


def test_rank_before_weights_says_so_on_one_line(
    runtime: Runtime,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    frame_without_weights(runtime)
    monkeypatch.setenv("CITYLEDGER_DB", str(tmp_path / "ledger.sqlite"))

    code = main(["rank", "--edition", EDITION, "--table", "institutional"])

    out = capsys.readouterr()
    assert code != 0 and out.out == ""
    assert len(out.err.strip().splitlines()) == 1
    assert "has no weights in force" in out.err
