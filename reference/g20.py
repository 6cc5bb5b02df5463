"""The small g20-2023 edition: reuses the Asian weights, adds Paris and New York."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from reference.asia import EDITOR, FRAMEWORK_ID, WEIGHT_SET, Asia, ladders_and_names, researcher
from reference.history import EvidenceWriter
from reference.inputs import INDICATOR_IDS, City, max_rungs
from reference.timeline import Timeline, utc
from reference.verifiers import asia_verifiers, g20_verifiers

EDITION = "g20-2023"
ASIAN_MEMBERS = ("beijing", "shanghai", "tokyo", "seoul", "delhi", "jakarta", "riyadh",
                 "istanbul")  # fmt: skip
NEW_CITIES = (
    City("paris", "Paris", "巴黎", "巴黎", "FR", ("", "", "")),
    City("new-york", "New York", "纽约", "纽约", "US", ("", "", "")),
)
# Hand-set illustrative rungs (D1-D4, T1-T4, I1-I8) for the two non-Asian cities.
NEW_RUNGS: dict[str, tuple[int, ...]] = {
    "paris": (3, 3, 2, 3, 4, 2, 3, 3, 3, 3, 3, 3, 2, 3, 4, 3),
    "new-york": (3, 3, 2, 2, 4, 1, 2, 3, 3, 4, 3, 2, 2, 1, 2, 3),
}
CUTOFF = date(2023, 8, 1)
START = utc(2023, 8, 2, 8)
DEADLINE = utc(2023, 9, 12, 17)
PUBLISHED = utc(2023, 9, 20, 9)


def members(asia: Asia) -> list[City]:
    """The ten G20 cities: eight already registered for asia-2023, plus Paris and New York."""
    by_id = {c.city_id: c for c in asia.cities}
    return [by_id[c] for c in ASIAN_MEMBERS] + list(NEW_CITIES)


def setup(tl: Timeline, cities: Sequence[City]) -> None:
    """French-reading verifiers, the two new cities, the edition (1 August 2023)."""
    for k, (vid, langs) in enumerate(g20_verifiers().items()):
        tl.add(utc(2023, 8, 1, 9) + timedelta(seconds=30 * k), "enrol_verifier",
               verifier_id=vid, languages=langs)  # fmt: skip
    for k, city in enumerate(NEW_CITIES):
        tl.add(utc(2023, 8, 1, 9, 10) + timedelta(seconds=15 * k), "register_city",
               city_id=city.city_id, name_en=city.name_en, name_zh=city.name_zh,
               country=city.country, aliases_zh=city.aliases_zh)  # fmt: skip
    tl.add(utc(2023, 8, 1, 9, 30), "create_edition", edition_id=EDITION, year=2023,
           title="2023 G20 Smart City Ranking (illustrative)", region="G20",
           framework_id=FRAMEWORK_ID, framework_version=1, weight_set_id=WEIGHT_SET,
           evidence_cutoff=CUTOFF.isoformat(), quorum=2)  # fmt: skip
    tl.add(utc(2023, 8, 1, 9, 35), "include_cities", edition_id=EDITION,
           city_ids=[c.city_id for c in cities])  # fmt: skip


def build_g20(framework: dict[str, Any], asia: Asia, seed: int) -> Timeline:
    """The g20-2023 timeline (August - September 2023), loaded after asia-2023."""
    cities = members(asia)
    rungs = {c: dict(zip(INDICATOR_IDS, r, strict=True)) for c, r in NEW_RUNGS.items()}
    rungs.update({c: asia.rungs[c] for c in ASIAN_MEMBERS})
    tl = Timeline()
    setup(tl, cities)
    ladders, names = ladders_and_names(framework)
    pool = {**asia_verifiers(), **g20_verifiers()}
    writer = EvidenceWriter(tl, EDITION, ladders, names, pool, seed, START, DEADLINE, CUTOFF)
    tops = max_rungs(framework)
    for k, city in enumerate(cities):
        for ind in INDICATOR_IDS:
            writer.pair(city, ind, rungs[city.city_id][ind], tops[ind], researcher(k))
    assert all(c.at <= DEADLINE for c in tl.commands if c.name == "close_round")
    tl.add(PUBLISHED, "publish", edition_id=EDITION, by=EDITOR)
    return tl
