"""Ranking queries: any table of any edition as of a position or an instant, and what moved."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from fractions import Fraction
from typing import Annotated, TypeVar

from sqlite_utils import Database

from ledger.doc import Doc, Qualifier
from ledger.errors import InvalidInput, NoWeightsInForce, UnknownId
from ledger.fields import Band, ExactScore, Rank
from projections.catalogue import edition as edition_view
from projections.causes import Cause, score_path
from projections.edition_state import edition_state_at
from projections.evidence import CityIndicator
from projections.model import from_row, rows, tracking_position
from projections.pointintime import EditionAt, edition_at, editions_at, position_at
from projections.ranking import (
    TABLES,
    NamedCity,
    RankingEntry,
    no_weights,
    placing_pair,
    ranking,
)
from projections.state import RankingState
from projections.view import View

AsOf = int | datetime | None
#: One city's points on one indicator: (indicator id, points, supporting claim id or None).
Points = tuple[str, int, str | None]

T = TypeVar("T")
#: A band change's field at the earlier or the later of its two points.
Before = Annotated[T, Qualifier("at the earlier point")]
After = Annotated[T, Qualifier("at the later point")]


class RankingView(View):
    """A table of an edition as computed at a ledger position."""

    edition_id: str
    table: str
    position: int
    time: str | None
    rows: tuple[RankingEntry, ...]


class ScoreView(CityIndicator):
    """A city's points on one indicator and the claim that supports them."""

    points: Annotated[int, Doc("Points (0 without an accepted claim).")]
    claim_id: Annotated[str | None, Doc("The supporting accepted claim, if any.")]


class BandChange(NamedCity):
    """A city whose band differs between two points, with the events that moved it between."""

    before_band: Before[Band]
    after_band: After[Band]
    before_rank: Before[Rank]
    after_rank: After[Rank]
    before_score: Before[ExactScore]
    after_score: After[ExactScore]
    causes: Annotated[
        tuple[Cause, ...],
        Doc(
            "The events between that changed this city's score or that of a city "
            "that crossed it, each naming its city, indicator, claim and exact "
            "score change."
        ),
    ]


def resolve(db: Database, as_of: AsOf) -> int:
    """The ledger position an as-of means: now, a position up to now, or an instant."""
    now = tracking_position(db)
    if as_of is None:
        return now
    if isinstance(as_of, datetime):
        if as_of.tzinfo is None:
            raise InvalidInput(f"asOf {as_of.isoformat()} needs a UTC offset", field="asOf")
        return position_at(db, as_of)
    if isinstance(as_of, bool) or not isinstance(as_of, int) or as_of < 0:
        raise InvalidInput(
            f"asOf {as_of!r} is not a ledger position (>= 0)", field="asOf", value=as_of
        )
    if as_of > now:
        raise InvalidInput(
            f"asOf position {as_of} is beyond the ledger's head at {now}", field="asOf", value=as_of
        )
    return as_of


def _check_table(table: str) -> None:
    if table not in TABLES:
        raise InvalidInput(
            f"table {table!r} is not one of {', '.join(TABLES)}", field="table", value=table
        )


def _unknown_edition(edition_id: str, position: int, known: list[str]) -> UnknownId:
    return UnknownId(
        f"edition {edition_id!r} does not exist at position {position} "
        f"(known: {', '.join(known) or 'none'})",
        field="edition",
        value=edition_id,
    )


def _check(state: RankingState, edition_id: str, table: str, position: int) -> None:
    _check_table(table)
    if edition_id not in state.editions:
        raise _unknown_edition(edition_id, position, sorted(state.editions))


def _edition_at(db: Database, edition_id: str, position: int) -> EditionAt:
    """An edition's ranking inputs at a position, or UnknownId naming those that exist."""
    found = edition_at(db, edition_id, position)
    if found is None:
        raise _unknown_edition(edition_id, position, editions_at(db, position))
    return found


def _time_at(db: Database, position: int) -> str | None:
    row = db.execute("SELECT time FROM events WHERE position = ?", [position]).fetchone()
    return str(row[0]) if row else None


def rankings_from_state(
    state: RankingState, edition_id: str, table: str, time: str | None
) -> RankingView:
    """A table computed from a folded state."""
    _check(state, edition_id, table, state.position)
    entries = tuple(ranking(state, edition_id, table))
    return RankingView(
        edition_id=edition_id, table=table, position=state.position, time=time, rows=entries
    )


def rankings(db: Database, edition_id: str, table: str, as_of: AsOf = None) -> RankingView:
    """A table as of a point in time; the current one comes straight from the standings rows."""
    (view,) = tables_at(db, edition_id, [table], as_of)
    return view


def tables_at(
    db: Database, edition_id: str, tables: Sequence[str], as_of: AsOf = None
) -> list[RankingView]:
    """Several tables of an edition at one point in time, from a single fold of the state."""
    position = resolve(db, as_of)
    if position == tracking_position(db):
        return [_current(db, edition_id, table, position) for table in tables]
    for table in tables:
        _check_table(table)
    # Only this edition's timeline rows up to the position: no replay, no other edition.
    found, time = _edition_at(db, edition_id, position), _time_at(db, position)
    return [
        RankingView(
            edition_id=edition_id,
            table=table,
            position=position,
            time=time,
            rows=tuple(ranking(found.state, edition_id, table, found.support)),
        )
        for table in tables
    ]


def _current(db: Database, edition_id: str, table: str, position: int) -> RankingView:
    if table not in TABLES:
        raise InvalidInput(
            f"table {table!r} is not one of {', '.join(TABLES)}", field="table", value=table
        )
    edition = edition_view(db, edition_id)
    revision = db.execute(
        "SELECT revision FROM weight_sets WHERE weight_set_id = ?", [edition.weight_set_id]
    ).fetchone()
    if not revision or not revision[0]:
        raise no_weights(edition_id, edition.weight_set_id, table, position)
    found = rows(
        db,
        "SELECT s.city_id, c.name_en, c.name_zh, s.score, s.rank, s.band FROM standings s "
        "JOIN cities c ON c.city_id = s.city_id WHERE s.edition_id = ? AND s.table_name = ? "
        "ORDER BY s.rank, c.name_en COLLATE NOCASE, s.city_id",
        [edition_id, table],
    )
    entries = tuple(from_row(RankingEntry, r, score=Fraction(r["score"])) for r in found)
    return RankingView(
        edition_id=edition_id,
        table=table,
        position=position,
        time=_time_at(db, position),
        rows=entries,
    )


def indicator_scores(
    db: Database,
    edition_id: str,
    city_ids: Sequence[str],
    as_of: AsOf = None,
    *,
    strict: bool = True,
) -> dict[str, list[ScoreView]]:
    """Per-indicator points of several cities, with the claim behind each (one state fold).

    A city outside the edition is UnknownId, or with strict=False simply left out (so that a
    batch answers the others).
    """
    position = resolve(db, as_of)
    stored = _stored_scores(db, edition_id, position)
    if stored is None:
        found = edition_at(db, edition_id, position)
        if found is None:
            raise UnknownId(
                f"edition {edition_id!r} does not exist", field="edition", value=edition_id
            )
        stored = {
            c: [
                ScoreView(
                    edition_id=edition_id,
                    city_id=c,
                    indicator_id=i,
                    points=s.points,
                    claim_id=s.claim_id,
                )
                for i, s in per.items()
            ]
            for c, per in found.support.items()
        }
    outside = [c for c in city_ids if c not in stored]
    if outside and strict:
        raise not_in_edition(outside[0], edition_id, position)
    return {c: stored[c] for c in city_ids if c in stored}


def indicator_points(
    db: Database, edition_id: str, city_ids: Sequence[str], as_of: AsOf = None
) -> dict[str, list[Points]]:
    """indicator_scores as plain (indicator id, points, claim id) rows, for tables that list
    every city's points: read from the `scores` rows at the current position, with no view
    object per score. A city outside the edition is left out (the caller names it)."""
    position = resolve(db, as_of)
    stored = _stored_points(db, edition_id, position)
    if stored is None:
        views = indicator_scores(db, edition_id, city_ids, position, strict=False)
        return {c: [(v.indicator_id, v.points, v.claim_id) for v in vs] for c, vs in views.items()}
    return {c: stored[c] for c in city_ids if c in stored}


def _stored_scores(
    db: Database, edition_id: str, position: int
) -> dict[str, list[ScoreView]] | None:
    """The `scores` rows as views when the standings model is exactly at `position` (None
    otherwise)."""
    stored = _stored_points(db, edition_id, position)
    if stored is None:
        return None
    return {
        c: [
            ScoreView(edition_id=edition_id, city_id=c, indicator_id=i, points=p, claim_id=claim)
            for i, p, claim in per
        ]
        for c, per in stored.items()
    }


def _stored_points(db: Database, edition_id: str, position: int) -> dict[str, list[Points]] | None:
    """The `scores` rows by city when the standings model is exactly at `position` (None
    otherwise).

    The standings hold every city's points at their own position, so the current table's
    scores need no lookup; any other position reads the edition's score history.
    """
    row = db.execute(
        "SELECT position FROM projection_tracking WHERE model = 'standings'"
    ).fetchone()
    if row is None or int(row[0]) != position:
        return None
    if db.execute("SELECT 1 FROM editions WHERE edition_id = ?", [edition_id]).fetchone() is None:
        raise UnknownId(f"edition {edition_id!r} does not exist", field="edition", value=edition_id)
    out: dict[str, list[Points]] = {}
    for city_id, indicator_id, points, claim_id in db.execute(
        # Rows were written in the fold's order (cities, then the framework's indicators).
        "SELECT city_id, indicator_id, points, claim_id FROM scores WHERE edition_id = ? "
        "ORDER BY rowid",
        [edition_id],
    ).fetchall():
        out.setdefault(str(city_id), []).append((str(indicator_id), int(points), claim_id))
    return out


def not_in_edition(city_id: str, edition_id: str, position: int) -> UnknownId:
    """The error for a city that is not in an edition at a position."""
    return UnknownId(
        f"city {city_id!r} is not in edition {edition_id!r} at position {position}",
        field="city_id",
        value=city_id,
    )


def band_changes(
    db: Database, edition_id: str, table: str, before: AsOf, after: AsOf = None
) -> list[BandChange]:
    """Cities whose band differs between two points, each with the events that moved it.

    A city moves because its own score changed (its claim decisions, the weights) or
    because other cities overtook it or fell behind it: their decisions count too. Each cause
    names its city, indicator, claim and exact score change; events that changed no score
    are left out.
    """
    start, end = sorted((resolve(db, before), resolve(db, after)))
    state = edition_state_at(db, edition_id, start)
    try:
        old = {r.city_id: r for r in rankings_from_state(state, edition_id, table, None).rows}
    except NoWeightsInForce:
        old = {}  # No table yet at the start: no city had a band to move from.
    new = {r.city_id: r for r in rankings(db, edition_id, table, end).rows}
    moved = [c for c in new if c in old and old[c].band != new[c].band]
    crossed: dict[str, list[str]] = {}
    for city_id in moved:
        o, n = old[city_id], new[city_id]
        crossed[city_id] = [
            c
            for c in new
            if c != city_id and c in old
            and _order(old[c].score, o.score) != _order(new[c].score, n.score)
        ]  # fmt: skip
    involved = {c for city_id in moved for c in (city_id, *crossed[city_id])}
    paths = score_path(db, state, edition_id, table, involved, end)
    changes = []
    for city_id in sorted(moved, key=lambda c: (new[c].rank, c)):
        o, n = old[city_id], new[city_id]
        causes = sorted(
            (x for c in (city_id, *crossed[city_id]) for x in paths[c]),
            key=lambda x: (x.position, x.city_id, x.indicator_id),
        )
        changes.append(
            BandChange(
                city_id=city_id,
                name_en=n.name_en,
                **placing_pair(o, n, "before_{}", "after_{}"),
                causes=tuple(causes),
            )
        )
    return changes


def _order(a: Fraction, b: Fraction) -> int:
    return (a > b) - (a < b)
