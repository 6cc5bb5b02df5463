"""Why a city moved: the exact Shapley split of its score change, the deciding events, the
band boundaries and the cities that crossed it, between two cuts of the log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from fractions import Fraction
from typing import Annotated, Any, TypeVar

from sqlite_utils import Database

from ledger.doc import Doc, Qualifier
from ledger.errors import InvalidInput, UnknownId
from ledger.fields import Band, CityPoints, ExactScore, IndicatorId, Rank, Weight
from ledger.vocabulary import ClaimStatus, RankingTable
from projections import publications
from projections.bands import BANDS, band
from projections.causes import Cause, score_path
from projections.edition_state import edition_state_at
from projections.ranking import (
    TABLES,
    EditionTable,
    NamedCity,
    RankingEntry,
    TablePlacing,
    edition_claims,
    indicator_support,
    placing_pair,
    ranking,
    table_indicators,
)
from projections.ranking import weights as weights_in_force
from projections.rankings import not_in_edition, resolve
from projections.state import CITY, INDICATOR, POINTS, RankingState
from projections.view import View


class PublicationCut(View):
    """A cut named by a publication of the edition: the position its tables were cut from."""

    number: int


Cut = int | datetime | PublicationCut | None

T = TypeVar("T")
#: A move's field at the earlier or the later of its two cuts.
Earlier = Annotated[T, Qualifier("at the earlier cut")]
Later = Annotated[T, Qualifier("at the later cut")]
#: A part of an explanation that is all at one of the two cuts (the GraphQL `from` and `to`).
AtEarlierCut = Annotated[T, Doc("At the earlier cut.")]
AtLaterCut = Annotated[T, Doc("At the later cut.")]


class Standing(TablePlacing):
    """A city's place at one cut."""

    position: Annotated[int, Doc("Ledger position of the cut.")]
    tie_rule_matters: Annotated[
        bool,
        Doc("Whether the city's tie group straddles a band line (the tie rule decides)."),
    ]


class IndicatorMove(View):
    """One indicator's share of the score change: rung part + weight part."""

    indicator_id: IndicatorId
    points_from: Earlier[CityPoints]
    points_to: Later[CityPoints]
    weight_from: Earlier[Weight]
    weight_to: Later[Weight]
    rung_part: Annotated[Fraction, Doc("Mean weight × change in points.")]
    weight_part: Annotated[Fraction, Doc("Mean points × change in weight.")]
    claims_from: Annotated[tuple[str, ...], Doc("Claims holding the points before.")]
    claims_to: Annotated[tuple[str, ...], Doc("Claims holding the points after.")]
    causes: Annotated[tuple[Cause, ...], Doc("The deciding events, in order.")]


class Boundary(View):
    """A band's rank limit (floor of share × N) and the score of the last city inside it."""

    band: Band
    rank_limit: Annotated[int, Doc("The largest rank in the band: ⌊share × N⌋.")]
    score: Annotated[
        Fraction | None,
        Doc("Score of the last city inside the band (null: the band is empty)."),
    ]


class Crossing(NamedCity):
    """A city that overtook the explained one, or fell behind it, with its own change."""

    score_from: Earlier[ExactScore]
    score_to: Later[ExactScore]
    delta: Annotated[Fraction, Doc("Its own score change.")]
    rank_from: Earlier[Rank]
    rank_to: Later[Rank]
    band_from: Earlier[Band]
    band_to: Later[Band]
    causes: Annotated[tuple[Cause, ...], Doc("The events that changed its score.")]


class MoveExplanation(NamedCity, EditionTable):
    """Everything that explains a city's move in one table between two cuts."""

    start: AtEarlierCut[Standing]
    end: AtLaterCut[Standing]
    delta: Annotated[Fraction, Doc("The exact score change.")]
    indicators: Annotated[
        tuple[IndicatorMove, ...],
        Doc("One part per indicator of the table; the parts sum exactly to delta."),
    ]
    boundaries_from: tuple[Boundary, ...]
    boundaries_to: tuple[Boundary, ...]
    overtaken_by: Annotated[
        tuple[Crossing, ...],
        Doc("Cities not ahead at the earlier cut and ahead at the later one."),
    ]
    overtook: Annotated[
        tuple[Crossing, ...],
        Doc("Cities ahead at the earlier cut and not ahead at the later one."),
    ]
    tie_rule_matters: Annotated[
        bool,
        Doc("Whether a tie straddling a band line decides the band at either cut."),
    ]


def resolve_cut(db: Database, edition_id: str, cut: Cut) -> int:
    """The ledger position a cut means (a publication's cut position, or as `resolve`)."""
    if isinstance(cut, PublicationCut):
        return publications.publication(db, edition_id, cut.number).position
    return resolve(db, cut)


def require_city(state: RankingState, edition_id: str, table: str, city_id: str) -> None:
    """InvalidInput or UnknownId unless the table, edition and city exist at the state."""
    if table not in TABLES:
        raise InvalidInput(
            f"table {table!r} is not one of {', '.join(TABLES)}", field="table", value=table
        )
    if edition_id not in state.editions:
        raise UnknownId(
            f"edition {edition_id!r} does not exist at position {state.position}",
            field="edition",
            value=edition_id,
        )
    if city_id not in state.editions[edition_id]["city_ids"]:
        raise not_in_edition(city_id, edition_id, state.position)


def holding_claims(
    state: RankingState, edition_id: str, city_id: str, indicator_id: str, points: int
) -> tuple[str, ...]:
    """Every counting claim that gives the city these points on the indicator (none for 0)."""
    if points == 0:
        return ()
    return tuple(
        sorted(
            claim_id
            for claim_id, row in edition_claims(state, edition_id, ClaimStatus.ACCEPTED)
            if (row[CITY], row[INDICATOR], row[POINTS]) == (city_id, indicator_id, points)
        )
    )


def boundaries(rows: Sequence[RankingEntry]) -> tuple[Boundary, ...]:
    """Each band's rank limit and the score of the last city inside it (None: band empty)."""
    n = len(rows)
    out = []
    lower = 0
    for share, label in BANDS:
        limit = int(share * n)  # floor: a rank r is in the band when r <= share × n
        inside = [r.score for r in rows if lower < r.rank <= limit]
        out.append(Boundary(band=label, rank_limit=limit, score=min(inside) if inside else None))
        lower = limit
    return tuple(out)


def tie_straddles(rows: Sequence[RankingEntry], city_id: str) -> bool:
    """Whether the city's tie group spans a band boundary (the tie rule decides its band)."""
    me = next(r for r in rows if r.city_id == city_id)
    tied = sum(1 for r in rows if r.score == me.score)
    return band(me.rank, len(rows)) != band(me.rank + tied - 1, len(rows))


def _standing(rows: Sequence[RankingEntry], city_id: str, position: int) -> Standing:
    me = next(r for r in rows if r.city_id == city_id)
    return Standing(
        position=position,
        band=me.band,
        rank=me.rank,
        score=me.score,
        n=len(rows),
        tie_rule_matters=tie_straddles(rows, city_id),
    )


def explain_move(
    db: Database, edition_id: str, table: str, city_id: str, start_cut: Cut, end_cut: Cut = None
) -> MoveExplanation:
    """Why a city's score, rank and band differ between two cuts (the later defaults to now)."""
    start, end = resolve_cut(db, edition_id, start_cut), resolve_cut(db, edition_id, end_cut)
    if start > end:
        raise InvalidInput(
            f"from (position {start}) is after to (position {end})", field="from", value=start
        )
    # Only the edition's own state at each cut: the cost follows the edition, not the log.
    state_a, state_b = (
        edition_state_at(db, edition_id, start),
        edition_state_at(db, edition_id, end),
    )
    return explain_states(db, state_a, state_b, edition_id, table, city_id)


def explain_states(
    db: Database,
    state_a: RankingState,
    state_b: RankingState,
    edition_id: str,
    table: str,
    city_id: str,
) -> MoveExplanation:
    """The explanation between two folded states (to explain many cities with two folds)."""
    start, end = state_a.position, state_b.position
    require_city(state_a, edition_id, table, city_id)
    require_city(state_b, edition_id, table, city_id)
    support_a, support_b = (
        indicator_support(state_a, edition_id),
        indicator_support(state_b, edition_id),
    )
    rows_a = ranking(state_a, edition_id, table, support_a)
    rows_b = ranking(state_b, edition_id, table, support_b)
    a = {r.city_id: r for r in rows_a}
    b = {r.city_id: r for r in rows_b}
    me_a, me_b = a[city_id], b[city_id]
    ahead_a = {c for c, r in a.items() if r.score > me_a.score}
    ahead_b = {c for c, r in b.items() if r.score > me_b.score}
    both = set(a) & set(b)
    passed_me = sorted(both & (ahead_b - ahead_a), key=lambda c: (b[c].rank, c))
    fell_behind = sorted(both & (ahead_a - ahead_b), key=lambda c: (b[c].rank, c))
    paths = score_path(db, state_a, edition_id, table, [city_id, *passed_me, *fell_behind], end)
    w_a, w_b = weights_in_force(state_a, edition_id), weights_in_force(state_b, edition_id)
    moves = []
    for i in table_indicators(state_b, edition_id, table):
        x_a, x_b = support_a[city_id][i].points, support_b[city_id][i].points
        moves.append(
            IndicatorMove(
                indicator_id=i,
                points_from=x_a,
                points_to=x_b,
                weight_from=w_a[i],
                weight_to=w_b[i],
                rung_part=(w_a[i] + w_b[i]) / 2 * (x_b - x_a),
                weight_part=Fraction(x_a + x_b, 2) * (w_b[i] - w_a[i]),
                claims_from=holding_claims(state_a, edition_id, city_id, i, x_a),
                claims_to=holding_claims(state_b, edition_id, city_id, i, x_b),
                causes=tuple(c for c in paths[city_id] if c.indicator_id == i),
            )
        )

    def crossing(c: str) -> Crossing:
        return Crossing(
            city_id=c,
            name_en=b[c].name_en,
            **placing_pair(a[c], b[c], "{}_from", "{}_to"),
            delta=b[c].score - a[c].score,
            causes=tuple(paths[c]),
        )

    start_standing, end_standing = (
        _standing(rows_a, city_id, start),
        _standing(rows_b, city_id, end),
    )
    return MoveExplanation(
        edition_id=edition_id,
        table=RankingTable(table),
        city_id=city_id,
        name_en=me_b.name_en,
        start=start_standing,
        end=end_standing,
        delta=me_b.score - me_a.score,
        indicators=tuple(moves),
        boundaries_from=boundaries(rows_a),
        boundaries_to=boundaries(rows_b),
        overtaken_by=tuple(crossing(c) for c in passed_me),
        overtook=tuple(crossing(c) for c in fell_behind),
        tie_rule_matters=start_standing.tie_rule_matters or end_standing.tie_rule_matters,
    )


def exact(value: Fraction | int | None) -> str | None:
    """An exact number as "p/q" or an integer string."""
    return None if value is None else str(Fraction(value))


def cause_json(c: Cause) -> dict[str, Any]:
    """A cause in the stable JSON shape."""
    return {
        "position": c.position,
        "type": c.type,
        "time": c.time,
        "hash": c.hash,
        "actor": c.actor,
        "claim_id": c.claim_id,
        "city_id": c.city_id,
        "indicator_id": c.indicator_id,
        "score_change": exact(c.score_change),
    }


def explanation_json(e: MoveExplanation) -> dict[str, Any]:
    """The explanation in its stable JSON shape; every exact number a "p/q" or integer string."""

    def standing(s: Standing) -> dict[str, Any]:
        return {"position": s.position, "band": s.band, "rank": s.rank,
                "score": exact(s.score), "n": s.n}  # fmt: skip

    def crossing(c: Crossing) -> dict[str, Any]:
        return {
            "city_id": c.city_id, "name_en": c.name_en, "score_from": exact(c.score_from),
            "score_to": exact(c.score_to), "delta": exact(c.delta), "rank_from": c.rank_from,
            "rank_to": c.rank_to, "band_from": c.band_from, "band_to": c.band_to,
            "causes": [cause_json(x) for x in c.causes],
        }  # fmt: skip

    def bounds(items: Sequence[Boundary]) -> list[dict[str, Any]]:
        return [{"band": x.band, "rank_limit": x.rank_limit, "score": exact(x.score)}
                for x in items]  # fmt: skip

    return {
        "city_id": e.city_id,
        "edition_id": e.edition_id,
        "table": e.table,
        "from": standing(e.start),
        "to": standing(e.end),
        "delta": exact(e.delta),
        "indicators": [
            {
                "indicator_id": m.indicator_id,
                "points_from": exact(m.points_from),
                "points_to": exact(m.points_to),
                "weight_from": exact(m.weight_from),
                "weight_to": exact(m.weight_to),
                "rung_part": exact(m.rung_part),
                "weight_part": exact(m.weight_part),
                "claims_from": list(m.claims_from),
                "claims_to": list(m.claims_to),
                "causes": [cause_json(c) for c in m.causes],
            }
            for m in e.indicators
        ],
        "boundaries": {"from": bounds(e.boundaries_from), "to": bounds(e.boundaries_to)},
        "overtaken_by": [crossing(c) for c in e.overtaken_by],
        "overtook": [crossing(c) for c in e.overtook],
        "tie_rule_matters": e.tie_rule_matters,
    }
