"""What `verify` checks of the read models: a replay of the log, compared as it goes with the
event index's copy of each event, the ranking checkpoints, and every published table."""

from __future__ import annotations

import json
import sqlite3
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ledger.errors import LedgerError
from ledger.integrity import Failure, IntegrityReport, RecordedPublication, verify_log
from ledger.published import table_digest
from ledger.records import EventRecord
from ledger.witnesses import INDEX_TABLE
from projections.event_index import instant_text
from projections.ranking import ranking
from projections.state import RankingState

if TYPE_CHECKING:
    from ledger.application import Ledger

#: The table of ranking checkpoints (projections.standings).
CHECKPOINTS = "checkpoints"

#: One copy of an event in the event index: position, type, time, originator id, version,
#: topic, stored text, data (JSON text).
IndexRow = tuple[int, str, str, str, int, str, str, str]


def verify_read_side(
    ledger: Ledger,
    read_models: sqlite3.Connection,
    on_row: Callable[[int], None] | None = None,
    fast: bool = True,
) -> IntegrityReport:
    """verify_log, plus the read models' copy of the log, the checkpoints and every published
    table compared with a replay of the log (what `cityledger verify` runs)."""
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

    def __init__(
        self,
        index: Iterable[IndexRow],
        checkpoints: Iterable[tuple[int, bytes]],
        pins: Iterable[tuple[int, Pin]],
    ) -> None:
        self.state = RankingState()
        self._index: Iterator[IndexRow] = iter(index)
        self._row = next(self._index, None)
        self._checkpoints: Iterator[tuple[int, bytes]] = iter(checkpoints)
        self._checkpoint = next(self._checkpoints, None)
        self.pins: dict[int, list[Pin]] = {}
        for position, pin in pins:
            self.pins.setdefault(position, []).append(pin)
        self.copies = self.checkpointed = self.tables = 0

    @classmethod
    def over(cls, conn: sqlite3.Connection, published: list[RecordedPublication]) -> ReplayCheck:
        """A check of the read models in `conn` (verify's snapshot) and of the publications."""
        pins = [p for p in (pin_of(*recorded) for recorded in published) if p is not None]
        return cls(_index_rows(conn), _checkpoints(conn), pins)

    def summary(self) -> str:
        """What was found equal to the replay."""
        return (
            f"read models: {self.copies} event copies and {self.checkpointed} checkpoint(s) "
            f"equal a replay, {self.tables} published table(s) match their digests"
        )

    def see(self, record: EventRecord) -> list[Failure]:
        """Apply one event of the log (in order) and compare what the read models hold there."""
        failures = self._compare_copy(record)
        self.state.apply(record)
        failures += self._compare_checkpoint(record.position)
        failures += self._compare_tables(record.position)
        return failures

    def finish(self, head: int) -> list[Failure]:
        """Checkpoints beyond the log's end (the event index's are the witnesses' business)."""
        failures: list[Failure] = []
        while self._checkpoint is not None:
            failures.append(
                (
                    head + 1,
                    f"the read models hold a checkpoint at position {self._checkpoint[0]}, "
                    f"beyond the log's end at {head}",
                )
            )
            self._checkpoint = next(self._checkpoints, None)
        for position, pins in self.pins.items():
            if position > head:
                failures += [
                    (p.at, f"{p.label} pins position {position}, beyond the log") for p in pins
                ]
        return failures

    def _compare_copy(self, record: EventRecord) -> list[Failure]:
        while self._row is not None and self._row[0] < record.position:
            self._row = next(self._index, None)  # not in the log: the witness check names it
        if self._row is None or self._row[0] != record.position:
            return []  # not indexed yet
        row, self._row = self._row, next(self._index, None)
        expected: tuple[Any, ...] = (
            record.type, instant_text(record.time), record.originator_id,
            record.originator_version, record.topic, record.stored,
        )  # fmt: skip
        names = ("type", "time", "originator_id", "originator_version", "topic", "stored")
        differ = [n for n, a, b in zip(names, row[1:7], expected, strict=True) if a != b]
        try:
            if json.loads(row[7]) != record.data:
                differ.append("data")
        except (TypeError, ValueError):
            differ.append("data")
        if differ:
            return [
                (
                    record.position,
                    f"the event index's copy of position {record.position} differs from the "
                    f"log ({', '.join(differ)})",
                )
            ]
        self.copies += 1
        return []

    def _compare_checkpoint(self, position: int) -> list[Failure]:
        if self._checkpoint is None or self._checkpoint[0] != position:
            return []
        blob, self._checkpoint = self._checkpoint[1], next(self._checkpoints, None)
        replayed = json.loads(zlib.decompress(self.state.to_blob()))
        try:
            held = json.loads(zlib.decompress(blob))
        except (zlib.error, TypeError, ValueError):
            held = None
        if held != replayed:
            return [
                (position, f"the ranking checkpoint at position {position} differs from a replay")
            ]
        self.checkpointed += 1
        return []

    def _compare_tables(self, position: int) -> list[Failure]:
        failures: list[Failure] = []
        for pin in self.pins.get(position, []):
            edition_id = self.state.owners.get(pin.edition_originator)
            for table, recorded in sorted(pin.table_digests.items()):
                try:
                    rows = ranking(self.state, str(edition_id), table)
                    computed: str | None = table_digest((r.city_id, r.band) for r in rows)
                except (LedgerError, KeyError):
                    computed = None
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


def pin_of(at: int, originator_id: str, data: dict[str, Any]) -> tuple[int, Pin] | None:
    """The table digests a RankingPublished event's data records (None: it records none)."""
    digests = data.get("table_digests")
    position = data.get("position")
    if not isinstance(digests, dict) or not digests or not isinstance(position, int):
        return None
    label = f"publication {data.get('publication_no')!s} recorded at position {at}"
    return position, Pin(at, label, originator_id, {str(k): str(v) for k, v in digests.items()})


def _exists(conn: sqlite3.Connection, table: str) -> bool:
    query = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
    return conn.execute(query, [table]).fetchone() is not None


def _index_rows(conn: sqlite3.Connection) -> Iterator[IndexRow]:
    """The event index's copy of the log, in position order (the query runs now)."""
    if not _exists(conn, INDEX_TABLE):
        return iter(())
    cursor = conn.execute(
        "SELECT position, type, time, originator_id, originator_version, topic, stored, data "
        f"FROM [{INDEX_TABLE}] ORDER BY position"
    )
    return (tuple(row) for row in cursor)  # type: ignore[misc]


def _checkpoints(conn: sqlite3.Connection) -> Iterator[tuple[int, bytes]]:
    """The ranking checkpoints, in position order (the query runs now)."""
    if not _exists(conn, CHECKPOINTS):
        return iter(())
    cursor = conn.execute(f"SELECT position, state FROM [{CHECKPOINTS}] ORDER BY position")
    return ((int(p), bytes(s)) for p, s in cursor)
