"""Computed ranking tables kept in memory, keyed by (edition, table, ledger position).

A table at a fixed log position never changes: the log up to that position is immutable, and
the read models replay to identical rows. So a table the API computed for a score viewer is
kept, with its exact scores and (once a query asks for them) its per-indicator points, and
the next request for the same edition, table and position is answered from it. A new event
moves the position, so the next request computes the table at the new position: entries are
invalidated by position, never by time. A table read while the read models moved under it
(the position before and after the read differ) is answered but not kept. Only computed data
is kept (rows, scores, points), never a response: every request still runs its GraphQL
document, its permission checks and its encoding.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from typing import TypeVar, cast

from sqlite_utils import Database

from graphql_api.scalars import Exact
from ledger.errors import UnknownId
from projections import rankings as ranking
from projections.model import tracking_position
from projections.rankings import AsOf, Points, RankingView

#: Tables kept per database (least recently used dropped first); a table is a few hundred KB
#: at most (144 rows with their points in the reference ledger: about 0.3 MB).
MAX_TABLES = 16
T = TypeVar("T")
#: One city's points as the JSON value of `indicatorPoints`.
PointsJson = list[dict[str, object]]


class ComputedTable:
    """One table at one position: its view, each row's exact score, and what is derived from
    it on first use (each city's points, read in one batch, and their JSON values), kept with
    the table."""

    def __init__(self, view: RankingView) -> None:
        self.view = view
        self.scores: dict[str, Exact] = {e.city_id: Exact(value=e.score) for e in view.rows}
        self._kept: dict[str, object] = {}

    def kept(self, name: str, build: Callable[[], T]) -> T:
        """A value derived from the table, built on its first use and kept with it: shared by
        every response that reads the table, so never changed once built (two first uses at
        once may both build it; they build the same)."""
        found = self._kept.get(name)
        if found is None:
            found = self._kept.setdefault(name, build())
        return cast(T, found)

    def points(self, db: Database) -> dict[str, list[Points]]:
        """Every row's (indicator id, points, claim id) rows, by city (one read per table)."""
        view = self.view
        return self.kept(
            "points",
            lambda: ranking.indicator_points(
                db, view.edition_id, [e.city_id for e in view.rows], view.position
            ),
        )

    def points_json(self, db: Database) -> dict[str, PointsJson]:
        """Every row's points as the JSON value `indicatorPoints` answers."""
        return self.kept(
            "points_json",
            lambda: {
                city_id: [
                    {"indicatorId": indicator_id, "points": points, "claimId": claim_id}
                    for indicator_id, points, claim_id in rows
                ]
                for city_id, rows in self.points(db).items()
            },
        )

    def outside(self, city_id: str) -> UnknownId:
        """The error of a row whose city has no points in the edition at this position."""
        return ranking.not_in_edition(city_id, self.view.edition_id, self.view.position)


class LiveTables:
    """The computed tables of one database, by (edition, table, position)."""

    def __init__(self, size: int | None = None) -> None:
        self.size = MAX_TABLES if size is None else size
        self.entries: OrderedDict[tuple[str, str, int], ComputedTable] = OrderedDict()
        self.lock = threading.Lock()
        self.hits = 0

    def table(self, db: Database, edition_id: str, table: str, as_of: AsOf) -> ComputedTable:
        """A table as of a point (now, a position or an instant), computed once per position."""
        before = tracking_position(db)
        position = before if as_of is None else ranking.resolve(db, as_of)
        key = (edition_id, table, position)
        with self.lock:
            found = self.entries.get(key)
            if found is not None:
                self.entries.move_to_end(key)
                self.hits += 1
                return found
        computed = ComputedTable(ranking.rankings(db, edition_id, table, position))
        if tracking_position(db) == before:
            with self.lock:
                self.entries[key] = computed
                while len(self.entries) > self.size:
                    self.entries.popitem(last=False)
        return computed


_TABLES: weakref.WeakKeyDictionary[Database, LiveTables] = weakref.WeakKeyDictionary()
_TABLES_LOCK = threading.Lock()


def live_tables(db: Database) -> LiveTables:
    """The table cache of a database (one per open database, gone with it)."""
    with _TABLES_LOCK:
        found = _TABLES.get(db)
        if found is None:
            found = _TABLES[db] = LiveTables()
        return found
