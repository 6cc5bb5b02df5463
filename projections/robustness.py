"""How robust a band is: bootstrap the panel's ballots, recompute the table per draw, and give
each city's band probabilities, its 5-95% rank interval and the weights that drive it."""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Sequence
from fractions import Fraction
from operator import mul
from typing import Annotated, Any, TypeVar

from sqlite_utils import Database

from ledger.doc import Doc, Qualifier
from ledger.errors import InvalidInput
from ledger.fields import Band, IndicatorId, Rank
from ledger.vocabulary import RankingTable
from projections import catalogue
from projections.bands import BANDS, band
from projections.bands import ranks as rank_of
from projections.edition_state import edition_state_at
from projections.ranking import (
    TABLES,
    EditionTable,
    NamedCity,
    indicator_support,
    table_indicators,
)
from projections.rankings import rankings, resolve
from projections.view import View

MAX_DRAWS = 10_000
DRIVERS = 3

T = TypeVar("T")
#: A city's field with the weights in force (not drawn).
InForce = Annotated[T, Qualifier("with the weights in force")]


class BandProbability(View):
    """The share of draws that put a city in a band."""

    band: Band
    probability: Annotated[Fraction, Doc("Exact share of draws, like 937/1000.")]


class WeightDriver(View):
    """How strongly an indicator's drawn weight moves a city's rank (Pearson r over draws;
    positive: a heavier weight pushes the city down)."""

    indicator_id: IndicatorId
    correlation: Annotated[
        float,
        Doc(
            "Pearson r between the drawn weight and the city's rank over the draws "
            "(positive: a heavier weight pushes the city down). A statistic, never "
            "a tie-breaker."
        ),
    ]


class CityRobustness(NamedCity):
    """One city's band probabilities and rank interval over the draws."""

    band: InForce[Band]
    rank: InForce[Rank]
    probabilities: Annotated[
        tuple[BandProbability, ...],
        Doc("Bands reached in at least one draw, with their shares."),
    ]
    rank_low: Annotated[int, Doc("5th percentile of the rank over the draws.")]
    rank_high: Annotated[int, Doc("95th percentile of the rank over the draws.")]
    drivers: Annotated[
        tuple[WeightDriver, ...],
        Doc("The indicators whose weights drive the city's rank most (none if fixed)."),
    ]


class Robustness(EditionTable):
    """Band robustness of one table under resampling of the panel's ballots."""

    position: Annotated[int, Doc("Ledger position of the standings.")]
    weight_set_id: Annotated[str, Doc("The weight set resampled.")]
    method: Annotated[str, Doc("How the weights in force were decided.")]
    ballots: Annotated[int, Doc("Ballots in the panel.")]
    draws: Annotated[int, Doc("Bootstrap draws.")]
    seed: Annotated[int, Doc("Seed of the draws (same seed, same answer).")]
    note: Annotated[
        str | None,
        Doc("Why there is nothing to resample (weights set by an editor), if so."),
    ]
    cities: Annotated[tuple[CityRobustness, ...], Doc("Every city, by rank.")]


def percentile(ordered: Sequence[int], share: Fraction) -> int:
    """The nearest-rank percentile of sorted values (the smallest value with ≥ share below)."""
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def band_robustness(
    db: Database, edition_id: str, table: str, draws: int = 1000, seed: int = 0
) -> Robustness:
    """Resample the ballots with replacement `draws` times and recompute the table each time.

    Weights are means of ballots, so with B ballots a draw's weight is (Σ drawn allocations)/B:
    every score of every draw shares the denominator B, and integer arithmetic ranks exactly.
    """
    if table not in TABLES:
        raise InvalidInput(
            f"table {table!r} is not one of {', '.join(TABLES)}", field="table", value=table
        )
    if isinstance(draws, bool) or not 1 <= draws <= MAX_DRAWS:
        raise InvalidInput(
            f"draws {draws} is out of range 1..{MAX_DRAWS}", field="draws", value=draws
        )
    edition = catalogue.edition(db, edition_id)
    position = resolve(db, None)
    state = edition_state_at(db, edition_id, position)
    ids = table_indicators(state, edition_id, table)
    revisions = catalogue.weight_revisions(db, edition.weight_set_id)
    ballots = catalogue.ballots(db, edition.weight_set_id)
    method = revisions[-1].method if revisions else "none"

    def answer(note: str | None, cities: tuple[CityRobustness, ...]) -> Robustness:
        return Robustness(
            edition_id=edition_id,
            table=RankingTable(table),
            position=position,
            weight_set_id=edition.weight_set_id,
            method=method,
            ballots=len(ballots),
            draws=draws,
            seed=seed,
            note=note,
            cities=cities,
        )

    if method != "mean-of-ballots" or not ballots:
        why = "were set by an editor" if method == "set-by-editor" else "are not yet decided"
        return answer(f"the weights in force {why}: there are no ballots to resample", ())
    support = indicator_support(state, edition_id)
    cities = list(support)
    points = [[support[c][i].points for i in ids] for c in cities]
    allocations = [[dict(b.allocations).get(i, 0) for i in ids] for b in ballots]
    rng = random.Random(seed)
    n, count = len(cities), len(allocations)
    labels = [label for _, label in BANDS]
    ranks: list[list[int]] = [[] for _ in cities]
    band_hits = [[0] * len(BANDS) for _ in cities]
    sums: list[list[int]] = [[] for _ in ids]  # per indicator, the drawn Σ allocations
    for _ in range(draws):
        drawn = Counter(rng.choices(range(count), k=count))
        totals = [sum(k * allocations[b][j] for b, k in drawn.items()) for j in range(len(ids))]
        for j, total in enumerate(totals):
            sums[j].append(total)
        drawn_ranks = rank_of(
            {c: sum(map(mul, row, totals)) for c, row in zip(cities, points, strict=True)}
        )
        for c, city_id in enumerate(cities):
            rank = drawn_ranks[city_id]
            ranks[c].append(rank)
            band_hits[c][labels.index(band(rank, n))] += 1
    # The table as it stands is the standings' own: no need to rank the state again.
    now = {r.city_id: r for r in rankings(db, edition_id, table, position).rows}
    out = []
    for c, city_id in enumerate(cities):
        ordered = sorted(ranks[c])
        out.append(
            CityRobustness(
                city_id=city_id,
                name_en=now[city_id].name_en,
                band=now[city_id].band,
                rank=now[city_id].rank,
                probabilities=tuple(
                    BandProbability(band=labels[k], probability=Fraction(hits, draws))
                    for k, hits in enumerate(band_hits[c])
                    if hits
                ),
                rank_low=percentile(ordered, Fraction(5, 100)),
                rank_high=percentile(ordered, Fraction(95, 100)),
                drivers=drivers(ids, sums, ranks[c]),
            )
        )
    out.sort(key=lambda r: (r.rank, r.name_en.casefold(), r.city_id))
    return answer(None, tuple(out))


def drivers(
    ids: Sequence[str], sums: Sequence[Sequence[int]], ranks: Sequence[int]
) -> tuple[WeightDriver, ...]:
    """The indicators whose drawn weight correlates most with the city's rank (none if fixed)."""
    mean_rank = sum(ranks) / len(ranks)
    centred = [r - mean_rank for r in ranks]
    spread = math.sqrt(sum(x * x for x in centred))
    if spread == 0:
        return ()
    found = []
    for indicator_id, values in zip(ids, sums, strict=True):
        mean = sum(values) / len(values)
        dev = [v - mean for v in values]
        norm = math.sqrt(sum(x * x for x in dev))
        if norm:
            found.append(
                WeightDriver(
                    indicator_id=indicator_id,
                    correlation=sum(map(mul, dev, centred)) / (norm * spread),
                )
            )
    found.sort(key=lambda d: (-abs(d.correlation), d.indicator_id))
    return tuple(round_driver(d) for d in found[:DRIVERS])


def round_driver(d: WeightDriver) -> WeightDriver:
    """Three decimals: a statistic for reading, never a tie-breaker."""
    return WeightDriver(indicator_id=d.indicator_id, correlation=round(d.correlation, 3))


def robustness_json(r: Robustness) -> dict[str, Any]:
    """Robustness in JSON; probabilities exact "p/q" strings."""
    return {
        "edition_id": r.edition_id, "table": r.table, "position": r.position,
        "weight_set_id": r.weight_set_id, "method": r.method, "ballots": r.ballots,
        "draws": r.draws, "seed": r.seed, "note": r.note,
        "cities": [
            {"city_id": c.city_id, "name_en": c.name_en, "band": c.band, "rank": c.rank,
             "probabilities": {p.band: str(p.probability) for p in c.probabilities},
             "rank_interval": [c.rank_low, c.rank_high],
             "drivers": [{"indicator_id": d.indicator_id, "correlation": d.correlation}
                         for d in c.drivers]}
            for c in r.cities
        ],
    }  # fmt: skip
