"""The illustrative years around 2023: asia-2022 (recorded retrospectively) and asia-2024.

No 2022 table is published in our sources: the 2022 framework, panel, evidence and bands are
made up, with differences of the kind the 2023 report describes (a ladder that later gained a
rung, an indicator that 2023 split or renamed). asia-2024 is in progress: a framework whose D1
ladder takes in city or industry AGI, a re-weighting, evidence through the year, quarterly
publications, no final one.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from cityledger.importer import Command
from reference.asia import EDITOR, FRAMEWORK_ID, Asia, ladders_and_names, researcher
from reference.ballots import FIELDS, PROFILES
from reference.history import EvidenceWriter
from reference.inputs import INDICATOR_IDS, City
from reference.timeline import Timeline, later, utc
from reference.verifiers import asia_verifiers

FRAMEWORK_2022 = "asia-smart-city-2022"
EDITION_2022 = "asia-2022"
WEIGHTS_2022 = "asia-2022-weights"
EDITION_2024 = "asia-2024"
WEIGHTS_2024 = "asia-2024-weights"
#: 2023 cities that were not in the 2022 list (they entered in 2023).
ENTERED_2023 = ("dili", "thimphu", "male", "aqaba", "chiang-rai")
#: 2022 cities that left the list in 2023 (registered by the 2022 records).
LEFT_2023 = (
    City("sapporo", "Sapporo", "札幌", "札幌", "JP", ("", "", "")),
    City("george-town", "George Town", "乔治市", "乔治市", "MY", ("", "", "")),
)
#: 2023 cities not in the 2024 list, and cities that entered (or came back) in 2024.
LEFT_2024 = ("ashgabat",)
NEW_2024 = City("fukuoka", "Fukuoka", "福冈", "福冈", "JP", ("", "", ""))
#: The 2022 ranking's own calendar, and when the ledger recorded it (after the 2023 editions:
#: the ledger began with the 2023 edition, so 2022 is a retrospective record).
ORIGINAL = (utc(2022, 1, 10, 8), utc(2022, 7, 20, 9))
RECORDED = (utc(2023, 10, 2, 8), utc(2023, 12, 15, 9))
LINEAGE_STATED = utc(2023, 12, 15, 8)
CUTOFF_2022 = date(2022, 6, 1)
CUTOFF_2024 = date(2024, 12, 31)
QUARTERLY_REASON = (
    "quarterly publication of an edition in progress: claims still under review may move "
    "bands before the edition closes"
)
QUARTERLY = (utc(2024, 4, 2, 9), utc(2024, 7, 2, 9), utc(2024, 10, 2, 9))
AGI_RUNG = {
    "rung": 5,
    "points": 5,
    "description": "City or industry AGI: a general-purpose AI model runs city services or an "
    "industry cluster at city scale over the city's all-optical network.",
}


def framework_2022(f2023: dict[str, Any]) -> dict[str, Any]:
    """The illustrative 2022 framework, derived from 2023's: 15 indicators."""
    by_id = {i["id"]: dict(i) for i in f2023["indicators"]}
    d3 = {
        "id": "D3", "pillar": "digital", "name": "Blockchain and digital twin platforms",
        "proposed": True,
        "ladder": [
            {"rung": 1, "points": 1, "description": "A city blockchain or digital twin pilot is "
             "in operation."},
            {"rung": 2, "points": 2, "description": "A city-wide blockchain service platform or "
             "a district-scale digital twin is in operation."},
            {"rung": 3, "points": 3, "description": "Blockchain services and a city-scale digital "
             "twin support several departments."},
            {"rung": 4, "points": 4, "description": "A city-scale digital twin fuses sensing and "
             "blockchain-anchored data for planning and operations."},
        ],
    }  # fmt: skip
    t1 = {
        **by_id["T1"],
        "ladder": [
            {"rung": 1, "points": 2, "description": "A metro or light-rail line is in operation."},
            {"rung": 2, "points": 4, "description": "An urban rail network of at least 200 km "
             "with integrated ticketing is in operation."},
        ],
    }  # fmt: skip
    t5 = {
        "id": "T5", "pillar": "traditional", "name": "Smart street lighting", "proposed": True,
        "ladder": [
            {"rung": 1, "points": 1, "description": "LED street lighting covers most streets."},
            {"rung": 2, "points": 2, "description": "Street lights are dimmed and monitored "
             "remotely district-wide."},
            {"rung": 3, "points": 3, "description": "Smart poles carry sensors and small cells "
             "city-wide."},
        ],
    }  # fmt: skip
    indicators = [
        by_id["D1"],
        {**by_id["D2"], "ladder": by_id["D2"]["ladder"][:3]},
        d3,
        t1,
        by_id["T3"],
        by_id["T4"],
        t5,
        *[by_id[i] for i in ("I1", "I2", "I3", "I4")],
        {**by_id["I5"], "name": "Data asset management"},
        {**by_id["I6"], "ladder": by_id["I6"]["ladder"][:2]},
        by_id["I7"],
        by_id["I8"],
    ]
    return {
        "framework_id": FRAMEWORK_2022,
        "title": "Asian Smart City indicator system 2022 (illustrative: 15 indicators)",
        "pillars": f2023["pillars"],
        "indicators": indicators,
    }


IDS_2022 = ("D1", "D2", "D3", "T1", "T3", "T4", "T5",
            "I1", "I2", "I3", "I4", "I5", "I6", "I7", "I8")  # fmt: skip


def lineage_2022_2023() -> list[dict[str, Any]]:
    """How the 2023 framework relates to the 2022 one, indicator by indicator."""
    same = [{"kind": "unchanged", "from": [i], "to": [i]}
            for i in ("D1", "T3", "T4", "I1", "I2", "I3", "I4", "I7", "I8")]  # fmt: skip
    return [
        *same,
        {"kind": "ladder_extended", "from": ["D2"], "to": ["D2"],
         "note": "space quantum communication added as rung 4"},
        {"kind": "split", "from": ["D3"], "to": ["D3", "D4"],
         "note": "blockchain and digital twins are scored apart from 2023"},
        {"kind": "rescaled", "from": ["T1"], "to": ["T1"], "rung_map": [[1, 2], [2, 4]],
         "note": "two rungs became four; old rungs keep their points"},
        {"kind": "added", "from": [], "to": ["T2"], "note": "unmanned vehicles, new in 2023"},
        {"kind": "dropped", "from": ["T5"], "to": [], "note": "street lighting left the system"},
        {"kind": "renamed", "from": ["I5"], "to": ["I5"],
         "note": "data asset management is called data capitalization from 2023"},
        {"kind": "ladder_extended", "from": ["I6"], "to": ["I6"],
         "note": "rules aligned with high-standard international rules added as rung 3"},
    ]  # fmt: skip


def framework_2024(f2023: dict[str, Any]) -> list[dict[str, Any]]:
    """The 2024 indicators: 2023's, with D1's ladder taking in AGI as a fifth rung."""
    out = []
    for ind in f2023["indicators"]:
        if ind["id"] == "D1":
            ind = {**ind, "ladder": [*ind["ladder"], AGI_RUNG]}
        out.append(ind)
    return out


def lineage_2023_2024() -> list[dict[str, Any]]:
    """D1's ladder extended; every other indicator unchanged."""
    return [
        {"kind": "ladder_extended", "from": ["D1"], "to": ["D1"],
         "note": "city or industry AGI, as the 2023 report announced"}
        if i == "D1"
        else {"kind": "unchanged", "from": [i], "to": [i]}
        for i in INDICATOR_IDS
    ]  # fmt: skip


def _back(rng: random.Random, rung: int) -> int:
    """A year earlier: mostly the same rung, sometimes one or two lower."""
    return max(0, rung - rng.choices((0, 1, 2), weights=(70, 25, 5))[0])


def rungs_2022(asia: Asia, seed: int) -> dict[str, dict[str, int]]:
    """Illustrative 2022 rungs: a year behind 2023, on the 2022 ladders."""
    out: dict[str, dict[str, int]] = {}
    for city in [c for c in asia.cities if c.city_id not in ENTERED_2023]:
        rng = random.Random(f"{seed}/2022/{city.city_id}")
        r = {i: _back(rng, asia.rungs[city.city_id][i]) for i in INDICATOR_IDS}
        t1 = r["T1"]
        out[city.city_id] = {
            **{i: r[i] for i in ("D1", "T3", "T4", "I1", "I2", "I3", "I4", "I5", "I7", "I8")},
            "D2": min(3, r["D2"]),
            "D3": max(r["D3"], r["D4"]),
            "T1": 0 if t1 == 0 else 2 if t1 == 4 else 1,
            "T5": rng.randint(0, 3),
            "I6": min(2, r["I6"]),
        }
    for city in LEFT_2023:
        rng = random.Random(f"{seed}/2022/{city.city_id}")
        tops = {"D2": 3, "T1": 2, "T5": 3, "I6": 2}
        out[city.city_id] = {i: rng.randint(0, tops.get(i, 4)) for i in IDS_2022}
    return out


def rungs_2024(asia: Asia, seed: int) -> dict[str, dict[str, int]]:
    """Illustrative 2024 rungs: 2023's, some a rung higher; a few D1s reach AGI."""
    out: dict[str, dict[str, int]] = {}
    tops = {i: 3 if i == "I6" else 4 for i in INDICATOR_IDS}
    for city in [c for c in asia.cities if c.city_id not in LEFT_2024]:
        rng = random.Random(f"{seed}/2024/{city.city_id}")
        r = asia.rungs[city.city_id]
        out[city.city_id] = {
            i: min(tops[i], r[i] + rng.choices((0, 1), weights=(75, 25))[0]) for i in INDICATOR_IDS
        }
        if r["D1"] == 4 and rng.random() < 0.35:
            out[city.city_id]["D1"] = 5
    for city_id in ("sapporo", NEW_2024.city_id):
        rng = random.Random(f"{seed}/2024/{city_id}")
        out[city_id] = {i: rng.randint(1, tops[i]) for i in INDICATOR_IDS}
    return out


def _ballots(ids: Sequence[str], profiles: dict[str, tuple[int, ...]], rng: random.Random
             ) -> tuple[dict[str, str], dict[str, dict[str, int]]]:  # fmt: skip
    """32 ballots, eight per field, each its field's profile with a few one-point transfers."""
    fields, ballots = {}, {}
    for n in range(32):
        field = FIELDS[n // 8]
        ballot = dict(zip(ids, profiles[field], strict=True))
        for _ in range(6):
            give, take = rng.sample(list(ids), 2)
            if ballot[give] > 2:
                ballot[give] -= 1
                ballot[take] += 1
        pid = f"P{n + 1:02d}"
        fields[pid], ballots[pid] = field, ballot
        assert sum(ballot.values()) == 100
    return fields, ballots


def profiles_2022() -> dict[str, tuple[int, ...]]:
    """2023's field profiles on the 2022 indicators (D3 + D4 together; T2's points to T5)."""
    out = {}
    for field, values in PROFILES.items():
        p = dict(zip(INDICATOR_IDS, values, strict=True))
        merged = {**p, "D3": p["D3"] + p["D4"], "T5": p["T2"]}
        out[field] = tuple(merged[i] for i in IDS_2022)
    return out


def _writer(tl: Timeline, edition: str, framework: dict[str, Any], seed: int,
            start: datetime, deadline: datetime, cutoff: date) -> EvidenceWriter:  # fmt: skip
    ladders, names = ladders_and_names(framework)
    return EvidenceWriter(
        tl, edition, ladders, names, asia_verifiers(), seed, start, deadline, cutoff
    )


def _accepted(writer: EvidenceWriter, city: City, ind: str, rung: int, by: str) -> None:
    """One claim accepted in one round by two readers, some day in the evidence window."""
    rng = random.Random(f"{writer.seed}/{writer.edition_id}/{city.city_id}/{ind}")
    at = writer._day(rng, 0, writer.span - 11)
    claim_id, langs = writer.submit(at, city, ind, rung, by, rng)
    writer.round(claim_id, langs, at, "accept", rng, set(), ("accept", "accept"))


def build_2022(asia: Asia, f2023: dict[str, Any], seed: int) -> list[Command]:
    """The asia-2022 records in log order, at the times the ledger recorded them."""
    framework = framework_2022(f2023)
    tl = Timeline()
    t0 = ORIGINAL[0]
    tl.add(t0, "define_framework", framework_id=FRAMEWORK_2022, title=framework["title"],
           pillars=framework["pillars"], indicators=framework["indicators"])  # fmt: skip
    for k, city in enumerate(LEFT_2023):
        tl.add(t0 + timedelta(minutes=10, seconds=15 * k), "register_city",
               city_id=city.city_id, name_en=city.name_en, name_zh=city.name_zh,
               country=city.country, aliases_zh=city.aliases_zh)  # fmt: skip
    tl.add(t0 + timedelta(hours=1), "create_weight_set", weight_set_id=WEIGHTS_2022,
           title="2022 indicator weights (illustrative 32-member panel, budget allocation)",
           framework_id=FRAMEWORK_2022, framework_version=1)  # fmt: skip
    rng = random.Random(f"{seed}/2022/panel")
    fields, ballots = _ballots(IDS_2022, profiles_2022(), rng)
    for k, (pid, field) in enumerate(fields.items()):
        tl.add(t0 + timedelta(hours=1, seconds=30 * (k + 1)), "enrol_panelist",
               weight_set_id=WEIGHTS_2022, panelist_id=pid, field=field)  # fmt: skip
    cities = [c for c in asia.cities if c.city_id not in ENTERED_2023] + list(LEFT_2023)
    tl.add(t0 + timedelta(hours=3), "create_edition", edition_id=EDITION_2022, year=2022,
           title="2022 Asian Smart City Ranking (illustrative, recorded retrospectively)",
           region="Asia", framework_id=FRAMEWORK_2022, framework_version=1,
           weight_set_id=WEIGHTS_2022, evidence_cutoff=CUTOFF_2022.isoformat(),
           quorum=2)  # fmt: skip
    tl.add(t0 + timedelta(hours=3, minutes=10), "include_cities", edition_id=EDITION_2022,
           city_ids=sorted(c.city_id for c in cities))  # fmt: skip
    for pid, ballot in ballots.items():
        tl.add(later(utc(2022, 1, 16, 18), rng, 1, 14), "cast_ballot",
               weight_set_id=WEIGHTS_2022, panelist_id=pid, allocations=ballot)  # fmt: skip
    tl.add(utc(2022, 2, 7, 10), "aggregate_weights", weight_set_id=WEIGHTS_2022, by=EDITOR)
    writer = _writer(tl, EDITION_2022, framework, seed, utc(2022, 2, 14, 8),
                     utc(2022, 6, 3, 17), CUTOFF_2022)  # fmt: skip
    rungs = rungs_2022(asia, seed)
    for k, city in enumerate(sorted(cities, key=lambda c: c.city_id)):
        for ind in IDS_2022:
            if rungs[city.city_id][ind]:
                _accepted(writer, city, ind, rungs[city.city_id][ind], researcher(k))
    by = f"{EDITOR} (retrospective record of the {ORIGINAL[1].date()} publication)"
    tl.add(ORIGINAL[1], "publish", edition_id=EDITION_2022, by=by)
    recorded = [_recorded(c) for c in tl.ordered()]
    assert recorded[-1].name == "publish"
    # The lineage is stated just before the publication, so that a load is complete exactly
    # when the publication is recorded.
    return [*recorded[:-1], _lineage_statement(), recorded[-1]]


def _recorded(c: Command) -> Command:
    """The command at the time the ledger recorded it; votes keep their original date."""
    (o0, o1), (r0, r1) = ORIGINAL, RECORDED
    offset = (c.at - o0) // timedelta(seconds=1)
    span = (o1 - o0) // timedelta(seconds=1)
    at = r0 + timedelta(seconds=offset * ((r1 - r0) // timedelta(seconds=1)) // span)
    args = dict(c.args)
    if c.name == "cast_vote":
        args["note"] = f"{args['note']} Retrospective record of a vote cast on {c.at.date()}."
    return Command(c.seq, c.name, at, args)


def _lineage_statement() -> Command:
    return Command(0, "state_lineage", LINEAGE_STATED, {
        "framework_id": FRAMEWORK_ID, "version": 1,
        "predecessor_framework_id": FRAMEWORK_2022, "predecessor_version": 1,
        "lineage": lineage_2022_2023(),
    })  # fmt: skip


def build_2024(asia: Asia, f2023: dict[str, Any], seed: int) -> list[Command]:
    """The asia-2024 records so far: revision, re-weighting, evidence, quarterly publications."""
    indicators = framework_2024(f2023)
    tl = Timeline()
    tl.add(utc(2024, 1, 8, 9), "revise_framework", framework_id=FRAMEWORK_ID,
           pillars=f2023["pillars"], indicators=indicators,
           note="2024: D1 takes in city or industry AGI as a fifth rung (illustrative)",
           lineage=lineage_2023_2024())  # fmt: skip
    tl.add(utc(2024, 1, 8, 9, 30), "register_city", city_id=NEW_2024.city_id,
           name_en=NEW_2024.name_en, name_zh=NEW_2024.name_zh, country=NEW_2024.country,
           aliases_zh=NEW_2024.aliases_zh)  # fmt: skip
    tl.add(utc(2024, 1, 8, 10), "create_weight_set", weight_set_id=WEIGHTS_2024,
           title="2024 indicator weights (illustrative re-weighting by the panel)",
           framework_id=FRAMEWORK_ID, framework_version=2)  # fmt: skip
    rng = random.Random(f"{seed}/2024/panel")
    for k, (pid, field) in enumerate(asia.panel.fields.items()):
        tl.add(utc(2024, 1, 8, 10, 10) + timedelta(seconds=30 * k), "enrol_panelist",
               weight_set_id=WEIGHTS_2024, panelist_id=pid, field=field)  # fmt: skip
    for pid, final in asia.panel.final.items():
        ballot = dict(final)
        # The re-weighting: every panelist moves one to three points to D1 (AGI).
        donor = max((i for i in INDICATOR_IDS if i != "D1"), key=lambda i: (ballot[i], i))
        moved = rng.randint(1, 3)
        ballot[donor] -= moved
        ballot["D1"] += moved
        tl.add(later(utc(2024, 1, 14, 18), rng, 1, 14), "cast_ballot",
               weight_set_id=WEIGHTS_2024, panelist_id=pid, allocations=ballot)  # fmt: skip
    tl.add(utc(2024, 2, 5, 10), "aggregate_weights", weight_set_id=WEIGHTS_2024, by=EDITOR)
    by_id = {c.city_id: c for c in [*asia.cities, *LEFT_2023, NEW_2024]}
    rungs = rungs_2024(asia, seed)
    tl.add(utc(2024, 1, 10, 14), "create_edition", edition_id=EDITION_2024, year=2024,
           title="2024 Asian Smart City Ranking (illustrative, in progress)", region="Asia",
           framework_id=FRAMEWORK_ID, framework_version=2, weight_set_id=WEIGHTS_2024,
           evidence_cutoff=CUTOFF_2024.isoformat(), quorum=2)  # fmt: skip
    tl.add(utc(2024, 1, 10, 14, 10), "include_cities", edition_id=EDITION_2024,
           city_ids=sorted(rungs))  # fmt: skip
    framework = {"indicators": indicators}
    writer = _writer(tl, EDITION_2024, framework, seed, utc(2024, 2, 12, 8),
                     utc(2024, 11, 15, 17), CUTOFF_2024)  # fmt: skip
    for k, city_id in enumerate(sorted(rungs)):
        for ind in INDICATOR_IDS:
            rung = rungs[city_id][ind]
            if rung:
                _accepted(writer, by_id[city_id], ind, rung, researcher(k))
    for at in QUARTERLY:
        # A quarterly publication of an edition in progress: its claims under review could
        # still move bands, so it is published with force and says why.
        tl.add(at, "publish", edition_id=EDITION_2024, by=f"{EDITOR} (quarterly review)",
               force=True, reason=QUARTERLY_REASON)  # fmt: skip
    return tl.ordered()
