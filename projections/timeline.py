"""The ranking timeline: what changed at which position, as rows, so any position is a lookup.

Instead of checkpoints of the whole ranking state, the standings model records each change
once, at its position: an entity's new value (a city, a framework's versions, a weight set, an
edition), a claim's submission and each of its status changes, and each change of the claim
that supports an (edition, city, indicator) score. The state at a position is then the latest
row of each at or before it (projections.pointintime), and an as-of table needs only its own
edition's rows: its cost follows the edition's size, not the log's length.
"""

from __future__ import annotations

import heapq
import itertools
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from sys import intern
from typing import Any

from ledger.records import EventRecord
from ledger.vocabulary import ClaimStatus
from projections.evidence import SUBMITTED
from projections.model import rows_in
from projections.ranking import NO_SUPPORT, Support, best_of
from projections.state import (
    CITY,
    CLAIM_CHANGES,
    EDITION,
    HANDLERS,
    INDICATOR,
    POINTS,
    STATUS,
    RankingState,
)

SCHEMA = (
    # An entity's whole value after each change; `created` orders entities as a replay does.
    "CREATE TABLE IF NOT EXISTS ranking_entities (kind TEXT NOT NULL, key TEXT NOT NULL, "
    "position INTEGER NOT NULL, created INTEGER NOT NULL, originator_id TEXT, "
    "value TEXT NOT NULL, PRIMARY KEY (kind, key, position)) WITHOUT ROWID",
    # A claim as submitted, keyed by its submission position (its status starts pending).
    "CREATE TABLE IF NOT EXISTS ranking_claims (position INTEGER PRIMARY KEY, "
    "claim_id TEXT NOT NULL, originator_id TEXT NOT NULL, edition_id TEXT NOT NULL, "
    "city_id TEXT NOT NULL, indicator_id TEXT NOT NULL, points INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS claim_statuses (claim_position INTEGER NOT NULL, "
    "position INTEGER NOT NULL, status TEXT NOT NULL, PRIMARY KEY (claim_position, position)) "
    "WITHOUT ROWID",
    # The supporting claim of a score from the position it took over (points 0, claim NULL:
    # no accepted claim supports it any more).
    "CREATE TABLE IF NOT EXISTS score_history (edition_id TEXT NOT NULL, city_id TEXT NOT NULL, "
    "indicator_id TEXT NOT NULL, position INTEGER NOT NULL, points INTEGER NOT NULL, "
    "claim_id TEXT, PRIMARY KEY (edition_id, city_id, indicator_id, position)) WITHOUT ROWID",
)
TABLES = ("ranking_entities", "ranking_claims", "claim_statuses", "score_history")

CITY_EVENTS = frozenset({"CityRegistered"})
FRAMEWORK_EVENTS = frozenset({"FrameworkDefined", "FrameworkRevised"})
WEIGHT_SET_EVENTS = frozenset({"WeightSetCreated", "WeightsAggregated", "WeightsSet"})
EDITION_EVENTS = frozenset(
    {"EditionCreated", "CitiesIncluded", "QuorumChanged", "RankingPublished"}
)

#: (edition, city, indicator): the key of one indicator score.
ScoreKey = tuple[str, str, str]
#: The events that change a claim submitted earlier (what recall() must find in memory).
CLAIM_DECISIONS = CLAIM_CHANGES - {SUBMITTED}


def score_key(row: list[Any]) -> ScoreKey:
    """A claim row's score key, its ids interned: a score's key is held as long as it has
    accepted claims, and the same few edition, city and indicator ids recur in every key."""
    return (intern(str(row[EDITION])), intern(str(row[CITY])), intern(str(row[INDICATOR])))


@dataclass
class TimelineRows:
    """The rows one batch of events adds to the timeline tables, in position order."""

    entities: list[tuple[str, str, int, int, str | None, str]] = field(default_factory=list)
    claims: list[tuple[int, str, str, str, str, str, int]] = field(default_factory=list)
    statuses: list[tuple[int, int, str]] = field(default_factory=list)
    scores: list[tuple[str, str, str, int, int, str | None]] = field(default_factory=list)

    def write(self, db: Any) -> None:
        """Append the rows, one executemany per table."""
        conn = db.conn
        if self.entities:
            conn.executemany(
                "INSERT INTO ranking_entities (kind, key, position, created, originator_id, "
                "value) VALUES (?, ?, ?, ?, ?, ?)",
                self.entities,
            )
        if self.claims:
            conn.executemany(
                "INSERT INTO ranking_claims (position, claim_id, originator_id, edition_id, "
                "city_id, indicator_id, points) VALUES (?, ?, ?, ?, ?, ?, ?)",
                self.claims,
            )
        if self.statuses:
            conn.executemany(
                "INSERT INTO claim_statuses (claim_position, position, status) VALUES (?, ?, ?)",
                self.statuses,
            )
        if self.scores:
            conn.executemany(
                "INSERT INTO score_history (edition_id, city_id, indicator_id, position, points, "
                "claim_id) VALUES (?, ?, ?, ?, ?, ?)",
                self.scores,
            )


class Timeline:
    """The ranking state folded event by event, saying which timeline rows each event adds.

    Besides the state it keeps, per score, the accepted claims, so that a claim decision
    updates one score without looking at any other claim.
    """

    def __init__(
        self,
        state: RankingState | None = None,
        claim_positions: dict[str, int] | None = None,
        claim_originators: dict[str, str] | None = None,
    ) -> None:
        self.state = state if state is not None else RankingState()
        #: Each claim's submission position (the key of its status rows).
        self.claim_positions: dict[str, int] = dict(claim_positions or {})
        #: Each held claim's aggregate id (what trim() removes from `state.owners`).
        self.claim_originators: dict[str, str] = (
            dict(claim_originators)
            if claim_originators is not None
            else {key: oid for oid, key in self.state.owners.items() if key in self.state.claims}
        )
        #: Accepted claims per score: claim id → points (no entry: none). The supporting claim
        #: is best_of() them, worked out when asked (kept, it would be one more object a score).
        self.accepted: dict[ScoreKey, dict[str, int]] = {}
        #: When each entity first appeared: (kind, key) → position.
        self.created: dict[tuple[str, str], int] = {}
        for claim_id, row in self.state.claims.items():
            if row[STATUS] == "accepted":
                self.accepted.setdefault(score_key(row), {})[claim_id] = int(row[POINTS])

    @property
    def position(self) -> int:
        """The position folded so far."""
        return self.state.position

    def apply(self, record: EventRecord, rows: TimelineRows) -> None:
        """Fold one event in and add the rows it changes to `rows`."""
        state = self.state
        kind = record.type
        before = None
        if kind in CLAIM_CHANGES and kind != SUBMITTED:
            claim_id = state.owners.get(record.originator_id)
            if claim_id is not None and claim_id in state.claims:
                before = (claim_id, state.claims[claim_id][STATUS])
        state.apply(record)
        position = record.position
        if kind == SUBMITTED:
            d = record.data
            claim_id = str(d["claim_id"])
            self.claim_positions[claim_id] = position
            self.claim_originators[claim_id] = record.originator_id
            rows.claims.append(
                (
                    position, claim_id, record.originator_id, str(d["edition_id"]),
                    str(d["city_id"]), str(d["indicator_id"]), int(d["points"]),
                )
            )  # fmt: skip
        elif before is not None:
            self._status_changed(before[0], before[1], position, rows)
        elif kind in CITY_EVENTS:
            key = str(record.data["city_id"])
            self._entity(rows, "city", key, None, state.cities[key], position)
        elif kind in FRAMEWORK_EVENTS:
            key = state.owners[record.originator_id]
            self._entity(
                rows, "framework", key, record.originator_id, state.frameworks[key], position
            )
        elif kind in WEIGHT_SET_EVENTS:
            key = state.owners[record.originator_id]
            self._entity(
                rows, "weight_set", key, record.originator_id, state.weight_sets[key], position
            )
        elif kind in EDITION_EVENTS:
            key = state.owners[record.originator_id]
            self._entity(rows, "edition", key, record.originator_id, state.editions[key], position)

    def _entity(
        self, rows: TimelineRows, kind: str, key: str, oid: str | None, value: Any, position: int
    ) -> None:
        created = self.created.setdefault((kind, key), position)
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        rows.entities.append((kind, key, position, created, oid, text))

    def _status_changed(self, claim_id: str, old: str, position: int, rows: TimelineRows) -> None:
        row = self.state.claims[claim_id]
        new = str(row[STATUS])
        if new == old:
            return
        rows.statuses.append((self.claim_positions[claim_id], position, new))
        if "accepted" not in (old, new):
            return
        key = score_key(row)
        accepted = self.accepted.setdefault(key, {})
        was = best_of(accepted)
        if new == "accepted":
            accepted[claim_id] = int(row[POINTS])
        else:
            accepted.pop(claim_id, None)
        best = best_of(accepted)
        if not accepted:
            del self.accepted[key]
        if best != was:
            rows.scores.append((*key, position, best.points, best.claim_id))

    def trim(self, keep: int) -> None:
        """Let go of all but the `keep` claims held longest (recall() reads one back when a later
        event changes it): memory follows the claims in play, not every claim ever submitted.
        The accepted claims per score stay (at most as many scores as the scores table has)."""
        claims = self.state.claims
        excess = len(claims) - keep
        if excess <= 0:
            return
        owners, positions, originators = (
            self.state.owners,
            self.claim_positions,
            self.claim_originators,
        )
        for claim_id in list(itertools.islice(claims, excess)):
            del claims[claim_id]
            positions.pop(claim_id, None)
            oid = originators.pop(claim_id, None)
            if oid is not None:
                owners.pop(oid, None)

    def recall(self, db: Any, records: Iterable[EventRecord]) -> None:
        """Read back, in one query, the claims that `records` change and trim() let go of: as
        submitted (ranking_claims) with their latest status (claim_statuses)."""
        owners = self.state.owners
        wanted = {
            r.originator_id
            for r in records
            if r.type in CLAIM_DECISIONS and r.originator_id not in owners
        }
        # Claims submitted in the same records are not stored yet: nothing to read back.
        wanted -= {r.originator_id for r in records if r.type == SUBMITTED}
        if not wanted:
            return
        found = rows_in(
            db,
            "SELECT c.originator_id, c.position, c.claim_id, c.edition_id, c.city_id, "
            "c.indicator_id, c.points, (SELECT s.status FROM claim_statuses s "
            "WHERE s.claim_position = c.position ORDER BY s.position DESC LIMIT 1) "
            "FROM ranking_claims c WHERE c.originator_id IN ({})",
            wanted,
        )
        for oid, at, claim_id, edition_id, city_id, indicator_id, points, status in found:
            self.state.claims[claim_id] = [
                edition_id, city_id, indicator_id, points, status or ClaimStatus.PENDING,
            ]  # fmt: skip
            owners[oid] = claim_id
            self.claim_positions[claim_id] = int(at)
            self.claim_originators[claim_id] = str(oid)

    def support(self, edition_id: str) -> dict[str, dict[str, Support]]:
        """Per city of the edition and indicator of its framework, the supporting claim
        (what projections.ranking.indicator_support gives, without looking at every claim)."""
        state = self.state
        indicator_ids = [i["id"] for i in state.indicators(edition_id)]
        accepted = self.accepted
        return {
            c: {
                i: best_of(accepted[edition_id, c, i]) if (edition_id, c, i) in accepted
                else NO_SUPPORT
                for i in indicator_ids
            }
            for c in state.editions[edition_id]["city_ids"]
        }  # fmt: skip

    def touched(self, record: EventRecord) -> set[str]:
        """Editions whose standings an event (already applied) may change."""
        return self.state.touched(record)

    def fold(self, records: list[EventRecord], rows: TimelineRows) -> set[str]:
        """Fold a batch in, adding its rows to `rows`; return the editions whose standings it
        may change. An event the ranking state has no handler for (votes, rounds opened,
        ballots: most of the log) changes nothing but the position, so it is passed over."""
        handled, touched = HANDLERS, set()
        for record in records:
            if record.type in handled:
                self.apply(record, rows)
                touched |= self.state.touched(record)
        if records:
            self.state.position = records[-1].position
        return touched

    def apply_all(self, records: Iterable[EventRecord]) -> TimelineRows:
        """Fold events in order; return the rows they add."""
        rows = TimelineRows()
        for record in records:
            self.apply(record, rows)
        return rows


#: Each timeline table's columns in TimelineRows order, and the index of its position column.
COLUMNS = {
    "ranking_entities": ("kind, key, position, created, originator_id, value", 2),
    "ranking_claims": (
        "position, claim_id, originator_id, edition_id, city_id, indicator_id, points",
        0,
    ),
    "claim_statuses": ("claim_position, position, status", 1),
    "score_history": ("edition_id, city_id, indicator_id, position, points, claim_id", 3),
}


def as_rows(rows: TimelineRows) -> list[tuple[str, tuple[Any, ...]]]:
    """A batch's rows as (table, row) pairs, in the order they were made, to compare with
    stored ones."""
    return [
        *(("ranking_entities", r) for r in rows.entities),
        *(("ranking_claims", r) for r in rows.claims),
        *(("claim_statuses", r) for r in rows.statuses),
        *(("score_history", r) for r in rows.scores),
    ]


def timeline_rows(conn: Any) -> Iterable[tuple[int, str, tuple[Any, ...]]]:
    """Every stored timeline row as (position, table, row), in position order (for verify)."""
    exists = {
        str(r[0]) for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    }
    streams = []
    for table, (columns, at) in COLUMNS.items():
        if table not in exists:
            continue
        position = columns.split(", ")[at]
        cursor = conn.execute(f"SELECT {columns} FROM [{table}] ORDER BY {position}")
        streams.append(_tagged(cursor, table, at))
    return heapq.merge(*streams, key=lambda item: item[0])


def _tagged(
    rows: Iterable[tuple[Any, ...]], table: str, at: int
) -> Iterable[tuple[int, str, tuple[Any, ...]]]:
    return ((int(row[at]), table, tuple(row)) for row in rows)
