"""EventIndex: every event with its owner ids, its chain hash and a monotone time for as-of;
the page-of-events query over it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any, TypedDict, Unpack

from sqlite_utils import Database

from ledger.appeal import Appeal
from ledger.chain import GENESIS, link_canonical
from ledger.city import City
from ledger.claim import Claim
from ledger.config import LOG_TABLE
from ledger.doc import Doc
from ledger.edition import Edition
from ledger.errors import InvalidInput
from ledger.feedback import Feedback
from ledger.fields import Position
from ledger.framework import Framework
from ledger.receipt import Receipt
from ledger.records import ENVELOPE, EventRecord, with_canonical
from ledger.records import instant_text as instant_text
from ledger.verifier import Verifier
from ledger.weights import WeightSet
from ledger.witnesses import INDEX_TABLE, WITNESS_TABLE
from projections.model import (
    EVERY_EVENT,
    Prepared,
    ReadModel,
    by_name,
    from_row,
    marks,
    rows,
    rows_in,
)
from projections.view import View

# Which data keys name the owner of each creating event's aggregate.
OWNER_KEYS = by_name({
    City.CityRegistered: ("city", "city_id"),
    Framework.FrameworkDefined: ("framework", "framework_id"),
    WeightSet.WeightSetCreated: ("weight_set", "weight_set_id"),
    Verifier.VerifierEnrolled: ("verifier", "verifier_id"),
    Edition.EditionCreated: ("edition", "edition_id"),
    Claim.ClaimSubmitted: ("claim", "claim_id"),
    Appeal.AppealFiled: ("appeal", "appeal_id"),
    Feedback.FeedbackGiven: ("feedback", "feedback_id"),
    Receipt.ReceiptIssued: ("receipt", "key"),
})  # fmt: skip

#: (kind, owner key, edition id, city id) of an aggregate.
Owner = tuple[str | None, str | None, str | None, str | None]
_NO_OWNER: Owner = (None, None, None, None)

#: What the index reads before a batch: the chain's tip (position, hash, max_time), the
#: aggregates' owners, the owner rows the batch creates, the positions the witness holds.
_Reads = tuple[tuple[int, str, str], dict[str, Owner], list[tuple[str, *Owner]], set[int]]

#: Where the event index reads an event's stored body: the log's own table when the read
#: models share its SQLite file (no copy), else a copy the index keeps.
BODIES = "event_bodies"
#: `event_bodies` where the log shares the file: a view of the log's own rows (verify compares
#: the bodies of any other view, or of a table, with the log).
BODIES_VIEW = f"SELECT rowid AS position, topic, CAST(state AS TEXT) AS stored FROM {LOG_TABLE}"


def event_data(stored: str | bytes, data: str | None) -> dict[str, Any]:
    """An event's data from its stored body (or from the index's `data` where it keeps it:
    events that do not decode as their stored JSON)."""
    if data is not None:
        return dict(json.loads(data))
    attrs = json.loads(stored)
    for key in (*ENVELOPE, "class_version"):
        attrs.pop(key, None)
    return dict(attrs)


def data_text(stored: str | bytes, data: str | None) -> str:
    """An event's data as canonical JSON text (sorted keys), as the API shows it."""
    return json.dumps(event_data(stored, data), ensure_ascii=False, sort_keys=True)


#: The columns the event filters use, each with an index.
INDEXED = ("type", "edition_id", "city_id", "time")


class EventIndex(ReadModel):
    """The `events` table: each event's position, type, time, owner ids and chain hash.

    The index holds no copy of an event's body where the log's own table is in the same
    SQLite file: `event_bodies` is then a view of it. Only on another engine (PostgreSQL) does
    it keep the stored bodies, once, as they were read (never re-encoded). `data` is kept
    only for an event whose data is not its stored JSON (an upcast class).
    """

    name = "event_index"
    tables = (INDEX_TABLE, "event_owners", BODIES)
    handles = EVERY_EVENT
    #: Bump on any change to the tables or handlers (the follower then replays this model).
    version = 2

    def __init__(self) -> None:
        #: Whether `event_bodies` is a table this model fills (no log in the same file).
        self.copies_bodies = False
        #: (position, hash, max_time) of the last event appended, as this model wrote it.
        self._tip: tuple[int, str, str] | None = None
        self._prepared: Prepared[_Reads] = Prepared()

    def create(self, db: Database) -> None:
        """Create `events`, `event_owners` and `event_bodies`."""
        db.execute(
            "CREATE TABLE IF NOT EXISTS events (position INTEGER PRIMARY KEY, type TEXT NOT NULL, "
            "time TEXT NOT NULL, max_time TEXT NOT NULL, originator_id TEXT NOT NULL, "
            "originator_version INTEGER NOT NULL, kind TEXT, owner_key TEXT, edition_id TEXT, "
            "city_id TEXT, data TEXT, hash TEXT NOT NULL)"
        )
        self.copies_bodies = not db.table(LOG_TABLE).exists()
        if self.copies_bodies:
            db.execute(
                f"CREATE TABLE IF NOT EXISTS {BODIES} (position INTEGER PRIMARY KEY, "
                "topic TEXT NOT NULL, stored TEXT NOT NULL)"
            )
        else:
            db.execute(f"CREATE VIEW IF NOT EXISTS {BODIES} AS {BODIES_VIEW}")
        db.execute(
            "CREATE TABLE IF NOT EXISTS event_owners (originator_id TEXT PRIMARY KEY, "
            "kind TEXT NOT NULL, owner_key TEXT NOT NULL, edition_id TEXT, city_id TEXT)"
        )
        # No index on max_time: it never decreases, so as-of-instant binary-searches positions.
        db.execute("DROP INDEX IF EXISTS idx_events_max_time")
        # Into an empty index (a new file, a rebuild) the indexes are built once, at the
        # transaction's end, from the whole table: sorting once beats growing them row by row.
        if db.execute("SELECT 1 FROM events LIMIT 1").fetchone() is not None:
            self.flush(db)
        self._create_witness(db)

    def _create_witness(self, db: Database) -> None:
        """Create `chain_witness` (not in `tables`, so a rebuild keeps it) and seed it once."""
        fresh = not db.table(WITNESS_TABLE).exists()
        db.execute(
            f"CREATE TABLE IF NOT EXISTS {WITNESS_TABLE} "
            "(position INTEGER PRIMARY KEY, hash TEXT NOT NULL)"
        )
        for action in ("UPDATE", "DELETE"):
            db.execute(
                f"CREATE TRIGGER IF NOT EXISTS {WITNESS_TABLE}_no_{action.lower()} BEFORE {action} "
                f"ON {WITNESS_TABLE} "
                f"BEGIN SELECT RAISE(ABORT, '{WITNESS_TABLE} is append-only'); END"
            )
        if fresh:
            db.execute(
                f"INSERT OR IGNORE INTO {WITNESS_TABLE} (position, hash) "
                "SELECT position, hash FROM events"
            )

    def prepare(self, db: Database, records: list[EventRecord], after: int) -> None:
        """Read the chain's tip, the owners of the batch's aggregates and the witness's
        positions, before any model writes the batch."""
        self._prepared.keep(records, self._read(db, records, after))

    def _read(self, db: Database, records: list[EventRecord], after: int) -> _Reads:
        tip = self._tip
        if tip is None or tip[0] != after:
            last = db.execute(
                "SELECT position, hash, max_time FROM events ORDER BY position DESC LIMIT 1"
            ).fetchone()
            tip = (int(last[0]), str(last[1]), str(last[2])) if last else (0, GENESIS, "")
        owners, created = self._owners(db, records)
        # First sighting wins: a rebuild from a tampered log cannot overwrite the witness.
        # One range read says which positions it holds already (on a rebuild: all of them).
        seen = {
            p
            for (p,) in db.conn.execute(
                f"SELECT position FROM {WITNESS_TABLE} WHERE position BETWEEN ? AND ?",
                [records[0].position, records[-1].position],
            )
        }
        return tip, owners, created, seen

    def reset(self) -> None:
        """Forget the chain's tip."""
        self._tip = None

    def apply(self, db: Database, records: list[EventRecord]) -> None:
        """Append the records, chaining each hash to the one before it (no per-event query)."""
        reads = self._prepared.take(records)
        (_, previous, max_time), owners, created, seen = reads
        if created:
            db.conn.executemany(
                "INSERT OR REPLACE INTO event_owners "
                "(originator_id, kind, owner_key, edition_id, city_id) VALUES (?, ?, ?, ?, ?)",
                created,
            )
        rows = []
        with_canonical(records)
        for r in records:
            kind, owner_key, edition_id, city_id = owners.get(r.originator_id, _NO_OWNER)
            previous = link_canonical(previous, r.canonical)
            time = r.instant
            if time > max_time:
                max_time = time
            rows.append(
                (
                    r.position, r.type, time, max_time, r.originator_id, r.originator_version,
                    kind, owner_key, edition_id, city_id,
                    None if r.plain else json.dumps(r.data, ensure_ascii=False, sort_keys=True),
                    previous,
                )
            )  # fmt: skip
        db.conn.executemany(
            "INSERT INTO events (position, type, time, max_time, originator_id, "
            "originator_version, kind, owner_key, edition_id, city_id, data, hash) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        if self.copies_bodies:
            db.conn.executemany(
                f"INSERT INTO {BODIES} (position, topic, stored) VALUES (?, ?, ?)",
                [(r.position, r.topic, r.stored) for r in records],
            )
        db.conn.executemany(
            f"INSERT OR IGNORE INTO {WITNESS_TABLE} (position, hash) VALUES (?, ?)",
            [(row[0], row[-1]) for row in rows if row[0] not in seen],
        )
        self._tip = (records[-1].position, previous, max_time)

    def flush(self, db: Database) -> None:
        """Create the filter indexes if missing (a no-op but after create() on an empty table)."""
        for column in INDEXED:
            db.execute(f"CREATE INDEX IF NOT EXISTS idx_events_{column} ON events ({column})")

    def drop(self, db: Database) -> None:
        """Drop the index's tables (and the view of the log's bodies)."""
        kinds = dict(
            db.execute("SELECT name, type FROM sqlite_master WHERE type IN ('table', 'view')")
        )
        for name in self.tables:
            kind = kinds.get(name)
            if kind is not None:
                db.execute(f"DROP {'VIEW' if kind == 'view' else 'TABLE'} [{name}]")

    def _owners(
        self, db: Database, records: list[EventRecord]
    ) -> tuple[dict[str, Owner], list[tuple[str, *Owner]]]:
        """Each record's aggregate owner (created in the batch, or one query for the rest),
        and the owner rows the batch creates."""
        owners: dict[str, Owner] = {}
        created: list[tuple[str, *Owner]] = []
        for r in records:
            spec = OWNER_KEYS.get(r.type)
            if spec is not None:
                kind, key_field = spec
                owner = (
                    kind,
                    str(r.data[key_field]),
                    r.data.get("edition_id"),
                    r.data.get("city_id"),
                )
                owners[r.originator_id] = owner
                created.append((r.originator_id, *owner))
        found = rows_in(
            db,
            "SELECT originator_id, kind, owner_key, edition_id, city_id FROM event_owners "
            "WHERE originator_id IN ({})",
            {r.originator_id for r in records} - set(owners),
        )
        for oid, kind, key, edition_id, city_id in found:
            owners[str(oid)] = (kind, key, edition_id, city_id)
        return owners, created


#: The most events one page holds.
MAX_PAGE = 100


class EventAt(View):
    """An event by its place in the log and its type."""

    position: Position
    type: Annotated[str, Doc("Event type, like ClaimSubmitted.")]


class LoggedEvent(EventAt):
    """An event of the log: where it stands, what it is, its aggregate and its own data."""

    time: Annotated[str, Doc("When it occurred (ISO 8601, UTC).")]
    hash: Annotated[str, Doc("Chain hash up to and including this event.")]
    originator_id: Annotated[str, Doc("Aggregate UUID.")]
    originator_version: Annotated[int, Doc("Aggregate version.")]
    edition_id: Annotated[str | None, Doc("Edition it concerns, if any.")]
    data: Annotated[str, Doc("The event's own data.")]


class EventView(LoggedEvent):
    """One event of the log, decoded."""

    city_id: Annotated[str | None, Doc("City it concerns, if any.")]


class EventPage(View):
    """A page of events and whether more follow."""

    events: tuple[EventView, ...]
    has_next: bool


class EventFilter(TypedDict, total=False):
    """What `events` and `event_count` filter on; every filter given must match."""

    types: Sequence[str] | None
    edition_id: str | None
    city_id: str | None
    #: Events that occurred at or after / at or before these instants.
    since: datetime | None
    until: datetime | None


def _event_filter(after: int, f: EventFilter) -> tuple[str, list[Any]]:
    """The WHERE clause and parameters of an event filter."""
    where: list[str] = ["position > ?"]
    params: list[Any] = [after]
    types = f.get("types")
    if types:
        where.append(f"type IN ({marks(types)})")
        params.extend(types)
    for column in ("edition_id", "city_id"):
        value = f.get(column)
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    for column, bound in (("since", ">="), ("until", "<=")):
        moment = f.get(column)
        if isinstance(moment, datetime):
            where.append(f"time {bound} ?")
            params.append(instant_text(moment))
    return " AND ".join(where), params


def events(
    db: Database, *, after: int = 0, first: int = MAX_PAGE, **filters: Unpack[EventFilter]
) -> EventPage:
    """A page of the log after a position, filtered by type, edition, city and time range."""
    if not 1 <= first <= MAX_PAGE:
        raise InvalidInput(
            f"first {first} is out of range 1..{MAX_PAGE}", field="first", value=first
        )
    where, params = _event_filter(after, filters)
    sql = (
        "SELECT e.position, e.type, e.time, e.originator_id, e.originator_version, e.edition_id, "
        "e.city_id, e.data, e.hash, b.stored FROM (SELECT * FROM events "
        f"WHERE {where} ORDER BY position LIMIT ?) e "
        "JOIN event_bodies b ON b.position = e.position ORDER BY e.position"
    )
    found = rows(db, sql, [*params, first + 1])
    # The data is decoded from the stored body now, for this page only.
    page = tuple(
        from_row(EventView, r | {"data": data_text(r.pop("stored"), r["data"])})
        for r in found[:first]
    )
    return EventPage(events=page, has_next=len(found) > first)


def event_count(db: Database, **filters: Unpack[EventFilter]) -> int:
    """How many events of the whole log match the filters (as `events` takes them)."""
    where, params = _event_filter(0, filters)
    return int(db.execute(f"SELECT COUNT(*) FROM events WHERE {where}", params).fetchone()[0])
