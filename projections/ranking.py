"""The ranking engine: indicator scores, weights, pillar scores, totals, ranks and bands."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, fields
from fractions import Fraction
from typing import Any

from ledger.errors import NoWeightsInForce
from ledger.fields import (
    Band,
    CityId,
    EditionId,
    ExactScore,
    NameEn,
    NameZh,
    Rank,
    Table,
    TableSize,
)
from ledger.framework import SUB_TABLES, sub_table
from ledger.vocabulary import ClaimStatus, RankingTable
from ledger.weights import stored_weight
from projections.bands import band, ranks
from projections.state import CITY, EDITION, INDICATOR, POINTS, STATUS, RankingState
from projections.view import View

#: The total sums every pillar; each sub-table the pillars its framework assigns to it.
TABLES: tuple[str, ...] = (RankingTable.TOTAL, *SUB_TABLES)


# Field groups that views of other read models share: a view takes one by inheriting it.


class NamedCity(View):
    """A city by id and English name."""

    city_id: CityId
    name_en: NameEn


class CityNames(NamedCity):
    """A city by id and both its names."""

    name_zh: NameZh


class EditionTable(View):
    """One table of an edition."""

    edition_id: EditionId
    table: Table


class Placing(View):
    """A city's place in one table: its band, rank and exact score."""

    band: Band
    rank: Rank
    score: ExactScore


class TablePlacing(Placing):
    """A place in a table, with the number of cities the table ranks."""

    n: TableSize


#: A placing's fields: band, rank and score.
PLACING_FIELDS = tuple(f.name for f in fields(Placing))


def placing_pair(first: Placing, second: Placing, first_as: str, second_as: str) -> dict[str, Any]:
    """Band, rank and score at two points, from the placing at each, under the names a view
    gives them: `first_as` and `second_as` put each field's name where `{}` stands
    ("{}_a" and "{}_b" give band_a, rank_a, score_a, band_b, rank_b, score_b)."""
    return {
        name.format(field): getattr(placing, field)
        for name, placing in ((first_as, first), (second_as, second))
        for field in PLACING_FIELDS
    }


class RankingEntry(CityNames, Placing):
    """A city's row in a table."""


@dataclass(frozen=True)
class Support:
    """The claim that gives a city its indicator score (None when nothing is verified)."""

    points: int
    claim_id: str | None


NO_SUPPORT = Support(0, None)


def best_of(accepted: dict[str, int]) -> Support:
    """The supporting claim among accepted ones: most points, then the smallest claim id; a
    claim of 0 points supports nothing (as indicator_support decides)."""
    best = NO_SUPPORT
    for claim_id, points in accepted.items():
        if points > best.points or (
            points == best.points and best.claim_id is not None and claim_id < best.claim_id
        ):
            best = Support(points, claim_id)
    return best


def edition_claims(
    state: RankingState, edition_id: str, status: ClaimStatus | None = None
) -> Iterator[tuple[str, list[Any]]]:
    """The edition's claims in the state, as (claim id, row [edition, city, indicator, points,
    status]), in the state's order; only those with `status` where given."""
    for claim_id, row in state.claims.items():
        if row[EDITION] == edition_id and (status is None or row[STATUS] == status):
            yield claim_id, row


def indicator_support(state: RankingState, edition_id: str) -> dict[str, dict[str, Support]]:
    """Per city and indicator, the highest accepted claim's points (0 with no claim)."""
    indicator_ids = [i["id"] for i in state.indicators(edition_id)]
    cities = state.editions[edition_id]["city_ids"]
    best: dict[str, dict[str, Support]] = {
        c: {i: Support(0, None) for i in indicator_ids} for c in cities
    }
    # Sorted by claim id so that equal points resolve to the same supporting claim every time.
    for claim_id, row in sorted(edition_claims(state, edition_id, ClaimStatus.ACCEPTED)):
        per_city = best.get(row[CITY])
        if per_city is None or row[INDICATOR] not in per_city:
            continue
        if row[POINTS] > per_city[row[INDICATOR]].points:
            per_city[row[INDICATOR]] = Support(int(row[POINTS]), claim_id)
    return best


def has_weights(state: RankingState, edition_id: str) -> bool:
    """Whether the edition's weight set has had weights aggregated or set."""
    weight_set_id = state.editions[edition_id]["weight_set_id"]
    return int(state.weight_sets.get(weight_set_id, {}).get("revision", 0)) > 0


def no_weights(edition_id: str, weight_set_id: str, table: str, position: int) -> NoWeightsInForce:
    """The answer for a table asked for before its edition had weights in force."""
    return NoWeightsInForce(
        f"edition {edition_id} has no weights in force at position {position} (weight set "
        f"{weight_set_id} has not been aggregated or set yet), so table {table} has no ranking",
        field="edition",
        value=edition_id,
    )


def weights(state: RankingState, edition_id: str) -> dict[str, Fraction]:
    """The exact weights in force for an edition (all zero before any revision)."""
    edition = state.editions[edition_id]
    in_force = state.weight_sets.get(edition["weight_set_id"], {}).get("weights", {})
    return {i["id"]: stored_weight(in_force.get(i["id"], 0)) for i in state.indicators(edition_id)}


def table_indicators(state: RankingState, edition_id: str, table: str) -> list[str]:
    """The indicators a table sums, in framework order: all of them for the total, else those
    of the pillars the framework assigns to it."""
    indicators = state.indicators(edition_id)
    if table == RankingTable.TOTAL:
        return [i["id"] for i in indicators]
    pillars = {p["id"] for p in state.pillars(edition_id) if sub_table(p) == table}
    return [i["id"] for i in indicators if i["pillar"] in pillars]


def integer_scores(
    state: RankingState,
    edition_id: str,
    table: str,
    support: dict[str, dict[str, Support]] | None = None,
) -> tuple[dict[str, int], int]:
    """Table scores as integer numerators over one common denominator (exact, and fast)."""
    summed = set(table_indicators(state, edition_id, table))
    weight = weights(state, edition_id)
    denominator = math.lcm(*(w.denominator for w in weight.values())) if weight else 1
    scaled = {
        i: w.numerator * (denominator // w.denominator) for i, w in weight.items() if i in summed
    }
    if support is None:
        support = indicator_support(state, edition_id)
    return {
        city: sum(s.points * scaled[i] for i, s in per.items() if i in scaled)
        for city, per in support.items()
    }, denominator


def table_scores(
    state: RankingState,
    edition_id: str,
    table: str,
    support: dict[str, dict[str, Support]] | None = None,
) -> dict[str, Fraction]:
    """Σ indicator points × weight over the table's indicators, per city, exactly."""
    numerators, denominator = integer_scores(state, edition_id, table, support)
    return {city: Fraction(n, denominator) for city, n in numerators.items()}


def ranking(
    state: RankingState,
    edition_id: str,
    table: str,
    support: dict[str, dict[str, Support]] | None = None,
) -> list[RankingEntry]:
    """A table's rows, best first; ties in English alphabetical order (pass `support` to reuse).

    NoWeightsInForce before the edition's weight set has weights: without weights every city
    would tie at zero, which is no ranking.
    """
    if not has_weights(state, edition_id):
        weight_set_id = str(state.editions[edition_id]["weight_set_id"])
        raise no_weights(edition_id, weight_set_id, table, state.position)
    numerators, denominator = integer_scores(state, edition_id, table, support)
    # Same denominator: the integer numerators order the cities exactly as the scores do.
    rank_of = ranks(numerators)
    n = len(numerators)
    rows = []
    for city_id, numerator in numerators.items():
        city = state.cities.get(city_id, {})
        rows.append(
            RankingEntry(
                city_id=city_id,
                name_en=str(city.get("name_en", city_id)),
                name_zh=str(city.get("name_zh", "")),
                score=Fraction(numerator, denominator),
                rank=rank_of[city_id],
                band=band(rank_of[city_id], n),
            )
        )
    rows.sort(key=lambda r: (r.rank, r.name_en.casefold(), r.city_id))
    return rows
