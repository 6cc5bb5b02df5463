"""What `verify` checks of the read models: a replay of the log, compared as it goes with the
event index's row of each event, the ranking timeline, and every published table."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from math import inf
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from ledger.errors import LedgerError
from ledger.integrity import Failure, IntegrityReport, RecordedPublication, verify_log
from ledger.published import table_digest
from ledger.records import EventRecord
from ledger.witnesses import INDEX_TABLE
from projections.event_index import BODIES, BODIES_VIEW
from projections.ranking import Support, indicator_support, ranking
from projections.standings import Standings
from projections.state import HANDLERS, RankingState
from projections.timeline import COLUMNS, Timeline, TimelineRows

if TYPE_CHECKING:
    from ledger.application import Ledger

#: One stored row of a ranking timeline table (projections.timeline): its position, the row.
TimelineRow = tuple[int, tuple[Any, ...]]

#: One event in the event index: position, type, time, originator id, version, and the topic
#: and stored text of the index's copy of its body (None where the body is the log's own row).
IndexRow = tuple[int, str, str, str, int, str | None, str | None]

#: The event types whose data the replay reads.
READS = frozenset(HANDLERS)

#: The read model that writes the ranking timeline.
TIMELINE_MODEL = Standings.name


def verify_read_side(
    ledger: Ledger,
    read_models: sqlite3.Connection,
    on_row: Callable[[int], None] | None = None,
    fast: bool = True,
) -> IntegrityReport:
    """verify_log, plus the read models' index of the log, the ranking timeline and every
    published table compared with a replay of the log (what `cityledger verify` runs)."""
    return verify_log(ledger, read_models, ReplayCheck.over, on_row, fast)


@dataclass(frozen=True)
class Pin:
    """A publication's recorded table digests, to compare at the position it pins."""

    at: int
    label: str
    edition_originator: str
    table_digests: dict[str, str]


class ReplayCheck:
    """Folds the log as verify walks it; reports where the read models or publications differ."""

    #: The fold reads an event's data only through its type's handler (the timeline's rows of
    #: claims submitted and cities registered too: both have one), so verify may leave the
    #: data of other events unread.
    reads = READS

    def __init__(
        self,
        index: Iterable[IndexRow],
        timeline: Sequence[Iterable[TimelineRow]],
        pins: Iterable[tuple[int, Pin]],
        folded: int | None = None,
    ) -> None:
        """`timeline`: each timeline table's stored rows in position order, in the order of
        TimelineRows's lists (entities, claims, statuses, scores)."""
        self.timeline = Timeline()
        # The position the stored timeline's model has folded (None: every position); past
        # it a lagging follower has written nothing yet, so nothing is what must be there.
        self.folded = folded
        self._rows = TimelineRows()  # one event's rows, emptied after each comparison
        self._index: Iterator[IndexRow] = iter(index)
        self._row = next(self._index, None)
        #: The position of the last index row compared (a second row there is a failure).
        self._indexed = 0
        self._tables = [_Stored(rows) for rows in timeline]
        self._due = _first(self._tables)  # the first position a stored row is at
        self.pins: dict[int, list[Pin]] = {}
        for position, pin in pins:
            self.pins.setdefault(position, []).append(pin)
        self.copies = self.checkpointed = self.tables = 0

    @classmethod
    def over(cls, conn: sqlite3.Connection, published: list[RecordedPublication]) -> ReplayCheck:
        """A check of the read models in `conn` (verify's snapshot) and of the publications."""
        pins = [p for p in (pin_of(*recorded) for recorded in published) if p is not None]
        return cls(_index_rows(conn), _timeline(conn), pins, _folded(conn, TIMELINE_MODEL))

    @property
    def state(self) -> RankingState:
        """The ranking state replayed so far."""
        return self.timeline.state

    def summary(self) -> str:
        """What was found equal to the replay."""
        return (
            f"read models: {self.copies} indexed events and {self.checkpointed} timeline row(s) "
            f"equal a replay, {self.tables} published table(s) match their digests"
        )

    def see(self, record: EventRecord) -> list[Failure]:
        """Apply one event of the log (in order) and compare what the read models hold there."""
        position, row = record.position, self._row
        if row is not None and row[0] == position and self._same(row, record):
            self._row = next(self._index, None)
            self._indexed = position
            self.copies += 1
            failures: list[Failure] = []
        else:
            failures = self._compare_copy(record)
        rows = self._rows
        try:
            self.timeline.apply(record, rows)
        except Exception as error:  # data no healthy log holds (a handler's KeyError, ...)
            # Named at its position (the audit keeps the earliest failure), not raised.
            for made in (rows.entities, rows.claims, rows.statuses, rows.scores):
                made.clear()
            return [*failures, (position, f"position {position} does not replay: {_said(error)}")]
        if rows.entities or rows.claims or rows.statuses or rows.scores or self._due <= position:
            failures += self._compare_timeline(position, rows)
        if position in self.pins:
            failures += self._compare_tables(position)
        return failures

    def _same(self, row: IndexRow, record: EventRecord) -> bool:
        """Whether the event index holds the event as the log does (the usual case, checked
        at once; _compare_copy says what differs)."""
        return (
            row[1] == record.type
            and row[2] == record.instant
            and row[3] == record.originator_id
            and row[4] == record.originator_version
            # The index's own copy of the body, where it keeps one, must be the log's.
            and (
                (row[5] is None and row[6] is None)
                or (row[5] == record.topic and row[6] == record.stored)
            )
        )

    def finish(self, head: int) -> list[Failure]:
        """Timeline rows beyond the log's end, index rows repeated at its last positions (the
        event index's other rows are the witnesses' business)."""
        failures = self._repeated(inf)
        beyond = {position for table in self._tables for position in table.rest()}
        failures += [
            (
                head + 1,
                f"the read models hold ranking timeline rows at position {position}, "
                f"beyond the log's end at {head}",
            )
            for position in sorted(beyond)
        ]
        # Rows at no position of the log: named where the witnesses name theirs (at their
        # position, or past the log's end where it is not an integer).
        strays = [position for table in self._tables for position in table.strays]
        failures += [
            (
                position if type(position) is int else head + 1,
                f"the read models hold ranking timeline rows at position {position!r}, "
                "which is not a position of the log",
            )
            for position in sorted(set(strays), key=repr)
        ]
        for position, pins in self.pins.items():
            if position > head:
                failures += [
                    (p.at, f"{p.label} pins position {position}, beyond the log") for p in pins
                ]
        return failures

    def _compare_copy(self, record: EventRecord) -> list[Failure]:
        failures = self._repeated(record.position)
        if self._row is None or self._row[0] != record.position:
            return failures  # not indexed yet
        row, self._row = self._row, next(self._index, None)
        self._indexed = record.position
        expected: tuple[Any, ...] = (
            record.type, record.instant, record.originator_id,
            record.originator_version,
        )  # fmt: skip
        names = ("type", "time", "originator_id", "originator_version")
        differ = [n for n, a, b in zip(names, row[1:5], expected, strict=True) if a != b]
        if row[6] is not None or row[5] is not None:
            differ += [
                n
                for n, a, b in (("topic", row[5], record.topic), ("stored", row[6], record.stored))
                if a != b
            ]
        if differ:
            return [
                *failures,
                (
                    record.position,
                    f"the event index's copy of position {record.position} differs from the "
                    f"log ({', '.join(differ)})",
                ),
            ]
        self.copies += 1
        return failures

    def _repeated(self, before: float) -> list[Failure]:
        """Pass the index rows before a position: a second row at the position compared last
        (its body table rebuilt to hold two copies of one: the witness sees one row there, and
        the reads that join the bodies would see both) is a failure; any other is at no
        position of the log, which the witness check names."""
        failures: list[Failure] = []
        while self._row is not None and self._row[0] < before:
            at = self._row[0]
            if at == self._indexed:
                failures.append((at, f"the event index holds position {at} more than once"))
            self._row = next(self._index, None)
        return failures

    def _compare_timeline(self, position: int, rows: TimelineRows) -> list[Failure]:
        """The stored timeline rows at a position against the replay's (then emptied), table
        by table."""
        made: tuple[list[Any], ...] = (rows.entities, rows.claims, rows.statuses, rows.scores)
        # Past the position the stored timeline's model has folded, none must be there yet.
        folded = self.folded is None or position <= self.folded
        same, count, taken = True, 0, False
        for table, replayed in zip(self._tables, made, strict=True):
            due = table.due <= position
            if not (replayed or due):
                continue  # neither made nor stored here (most tables at most positions)
            expected: list[Any] = replayed if folded else []
            held = table.take(position) if due else []
            taken = taken or due
            # Rows of one position come back in the order the replay makes them, as a rule;
            # the store keeps no order among them, so a different order is compared as a
            # multiset.
            if held != expected and sorted(held, key=repr) != sorted(expected, key=repr):
                same = False
            count += len(expected)
            replayed.clear()
        if taken:
            self._due = _first(self._tables)
        if not same:
            return [
                (position, f"the ranking timeline at position {position} differs from a replay")
            ]
        self.checkpointed += count
        return []

    def _compare_tables(self, position: int) -> list[Failure]:
        failures: list[Failure] = []
        for pin in self.pins.get(position, []):
            edition_id = self.state.owners.get(pin.edition_originator)
            support: dict[str, dict[str, Support]] | None = None  # the same for every table
            for table, recorded in sorted(pin.table_digests.items()):
                try:
                    if support is None:
                        support = indicator_support(self.state, str(edition_id))
                    rows = ranking(self.state, str(edition_id), table, support)
                    computed: str | None = table_digest((r.city_id, r.band) for r in rows)
                except LedgerError:
                    computed = None  # no such table, or no weights in force: no ranking
                except Exception as error:  # data no healthy log holds (a weight "x", ...)
                    failures.append(
                        (
                            pin.at,
                            f"{pin.label} records a {table} table, which the log does not rank "
                            f"at position {position}: {_said(error)}",
                        )
                    )
                    continue
                if computed != recorded:
                    failures.append(
                        (
                            pin.at,
                            f"{pin.label} records a {table} table whose digest "
                            f"({str(recorded)[:16]}…) is not the table the log gives at "
                            f"position {position} ({str(computed)[:16]}…)",
                        )
                    )
                else:
                    self.tables += 1
        return failures


def _said(error: Exception) -> str:
    """An error raised on data no healthy log holds, named in a line (its text cut short: it
    may quote the stored value)."""
    text = str(error)
    return f"{type(error).__name__} {text if len(text) <= 200 else text[:200] + '…'}"


def pin_of(at: int, originator_id: str, data: dict[str, Any]) -> tuple[int, Pin] | None:
    """The table digests a RankingPublished event's data records (None: it records none)."""
    digests = data.get("table_digests")
    position = data.get("position")
    if not isinstance(digests, dict) or not digests or not isinstance(position, int):
        return None
    label = f"publication {data.get('publication_no')!s} recorded at position {at}"
    return position, Pin(at, label, originator_id, {str(k): str(v) for k, v in digests.items()})


class _Stored:
    """One timeline table's stored rows, read in position order as the replay passes them."""

    def __init__(self, rows: Iterable[TimelineRow]) -> None:
        self._rows = iter(rows)
        #: The positions of rows at no position of the log: at or below 0 (passed before the
        #: first), or not an integer (a tampered read model; an as-of answer would read them).
        self.strays: list[Any] = []
        self.head: TimelineRow | None = None
        self.due: float = inf  # the head's position
        self._advance()

    def _advance(self) -> None:
        """Move to the next row at an integer position (setting aside those at none)."""
        for head in self._rows:
            if type(head[0]) is int:
                self.head, self.due = head, head[0]
                return
            self.strays.append(head[0])
        self.head, self.due = None, inf

    def take(self, position: int) -> list[tuple[Any, ...]]:
        """The rows at `position`, setting aside those before it (the replay passed every
        position of the log before it, so those are at none)."""
        taken: list[tuple[Any, ...]] = []
        while self.head is not None and self.head[0] <= position:
            if self.head[0] == position:
                taken.append(self.head[1])
            else:
                self.strays.append(self.head[0])
            self._advance()
        return taken

    def rest(self) -> Iterator[int]:
        """The positions of the rows not taken yet."""
        while self.head is not None:
            yield self.head[0]
            self._advance()


_DUE = attrgetter("due")


def _first(tables: Iterable[_Stored]) -> float:
    """The first position a stored timeline row not compared yet is at (inf: none)."""
    return min(map(_DUE, tables), default=inf)


def _timeline(conn: sqlite3.Connection) -> list[Iterator[TimelineRow]]:
    """Each ranking timeline table's rows as (position, row) in position order (no rows: no
    table), in the order of TimelineRows's lists (the queries run now)."""
    tables = {
        str(r[0]) for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    }
    streams: list[Iterator[TimelineRow]] = []
    for table, (columns, at) in COLUMNS.items():
        if table not in tables:
            streams.append(iter(()))
            continue
        position = columns.split(", ")[at]
        cursor = conn.execute(f"SELECT {columns} FROM [{table}] ORDER BY {position}")
        streams.append(_positioned(cursor, at))
    return streams


def _positioned(rows: Iterable[tuple[Any, ...]], at: int) -> Iterator[TimelineRow]:
    """Each row with its position as stored (_Stored sets aside one that is not an integer)."""
    return ((row[at], tuple(row)) for row in rows)


def _folded(conn: sqlite3.Connection, model: str) -> int | None:
    """The position a read model has folded (0: none yet); None without tracking, or where
    it is not an integer (then every position is compared: a tracking position only lets a
    lagging model off, so one that cannot be read lets none off)."""
    if not _exists(conn, "projection_tracking"):
        return None
    row = conn.execute(
        "SELECT position FROM projection_tracking WHERE model = ?", [model]
    ).fetchone()
    if row is None:
        return 0
    return row[0] if type(row[0]) is int else None


def _exists(conn: sqlite3.Connection, table: str) -> bool:
    query = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
    return conn.execute(query, [table]).fetchone() is not None


def _index_rows(conn: sqlite3.Connection) -> Iterator[IndexRow]:
    """The event index's copy of the log, in position order (the query runs now)."""
    if not _exists(conn, INDEX_TABLE):
        return iter(())
    # A copy of the bodies (read models in their own file) is compared; the index's own view
    # of the log's rows (the same SQLite file) is the log, and any other view is compared.
    found = conn.execute(
        "SELECT type, sql FROM sqlite_master WHERE name = ? AND type IN ('table', 'view')",
        [BODIES],
    ).fetchone()
    copied = found is not None and tuple(found) != (
        "view",
        f"CREATE VIEW {BODIES} AS {BODIES_VIEW}",
    )
    cursor = conn.execute(
        "SELECT e.position, e.type, e.time, e.originator_id, e.originator_version, "
        + (
            # (a body missing from the copy reads as '', which no stored event is)
            f"coalesce(b.topic, ''), coalesce(b.stored, '') FROM [{INDEX_TABLE}] e "
            f"LEFT JOIN [{BODIES}] b ON b.position = e.position "
            if copied
            else f"NULL, NULL FROM [{INDEX_TABLE}] e "
        )
        # A row at a position that is not an integer is the witness check's to name.
        + "WHERE typeof(e.position) = 'integer' ORDER BY e.position"
    )
    return iter(cursor)
