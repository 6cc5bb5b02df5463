"""The asia-2023 edition: setup, weighting panel, calibrated evidence history, publication."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from typing import Any

from reference.ballots import REVISIONS, Panel, build_panel
from reference.history import EvidenceWriter
from reference.inputs import DT_IDS, INDICATOR_IDS, TABLES, City, load_cities, max_rungs
from reference.rungs import solve
from reference.scoring import all_bands
from reference.timeline import Timeline, later, utc
from reference.verifiers import asia_verifiers

EDITION = "asia-2023"
FRAMEWORK_ID = "asia-smart-city"
WEIGHT_SET = "asia-2023-weights"
EDITOR = "E01"
CUTOFF = date(2023, 6, 1)
START = utc(2023, 1, 16, 8)
DEADLINE = utc(2023, 6, 2, 17)
PUBLISHED = utc(2023, 7, 15, 9)
RESEARCHERS = 24


@dataclass(frozen=True)
class Finale:
    """The last round closure of the log, and the band it changes."""

    claim_id: str
    city_id: str
    indicator_id: str
    rung: int
    changes: tuple[tuple[str, str, str, str], ...]  # (table, city, band before, band after)


@dataclass(frozen=True)
class Asia:
    """Everything the asia-2023 log is built from."""

    timeline: Timeline
    cities: list[City]
    rungs: dict[str, dict[str, int]]
    panel: Panel
    finale: Finale


def researcher(index: int) -> str:
    """The anonymous researcher responsible for the city at this index."""
    return f"R{index % RESEARCHERS + 1:02d}"


def weights_of(panel: Panel) -> dict[str, Fraction]:
    """Weights in force after aggregation: A_i / 32."""
    return {i: Fraction(a, len(panel.final)) for i, a in panel.totals().items()}


def find_finale(
    cities: Sequence[City], rungs: Mapping[str, Mapping[str, int]], weights: Mapping[str, Fraction]
) -> tuple[str, str, tuple[tuple[str, str, str, str], ...]]:
    """The first (city, DT indicator) whose late acceptance lifts the city's total band."""
    final = all_bands(rungs, weights)
    for city in cities:
        for ind in DT_IDS:
            if rungs[city.city_id][ind] == 0:
                continue
            before_rungs = {c: dict(r) for c, r in rungs.items()}
            before_rungs[city.city_id][ind] = 0
            before = all_bands(before_rungs, weights)
            if before["total"][city.city_id] != final["total"][city.city_id]:
                changes = tuple(
                    (t, c.city_id, before[t][c.city_id], final[t][c.city_id])
                    for t in TABLES
                    for c in cities
                    if before[t][c.city_id] != final[t][c.city_id]
                )
                return city.city_id, ind, changes
    raise ValueError("no claim changes a band")


def setup(tl: Timeline, framework: dict[str, Any], cities: Sequence[City], panel: Panel) -> None:
    """Framework, cities, panel, verifiers, edition: early January 2023."""
    tl.add(utc(2023, 1, 9, 8, 30), "define_framework", framework_id=FRAMEWORK_ID,
           title=framework["title"], pillars=framework["pillars"],
           indicators=framework["indicators"])  # fmt: skip
    for k, city in enumerate(cities):
        tl.add(utc(2023, 1, 9, 8, 40) + timedelta(seconds=15 * k), "register_city",
               city_id=city.city_id, name_en=city.name_en, name_zh=city.name_zh,
               country=city.country, aliases_zh=city.aliases_zh)  # fmt: skip
    tl.add(utc(2023, 1, 9, 10), "create_weight_set", weight_set_id=WEIGHT_SET,
           title="2023 indicator weights (32-member panel, budget allocation)",
           framework_id=FRAMEWORK_ID, framework_version=1)  # fmt: skip
    for k, (pid, field) in enumerate(panel.fields.items()):
        tl.add(utc(2023, 1, 9, 10, 10) + timedelta(seconds=30 * k), "enrol_panelist",
               weight_set_id=WEIGHT_SET, panelist_id=pid, field=field)  # fmt: skip
    for k, (vid, langs) in enumerate(asia_verifiers().items()):
        tl.add(utc(2023, 1, 9, 11) + timedelta(seconds=30 * k), "enrol_verifier",
               verifier_id=vid, languages=langs)  # fmt: skip
    tl.add(utc(2023, 1, 9, 14), "create_edition", edition_id=EDITION, year=2023,
           title="2023 Asian Smart City Ranking", region="Asia", framework_id=FRAMEWORK_ID,
           framework_version=1, weight_set_id=WEIGHT_SET, evidence_cutoff=CUTOFF.isoformat(),
           quorum=2)  # fmt: skip
    tl.add(utc(2023, 1, 9, 14, 10), "include_cities", edition_id=EDITION,
           city_ids=[c.city_id for c in cities])  # fmt: skip


def weighting(tl: Timeline, panel: Panel, seed: int) -> None:
    """Ballots (16 Jan - 3 Feb), a few revisions (6-10 Feb), aggregation (13 Feb)."""
    rng = random.Random(f"{seed}/weighting")
    for pid in panel.fields:
        at = later(utc(2023, 1, 15, 18), rng, 1, 18)
        tl.add(at, "cast_ballot", weight_set_id=WEIGHT_SET, panelist_id=pid,
               allocations=panel.first[pid])  # fmt: skip
    for pid, reason in REVISIONS.items():
        tl.add(later(utc(2023, 2, 5, 18), rng, 1, 5), "revise_ballot", weight_set_id=WEIGHT_SET,
               panelist_id=pid, allocations=panel.final[pid], reason=reason)  # fmt: skip
    tl.add(utc(2023, 2, 13, 10), "aggregate_weights", weight_set_id=WEIGHT_SET, by=EDITOR)


def ladders_and_names(
    framework: dict[str, Any],
) -> tuple[dict[str, dict[int, str]], dict[str, str]]:
    """Rung descriptions and lower-case names per indicator."""
    ladders = {
        ind["id"]: {s["rung"]: s["description"] for s in ind["ladder"]}
        for ind in framework["indicators"]
    }
    names = {ind["id"]: ind["name"].lower() for ind in framework["indicators"]}
    return ladders, names


def finale_claim(writer: EvidenceWriter, city: City, ind: str, rung: int, by: str) -> str:
    """Submitted 22 May; undecided on 30 May; accepted on 5 June, the log's last closure."""
    rng = random.Random(f"{writer.seed}/finale")
    claim_id, langs = writer.submit(utc(2023, 5, 22, 10), city, ind, rung, by, rng)
    used: set[str] = set()
    first = [utc(2023, 5, 24, 9, 30), utc(2023, 5, 26, 11), utc(2023, 5, 29, 14),
             utc(2023, 5, 30, 16)]  # fmt: skip
    writer.scripted_round(claim_id, langs, first, ("accept", "reject"), rng, used)
    second = [utc(2023, 5, 31, 9), utc(2023, 6, 1, 10, 15), utc(2023, 6, 2, 11, 40),
              utc(2023, 6, 2, 15, 5), utc(2023, 6, 5, 10)]  # fmt: skip
    writer.scripted_round(claim_id, langs, second, ("accept", "accept", "accept"), rng, used)
    return claim_id


def build_asia(framework: dict[str, Any], seed: int) -> Asia:
    """The full asia-2023 timeline with calibrated rungs."""
    cities = load_cities()
    panel = build_panel(seed)
    rungs = solve(cities, panel.totals(), seed)
    finale_city, finale_ind, changes = find_finale(cities, rungs, weights_of(panel))
    tl = Timeline()
    setup(tl, framework, cities, panel)
    weighting(tl, panel, seed)
    ladders, names = ladders_and_names(framework)
    writer = EvidenceWriter(
        tl, EDITION, ladders, names, asia_verifiers(), seed, START, DEADLINE, CUTOFF
    )
    tops = max_rungs(framework)
    finale_id = ""
    for k, city in enumerate(cities):
        for ind in INDICATOR_IDS:
            rung = rungs[city.city_id][ind]
            if (city.city_id, ind) == (finale_city, finale_ind):
                finale_id = finale_claim(writer, city, ind, rung, researcher(k))
            else:
                writer.pair(city, ind, rung, tops[ind], researcher(k))
    late = [c.args["claim_id"] for c in tl.commands if c.name == "close_round" and c.at > DEADLINE]
    assert late == [finale_id], "only the finale closes after the regular deadline"
    tl.add(PUBLISHED, "publish", edition_id=EDITION, by=EDITOR)
    finale = Finale(finale_id, finale_city, finale_ind, rungs[finale_city][finale_ind], changes)
    return Asia(tl, cities, rungs, panel, finale)
