"""Comparing editions: matrix, entering and leaving cities, verdict, method versus performance."""

from __future__ import annotations

import json
import random
from fractions import Fraction
from typing import Any

import pytest

from cityledger.bootstrap import Runtime
from ledger.errors import InvalidInput, UnknownId
from projections.compare import (
    Comparison,
    compare,
    comparison_json,
    cut,
    evidence_rungs,
    rescore,
    verdict,
)
from projections.ranking import TABLES
from tests.support.builders import EDITION, PILLARS, build_small_world
from tests.support.years import NEXT, claim

BANDS = ("top 10%", "10%-30%", "30%-60%", "60%-100%")


def common_in_matrix(c: Comparison) -> int:
    """The sum of the 4×4 part of the transition matrix."""
    return sum(
        n for row, cells in c.matrix if row != "entered" for col, n in cells if col != "left"
    )


@pytest.mark.parametrize("table", TABLES)
def test_the_matrix_sums_to_the_common_cities_and_entered_left_common_make_the_union(
    years: Runtime, table: str
) -> None:
    c = compare(years.db, EDITION, NEXT, table)
    assert common_in_matrix(c) == len(c.rows) == 4
    matrix = dict(c.matrix)
    assert sum(dict(matrix["entered"]).values()) == len(c.entered) == 1
    assert sum(dict(cells)["left"] for _, cells in c.matrix) == len(c.left) == 2
    union = (
        {r.city_id for r in c.rows} | {r.city_id for r in c.entered} | {r.city_id for r in c.left}
    )
    assert len(c.rows) + len(c.entered) + len(c.left) == len(union) == 7
    assert [r.city_id for r in c.entered] == ["osaka"]


@pytest.mark.parametrize("table", TABLES)
def test_method_plus_performance_is_the_score_change_exactly(years: Runtime, table: str) -> None:
    c = compare(years.db, EDITION, NEXT, table)
    assert c.not_comparable_indicators == ()
    for r in c.rows:
        assert r.method_part is not None and r.performance_part is not None
        assert r.method_part + r.performance_part == r.score_b - r.score_a
    beijing = next(r for r in c.rows if r.city_id == "beijing")
    if table == "total":
        # D2 3 (30 → 40), T1 4 → rescaled rung 3 = 6 points at 20, I1 3 (20 → 25), I6 2 → I9 at 15.
        assert beijing.method_part is not None
        assert beijing.score_a + beijing.method_part == 3 * 40 + 6 * 20 + 3 * 25 + 2 * 15


@pytest.mark.parametrize("table", TABLES)
def test_rescoring_b_evidence_under_b_method_gives_b_scores(years: Runtime, table: str) -> None:
    b = cut(years.db, NEXT, table, "publication")
    scores = {r.city_id: r.score_b for r in compare(years.db, EDITION, NEXT, table).rows}
    rungs = evidence_rungs(years.db, NEXT, list(scores), b.position)
    same, missing = rescore(years.db, rungs, b, table, verdict(years.db, b, b).diff)
    assert missing == () and same is not None
    assert same == scores


def test_editions_on_different_frameworks_are_never_comparable(years: Runtime) -> None:
    c = compare(years.db, EDITION, NEXT, "total")
    assert not c.comparable
    assert any("frameworks differ" in r for r in c.verdict.reasons)
    assert any("weights differ" in r for r in c.verdict.reasons)
    assert [e.kind for e in c.verdict.diff.entries] == ["ladder_extended", "rescaled", "renamed"]
    assert compare(years.db, EDITION, EDITION, "total").comparable


def test_a_later_edition_compared_to_an_earlier_one_gets_no_split(years: Runtime) -> None:
    c = compare(years.db, NEXT, EDITION, "total")
    assert not c.comparable and all(r.method_part is None for r in c.rows)
    assert set(c.not_comparable_indicators) == {"D2", "T1", "I1", "I6"}


def test_comparing_at_publication_needs_a_publication(world: Runtime) -> None:
    with pytest.raises(UnknownId, match="has no published total table"):
        compare(world.db, EDITION, EDITION, "total")
    with pytest.raises(InvalidInput, match="'later' is not one of"):
        compare(world.db, EDITION, EDITION, "total", "later")
    assert compare(world.db, EDITION, EDITION, "total", "now").comparable


def test_the_json_shape_is_stable_and_exact(years: Runtime) -> None:
    data = comparison_json(compare(years.db, EDITION, NEXT, "total"))
    assert {"a", "b", "table", "comparable", "reasons", "matrix", "entered", "left", "rows",
            "framework_diff", "weight_diff"} <= set(data)  # fmt: skip
    row = data["rows"][0]  # type: ignore[index]
    assert {"city_id", "band_a", "band_b", "rank_a", "rank_b", "n_a", "n_b", "score_a",
            "score_b", "method_part", "performance_part"} <= set(row)  # fmt: skip
    for key in ("rank_a", "n_a", "score_a", "method_part", "performance_part"):
        assert isinstance(row[key], str) and Fraction(row[key]) is not None
    assert list(data["matrix"]) == [*BANDS, "entered"]  # type: ignore[call-overload]
    hidden = comparison_json(compare(years.db, EDITION, NEXT, "total"), scores=False)
    assert all(r["score_a"] is None and r["rank_a"] is None for r in hidden["rows"])  # type: ignore[attr-defined]
    assert hidden["weight_diff"] == []
    json.dumps(data)  # plain JSON all the way down


# ---- generated framework revisions -------------------------------------------------------

IDS = ("D2", "T1", "I1", "I6")


def revise_randomly(
    rng: random.Random, current: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A random revision of mapped kinds only: extend, re-scale, rename or keep each ladder."""
    new, lineage = [], []
    for ind in current:
        kind = rng.choice(("unchanged", "ladder_extended", "rescaled", "renamed"))
        top = len(ind["ladder"])
        item = dict(ind)
        if kind == "ladder_extended":
            item["ladder"] = [*ind["ladder"], {"rung": top + 1,
                              "points": ind["ladder"][-1]["points"] + rng.randint(1, 3),
                              "description": "added"}]  # fmt: skip
            lineage.append({"kind": kind, "from": [ind["id"]], "to": [ind["id"]]})
        elif kind == "rescaled":
            size = rng.randint(2, 5)
            points = sorted(rng.sample(range(1, 40), size))
            item["ladder"] = [{"rung": n + 1, "points": p, "description": f"r{n + 1}"}
                              for n, p in enumerate(points)]  # fmt: skip
            rung_map = sorted([r["rung"], rng.randint(1, size)] for r in ind["ladder"])
            lineage.append({"kind": kind, "from": [ind["id"]], "to": [ind["id"]],
                            "rung_map": rung_map})  # fmt: skip
        elif kind == "renamed":
            item["name"] = ind["name"] + " (renamed)"
            lineage.append({"kind": kind, "from": [ind["id"]], "to": [ind["id"]]})
        else:
            lineage.append({"kind": kind, "from": [ind["id"]], "to": [ind["id"]]})
        new.append(item)
    return new, lineage


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_method_plus_performance_is_exact_across_generated_revisions(
    runtime: Runtime, seed: int
) -> None:
    rng = random.Random(seed)
    ledger = runtime.ledger
    build_small_world(ledger)
    runtime.catch_up()
    from projections.catalogue import indicators as read_indicators

    current = [
        {"id": i.indicator_id, "pillar": i.pillar, "name": i.name,
         "ladder": [{"rung": r.rung, "points": r.points, "description": r.description}
                    for r in i.ladder]}
        for i in read_indicators(runtime.db, "test-framework", 1)
    ]  # fmt: skip
    editions = [EDITION]
    cities = ["beijing", "shanghai", "tokyo", "seoul"]
    for version in (2, 3):
        current, lineage = revise_randomly(rng, current)
        ledger.revise_framework("test-framework", PILLARS, current, f"v{version}", lineage)
        weights = f"w{version}"
        ledger.create_weight_set(weights, f"weights v{version}", "test-framework", version)
        ledger.enrol_panelist(weights, "P01", "digital-infrastructure")
        cut_points = sorted(rng.sample(range(1, 100), 3))
        shares = [a - b for a, b in zip([*cut_points, 100], [0, *cut_points], strict=True)]
        ledger.cast_ballot(weights, "P01", dict(zip(IDS, shares, strict=True)))
        ledger.aggregate_weights(weights)
        edition = f"gen-{version}"
        ledger.create_edition(edition, 2022 + version, edition, "Asia", "test-framework",
                              version, weights, "2023-06-01", 2)  # fmt: skip
        ledger.include_cities(edition, cities)
        for city in cities:
            for ind in current:
                if rng.random() < 0.8:
                    top = len(ind["ladder"])
                    claim(ledger, edition, city, str(ind["id"]), rng.randint(1, top))
        editions.append(edition)
    runtime.catch_up()
    for a, b in (
        (editions[0], editions[1]),
        (editions[1], editions[2]),
        (editions[0], editions[2]),
    ):
        for table in TABLES:
            c = compare(runtime.db, a, b, table, "now")
            assert not c.comparable and c.not_comparable_indicators == ()
            for r in c.rows:
                assert r.method_part is not None and r.performance_part is not None
                assert r.method_part + r.performance_part == r.score_b - r.score_a
    # Re-scoring through the chain equals re-scoring step by step where maps compose.
    first = cut(runtime.db, editions[0], "total", "now")
    rungs = evidence_rungs(runtime.db, editions[0], cities, first.position)
    last = cut(runtime.db, editions[2], "total", "now")
    direct, _ = rescore(runtime.db, rungs, last, "total", verdict(runtime.db, first, last).diff)
    middle = cut(runtime.db, editions[1], "total", "now")
    step_diff = verdict(runtime.db, first, middle).diff
    mapped = {
        city: {
            d.indicator_id: dict(d.rung_map or ()).get(per.get(d.source or "", 0), 0)
            for d in step_diff.derivations
        }
        for city, per in rungs.items()
    }
    stepwise, _ = rescore(runtime.db, mapped, last, "total", verdict(runtime.db, middle, last).diff)
    assert direct == stepwise
