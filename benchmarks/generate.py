"""Larger ledgers for scale measurements: python -m benchmarks.generate --events N [--db PATH].

The ledger grows the way the ranking would over years: regional editions run side by side each
year (the first region is the Asian city list, the others are made-up cities in the same
countries, so their evidence has readers), a framework revision half way, a weighting panel per
edition, claims with rounds, votes, withdrawals and resubmissions, quarterly and final
publications, appeals (upheld, dismissed, withdrawn), feedback and correction publications. The
pieces are the reference generator's (reference/): its evidence writer, panels, verifier pool
and framework. Every command goes through the Ledger's batched import path, so every check
runs. The same seed gives the same ledger, event for event; generation stops at the first
command that brings the log to N events.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from cityledger import importer
from cityledger.bootstrap import Runtime, open_runtime
from cityledger.progress import Progress
from reference.asia import EDITOR, ladders_and_names, researcher
from reference.ballots import PROFILES
from reference.history import EvidenceWriter
from reference.inputs import COUNTRY_LANGUAGES, INDICATOR_IDS, City, load_cities, load_framework
from reference.inputs import max_rungs as top_rungs
from reference.timeline import Timeline, later, utc
from reference.verifiers import asia_verifiers
from reference.years import QUARTERLY_REASON, _ballots, framework_2024, lineage_2023_2024

#: The last year generated; earlier years are added as the ledger grows (all in the past).
LAST_YEAR = 2025
#: At most this many years (sources are dated from a few years before the first).
MAX_YEARS = 14
#: Roughly the events one edition of 144 cities records (measured on generated ledgers).
EVENTS_PER_EDITION = 13_000
#: Made-up regions after the Asian one, each with as many cities as the Asian list.
REGIONS = (
    ("asia", "Asia", "亚洲"),
    ("west-asia", "West Asia", "西亚"),
    ("south-asia", "South Asia", "南亚"),
    ("southeast-asia", "Southeast Asia", "东南亚"),
    ("central-asia", "Central Asia", "中亚"),
    ("east-asia", "East Asia", "东亚"),
    ("north-asia", "North Asia", "北亚"),
    ("gulf", "Gulf", "海湾"),
    ("indochina", "Indochina", "印度支那"),
    ("caucasus", "Caucasus", "高加索"),
    ("levant", "Levant", "黎凡特"),
    ("pacific-rim", "Pacific Rim", "环太平洋"),
)
#: Editions publish (and take appeals, which need a publication) only in years that start
#: before this many events. (Chosen when a publication folded the whole log up to its position;
#: it now reads its edition from the read models, but the ledgers built so far keep this shape.)
#: The scale benchmark measures one publication at the head.
PUBLISH_BELOW = 60_000
FRAMEWORK_ID = "scale-smart-city"
#: Share of (city, indicator) pairs without an accepted claim whose city appeals.
APPEAL_SHARE = 0.04
#: Commands recorded per import call between checks of the log's length.
CHUNK = 2000
MAX_EVENTS = 1_200_000


@dataclass(frozen=True)
class Shape:
    """How big the ledger is: which years, and how many regional editions run in each."""

    years: tuple[int, ...]

    def regions_in(self, year: int) -> int:
        """Regions with an edition in `year`: one more each year, up to every region."""
        return min(len(REGIONS), year - self.years[0] + 1)

    @property
    def regions(self) -> int:
        """Regions in the last year (every region that ever had an edition)."""
        return self.regions_in(self.years[-1])

    def published(self, year: int) -> bool:
        """Whether the editions of `year` publish (only while the log is short: PUBLISH_BELOW)."""
        before = sum(self.regions_in(y) for y in self.years if y < year)
        return before * EVENTS_PER_EDITION < PUBLISH_BELOW


def shape(events: int) -> Shape:
    """The fewest years (ending in LAST_YEAR) whose editions hold about `events` events."""
    editions = math.ceil(events / EVENTS_PER_EDITION)
    years, total = 0, 0
    while total < editions:
        if years == MAX_YEARS:
            raise ValueError(f"{events:,} events need more than {MAX_YEARS} years of editions")
        years += 1
        total += min(len(REGIONS), years)
    return Shape(tuple(range(LAST_YEAR - years + 1, LAST_YEAR + 1)))


@dataclass(frozen=True)
class Region:
    """A region's cities and its verifiers (one pool per region, each reading its languages)."""

    key: str
    name: str
    cities: tuple[City, ...]
    verifiers: dict[str, list[str]]


def regions(count: int) -> list[Region]:
    """The Asian cities first, then made-up cities in the same countries, region by region."""
    asian = load_cities()
    out = []
    for number, (key, name, name_zh) in enumerate(REGIONS[:count]):
        if number == 0:
            cities = tuple(asian)
        else:
            # Countries whose languages the verifier pool reads, in the Asian list's mix.
            cities = tuple(
                City(f"{key}-{k:03d}", f"{name} city {k}", f"{name_zh}{k}号城",
                     f"{name_zh}{k}号城", city.country, ("", "", ""))
                for k, city in enumerate(asian, start=1)
                if city.country in COUNTRY_LANGUAGES
            )  # fmt: skip
        prefix = "V" if number == 0 else f"V{number}-"
        pool = {f"{prefix}{vid[1:]}": langs for vid, langs in asia_verifiers().items()}
        out.append(Region(key, name, cities, pool))
    return out


def framework_v1() -> dict[str, Any]:
    """The reference framework under the generated ledger's own id."""
    framework = load_framework()
    return {**framework, "title": f"{framework['title']} (generated ledger)"}


def rungs_of(city: City, tops: dict[str, int], year: int, first: int, seed: int) -> dict[str, int]:
    """A city's rungs in a year: a seeded start, climbing a rung now and then each year."""
    base = random.Random(f"{seed}/rungs/{city.city_id}")
    out = {}
    for ind in INDICATOR_IDS:
        rung = base.choices(range(5), weights=(20, 25, 25, 20, 10))[0]
        climb = random.Random(f"{seed}/climb/{city.city_id}/{ind}")
        rung += sum(climb.random() < 0.15 for _ in range(year - first))
        out[ind] = min(rung, tops[ind])
    return out


@dataclass
class World:
    """What every year builds on: the shape, regions, seed, and the framework version in force."""

    shape: Shape
    regions: list[Region]
    seed: int
    framework: dict[str, Any]
    version: int = 1

    @property
    def revision_year(self) -> int | None:
        """The year the framework is revised (D1 takes in AGI), half way; None for one year."""
        years = self.shape.years
        return years[len(years) // 2] if len(years) > 1 else None


def opening(tl: Timeline, world: World) -> None:
    """The first day: the framework."""
    f = world.framework
    tl.add(utc(world.shape.years[0], 1, 2, 9), "define_framework", framework_id=FRAMEWORK_ID,
           title=f["title"], pillars=f["pillars"], indicators=f["indicators"])  # fmt: skip


def arrival(tl: Timeline, region: Region, year: int) -> None:
    """A region's first year: its cities are registered and its verifiers enrolled."""
    at = utc(year, 1, 2, 10)
    for city in region.cities:
        at += timedelta(seconds=15)
        tl.add(at, "register_city", city_id=city.city_id, name_en=city.name_en,
               name_zh=city.name_zh, country=city.country, aliases_zh=city.aliases_zh)  # fmt: skip
    at = utc(year, 1, 3, 9)
    for vid, langs in region.verifiers.items():
        at += timedelta(seconds=30)
        tl.add(at, "enrol_verifier", verifier_id=vid, languages=langs)


def revision(tl: Timeline, world: World, year: int) -> None:
    """The framework's second version: D1's ladder takes in city or industry AGI."""
    indicators = framework_2024(world.framework)
    tl.add(utc(year, 1, 4, 9), "revise_framework", framework_id=FRAMEWORK_ID,
           pillars=world.framework["pillars"], indicators=indicators,
           note=f"{year}: D1 takes in city or industry AGI as a fifth rung (generated)",
           lineage=lineage_2023_2024())  # fmt: skip
    world.framework = {**world.framework, "indicators": indicators}
    world.version = 2


def weighting(tl: Timeline, world: World, edition_id: str, year: int, minute: int) -> str:
    """A weight set and its 32-member panel: ballots, a few revisions, the aggregation."""
    weight_set = f"{edition_id}-weights"
    rng = random.Random(f"{world.seed}/{edition_id}/weighting")
    fields, first = _ballots(INDICATOR_IDS, PROFILES, rng)
    start = utc(year, 1, 6, 9, minute)
    tl.add(start, "create_weight_set", weight_set_id=weight_set,
           title=f"{year} indicator weights ({edition_id}, 32-member panel)",
           framework_id=FRAMEWORK_ID, framework_version=world.version)  # fmt: skip
    for k, (pid, field) in enumerate(fields.items()):
        tl.add(start + timedelta(seconds=20 * (k + 1)), "enrol_panelist",
               weight_set_id=weight_set, panelist_id=pid, field=field)  # fmt: skip
    for pid, ballot in first.items():
        tl.add(later(utc(year, 1, 12, 18), rng, 1, 14), "cast_ballot", weight_set_id=weight_set,
               panelist_id=pid, allocations=ballot)  # fmt: skip
    for pid in rng.sample(sorted(first), 3):
        # A revision moves a few points from the panelist's largest allocation to another.
        revised = dict(first[pid])
        give = max(INDICATOR_IDS, key=lambda i: (revised[i], i))
        take = rng.choice([i for i in INDICATOR_IDS if i != give])
        moved = rng.randint(1, 2)
        revised[give] -= moved
        revised[take] += moved
        tl.add(later(utc(year, 1, 30, 18), rng, 1, 4), "revise_ballot", weight_set_id=weight_set,
               panelist_id=pid, allocations=revised,
               reason=f"Generated: more weight on {take} after the panel briefing.")  # fmt: skip
    tl.add(utc(year, 2, 6, 10, minute), "aggregate_weights", weight_set_id=weight_set, by=EDITOR)
    return weight_set


def edition(tl: Timeline, world: World, region: Region, year: int, number: int) -> None:
    """One regional edition's year: setup, evidence, publications, appeals, feedback."""
    published = world.shape.published(year)
    edition_id = f"{region.key}-{year}"
    minute = 5 * number
    weight_set = weighting(tl, world, edition_id, year, minute)
    rng = random.Random(f"{world.seed}/{edition_id}")
    # A few cities sit a year out: the city list of an edition drifts from year to year.
    cities = [c for c in region.cities if rng.random() > 0.03]
    tl.add(utc(year, 1, 6, 14, minute), "create_edition", edition_id=edition_id, year=year,
           title=f"{year} {region.name} Smart City Ranking (generated)", region=region.name,
           framework_id=FRAMEWORK_ID, framework_version=world.version,
           weight_set_id=weight_set, evidence_cutoff=date(year, 6, 1).isoformat(),
           quorum=2)  # fmt: skip
    tl.add(utc(year, 1, 6, 14, minute + 1), "include_cities", edition_id=edition_id,
           city_ids=[c.city_id for c in cities])  # fmt: skip
    ladders, names = ladders_and_names(world.framework)
    writer = EvidenceWriter(tl, edition_id, ladders, names, region.verifiers, world.seed,
                            utc(year, 2, 13, 8), utc(year, 6, 2, 17), date(year, 6, 1))  # fmt: skip
    tops = top_rungs(world.framework)
    unclaimed: list[tuple[City, str]] = []
    for k, city in enumerate(cities):
        rungs = rungs_of(city, tops, year, world.shape.years[0], world.seed)
        for ind in INDICATOR_IDS:
            writer.pair(city, ind, rungs[ind], tops[ind], researcher(k))
            if rungs[ind] == 0:
                unclaimed.append((city, ind))
    upheld = 0
    if published:
        tl.add(utc(year, 4, 2, 9, minute), "publish", edition_id=edition_id,
               by=f"{EDITOR} (quarterly review)", force=True, reason=QUARTERLY_REASON)  # fmt: skip
        tl.add(utc(year, 7, 15, 9, minute), "publish", edition_id=edition_id, by=EDITOR)
        tl.add(utc(year, 7, 15, 10, minute), "set_appeal_window", edition_id=edition_id, days=90,
               by=EDITOR)  # fmt: skip
        upheld = appeals(tl, writer, rng, unclaimed, year)
    for city in rng.sample(cities, min(3, len(cities))):
        tl.add(later(utc(year, 7, 16, 9), rng, 0, 30), "give_feedback", edition_id=edition_id,
               city_id=city.city_id, given_by=f"{city.name_en} city office",
               text="Generated feedback: the city asks for earlier notice of the evidence "
               "cut-off.", feedback_id=f"{edition_id}/{city.city_id}/feedback")  # fmt: skip
    if upheld:
        # The final publication (number 2) is corrected once appeals have been decided.
        tl.add(utc(year, 10, 20, 9, minute), "publish", edition_id=edition_id, by=EDITOR,
               corrects=2)  # fmt: skip


def appeals(tl: Timeline, writer: EvidenceWriter, rng: random.Random,
            unclaimed: Sequence[tuple[City, str]], year: int) -> int:  # fmt: skip
    """Appeals against scores of zero, with new evidence; returns how many were upheld."""
    upheld = 0
    for city, ind in unclaimed:
        if rng.random() >= APPEAL_SHARE:
            continue
        appeal_id = f"{writer.edition_id}/{city.city_id}/{ind}/appeal"
        filed = later(utc(year, 7, 16, 9), rng, 0, 20)
        sources = writer._sources(city, ind, 1, appeal_id, filed, False, rng)
        office = f"{city.name_en} city office"
        tl.add(filed, "file_appeal", edition_id=writer.edition_id, city_id=city.city_id,
               text=f"Generated appeal: {city.name_en} has reached rung 1 of {ind}.",
               filed_by=office, indicator_id=ind, appeal_id=appeal_id, rung=1,
               sources=sources)  # fmt: skip
        roll = rng.random()
        if roll < 0.15:
            tl.add(later(filed, rng, 1, 10), "withdraw_appeal", appeal_id=appeal_id,
                   city_id=city.city_id, reason="Generated: the city withdraws its appeal.",
                   by=office)  # fmt: skip
            continue
        opened = tl.add(later(filed, rng, 1, 5), "open_appeal_review", appeal_id=appeal_id,
                        by=EDITOR)  # fmt: skip
        langs = sorted({s["language"] for s in sources})
        decision = "accept" if roll < 0.65 else "reject"
        at = opened
        for verifier in rng.sample(writer.eligible(langs), 2):
            at = tl.add(later(at, rng, 0, 3), "cast_appeal_vote", appeal_id=appeal_id,
                        verifier_id=verifier, decision=decision,
                        note="Generated: the new evidence was read in full.")  # fmt: skip
        closed = tl.add(later(at, rng, 0, 3), "close_appeal_review", appeal_id=appeal_id,
                        by=EDITOR)  # fmt: skip
        answer = "upheld" if decision == "accept" else "dismissed"
        upheld += answer == "upheld"
        tl.add(later(closed, rng, 1, 5), "answer_appeal", appeal_id=appeal_id, decision=answer,
               response=f"Generated: the appeal is {answer} on the review's votes.",
               by=EDITOR)  # fmt: skip
    return upheld


def commands(events: int, seed: int) -> Iterator[importer.Command]:
    """The generated commands in log order, a year at a time (enough for `events` events)."""
    plan = shape(events)
    world = World(plan, regions(plan.regions), seed, framework_v1())
    for year in plan.years:
        tl = Timeline()
        if year == plan.years[0]:
            opening(tl, world)
        if year == world.revision_year:
            revision(tl, world, year)
        active = world.regions[: plan.regions_in(year)]
        if len(active) > plan.regions_in(year - 1):
            arrival(tl, active[-1], year)
        for number, region in enumerate(active):
            edition(tl, world, region, year, number)
        yield from tl.ordered()


def generate(
    rt: Runtime, events: int, seed: int, tick: Callable[[int], None] | None = None
) -> tuple[int, int]:
    """Record generated commands until the log holds at least `events` events.

    Returns (commands recorded, events recorded). Commands go through the import path in
    chunks of at most half the events still missing, so the log stops at the first command
    that reaches N events.
    """
    stream = commands(events, seed)
    done, head = 0, rt.ledger.head()
    while head < events:
        chunk = []
        for command in stream:
            done += 1
            chunk.append(replace(command, seq=done))  # numbered across the years' timelines
            # Halving the gap each time: the log ends within one command's events of N.
            if len(chunk) >= min(CHUNK, max(1, (events - head) // 2)):
                break
        if not chunk:
            break
        importer.run(rt.ledger, chunk)
        before, head = head, rt.ledger.head()
        if tick is not None:
            tick(head - before)
    return done, head


def positive(text: str) -> int:
    """argparse type: an event count from 1 to MAX_EVENTS (underscores allowed: 1_000_000)."""
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= value <= MAX_EVENTS:
        raise argparse.ArgumentTypeError(f"{value} is not between 1 and {MAX_EVENTS:,}")
    return value


def seed_value(text: str) -> int:
    """argparse type: a non-negative integer seed."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value} is negative")
    return value


def parser() -> argparse.ArgumentParser:
    """The command line."""
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.generate",
        description="Generate a realistic larger ledger through the Ledger's commands.",
    )
    p.add_argument("--events", type=positive, required=True, help="events to record (N)")
    p.add_argument(
        "--db", type=Path, help="new SQLite file to create (default: var/generated-N.sqlite)"
    )
    p.add_argument("--seed", type=seed_value, default=2023, help="random seed (default 2023)")
    p.add_argument(
        "--no-catch-up",
        action="store_true",
        help="leave the read models empty (they are built on first use)",
    )
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Generate; one summary line on stdout, progress on stderr; errors name the bad argument."""
    p = parser()
    args = p.parse_args(argv)
    path: Path = args.db or Path("var") / f"generated-{args.events}.sqlite"
    if args.db is None:
        path.parent.mkdir(exist_ok=True)  # var/, as the CLI creates it on first use
    if path.exists() and path.stat().st_size > 0:
        p.error(f"--db {str(path)!r} already exists: give a new file (nothing was written)")
    if not path.parent.is_dir():
        p.error(f"--db {str(path)!r}: directory {str(path.parent)!r} does not exist")
    progress = Progress()
    plan = shape(args.events)
    progress.say(
        f"generating {args.events:,} events: {plan.regions} region(s) x {len(plan.years)} "
        f"year(s) ({plan.years[0]}-{plan.years[-1]}), seed {args.seed}, into {path}"
    )
    rt = open_runtime(path)
    try:
        start = time.perf_counter()
        with progress.stage("recording", args.events, "event") as tick:
            count, head = generate(rt, args.events, args.seed, tick)
        seconds = time.perf_counter() - start
        if not args.no_catch_up:
            with progress.stage("read models", head, "event") as tick:
                tick(rt.catch_up())
        digest = rt.ledger.digest_at(head)
    finally:
        rt.close()
    print(
        f"{path}: {head} events from {count} commands in {seconds:.1f} s "
        f"({count / seconds:,.0f} commands/s); chain head {digest}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
