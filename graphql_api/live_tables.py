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

from sqlite_utils import Database

from graphql_api.scalars import Exact
from ledger.errors import UnknownId
from projections import rankings as ranking
from projections.model import tracking_position
from projections.rankings import AsOf, Points, RankingView

#: Tables kept per database (least recently used dropped first); a table is a few hundred KB
#: at most (144 rows with their points in the reference ledger: about 0.3 MB).
MAX_TABLES = 16
#: One city's points as the JSON value of `indicatorPoints`.
PointsJson = list[dict[str, object]]


class ComputedTable:
    """One table at one position: its view, each row's exact score, and each city's points
    (read in one batch the first time a query asks, then kept with the table)."""

    def __init__(self, view: RankingView) -> None:
        self.view = view
        self.scores: dict[str, Exact] = {e.city_id: Exact(value=e.score) for e in view.rows}
        self._points: dict[str, list[Points]] | None = None
        self._json: dict[str, PointsJson] | None = None
        self._lock = threading.Lock()

    def points(self, db: Database) -> dict[str, list[Points]]:
        """Every row's (indicator id, points, claim id) rows, by city (one read per table)."""
        found = self._points
        if found is None:
            view = self.view
            city_ids = [e.city_id for e in view.rows]
            found = ranking.indicator_points(db, view.edition_id, city_ids, view.position)
            with self._lock:
                self._points = found
        return found

    def points_json(self, db: Database) -> dict[str, PointsJson]:
        """Every row's points as the JSON value `indicatorPoints` answers (built once per
        table; shared by every response, so never changed after it is built)."""
        found = self._json
        if found is None:
            found = {
                city_id: [
                    {"indicatorId": indicator_id, "points": points, "claimId": claim_id}
                    for indicator_id, points, claim_id in rows
                ]
                for city_id, rows in self.points(db).items()
            }
            with self._lock:
                self._json = found
        return found

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
