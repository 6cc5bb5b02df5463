"""BatchRows: the rows of one table that a batch of events creates or changes, held in memory
and written once at the batch's end (no query per event)."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable, Container, Iterable
from typing import Any, Generic, TypeVar

from sqlite_utils import Database

from ledger.records import EventRecord
from projections.model import Prepared, ReadModel, rows_in

Row = dict[str, Any]


class BatchRows:
    """One table's rows touched by a batch: those created in it are inserted in the order they
    were created; those of earlier batches are read once (one query per CHUNK keys) and
    updated once, in the columns `changes` names. Appended rows (`append`) are only inserted.
    """

    def __init__(
        self, table: str, columns: tuple[str, ...], key: tuple[str, ...], changes: tuple[str, ...]
    ) -> None:
        self.table, self.columns, self.key, self.changes = table, columns, key, changes
        self.rows: dict[Any, Row] = {}
        self.new: list[Any] = []
        self.changed: set[Any] = set()
        self.appended: list[tuple[Any, ...]] = []

    def key_of(self, row: Row) -> Any:
        """A row's key: its one key column's value, or a tuple of them."""
        if len(self.key) == 1:
            return row[self.key[0]]
        return tuple(row[c] for c in self.key)

    def load(self, db: Database, column: str, values: Iterable[Any]) -> list[Row]:
        """Read the stored rows whose `column` is among `values`; return them."""
        sql = f"SELECT {', '.join(self.columns)} FROM [{self.table}] WHERE [{column}] IN ({{}})"
        found = [dict(zip(self.columns, row, strict=True)) for row in rows_in(db, sql, values)]
        for row in found:
            self.rows[self.key_of(row)] = row
        return found

    def add(self, row: Row) -> None:
        """A row created in this batch."""
        key = self.key_of(row)
        self.rows[key] = row
        self.new.append(key)

    def append(self, values: tuple[Any, ...]) -> None:
        """A row that no later event changes, as values in `columns` order."""
        self.appended.append(values)

    def __getitem__(self, key: Any) -> Row:
        """A row to change (KeyError: neither created in the batch nor read)."""
        row = self.rows[key]
        self.changed.add(key)
        return row

    def write(self, db: Database) -> None:
        """Insert the new rows and update the changed ones, one executemany per statement."""
        conn, columns = db.conn, self.columns
        insert = (
            f"INSERT INTO [{self.table}] ({', '.join(columns)}) "
            f"VALUES ({', '.join('?' * len(columns))})"
        )
        if self.new:
            conn.executemany(insert, [[self.rows[k][c] for c in columns] for k in self.new])
        if self.appended:
            conn.executemany(insert, self.appended)
        fresh = set(self.new)
        stale = sorted(k for k in self.changed if k not in fresh)
        if stale:
            sets = ", ".join(f"{c} = ?" for c in self.changes)
            where = " AND ".join(f"{c} = ?" for c in self.key)
            conn.executemany(
                f"UPDATE [{self.table}] SET {sets} WHERE {where}",
                [[self.rows[k][c] for c in (*self.changes, *self.key)] for k in stale],
            )


class AggregateBatch:
    """What a batch of events does to one kind of aggregate's tables: its own table (a row per
    aggregate, keyed by its id, found by its aggregate id), its review rounds and the rows only
    appended (votes...). The rows of aggregates created in earlier batches that the batch
    changes are read once, with their rounds."""

    def __init__(
        self,
        db: Database,
        records: list[EventRecord],
        *,
        main: BatchRows,
        rounds: BatchRows,
        appended: tuple[BatchRows, ...],
        created: str,
        changed_by: Container[str],
    ) -> None:
        self.main, self.rounds = main, rounds
        self.tables = (main, rounds, *appended)
        #: The aggregate's id (claim id, appeal id) by aggregate id.
        self.ids: dict[str, str] = {}
        fresh = {r.originator_id for r in records if r.type == created}
        earlier = {r.originator_id for r in records if r.type in changed_by} - fresh
        if earlier:
            key = main.key[0]
            for row in main.load(db, "originator_id", earlier):
                self.ids[str(row["originator_id"])] = str(row[key])
            rounds.load(db, rounds.key[0], self.ids.values())

    def add(self, row: Row) -> None:
        """The row of an aggregate created in this batch."""
        self.main.add(row)
        self.ids[str(row["originator_id"])] = str(row[self.main.key[0]])

    def write(self, db: Database) -> None:
        """Write each table once."""
        for table in self.tables:
            table.write(db)


B = TypeVar("B", bound=AggregateBatch)


class BatchedModel(ReadModel, Generic[B]):
    """A read model that folds each batch of its events in an AggregateBatch: the rows of
    earlier batches that the batch changes are read in prepare(), every table written once at
    the end of apply(); a batch without any of its events is neither read nor written."""

    #: The batch of the model's tables, made from the records (rows of earlier batches read).
    batch: Callable[[Database, list[EventRecord]], B]

    def __init__(self) -> None:
        self._prepared: Prepared[B] = Prepared()

    @abstractmethod
    def fold(self, batch: B, records: list[EventRecord]) -> None:
        """Fold the records' events into the batch's rows, in memory."""

    def _touched(self, records: list[EventRecord]) -> bool:
        handles = self.handles
        return any(r.type in handles for r in records)

    def prepare(self, db: Database, records: list[EventRecord], after: int) -> None:
        """Read the rows of earlier batches that this batch changes."""
        if self._touched(records):
            self._prepared.keep(records, self.batch(db, records))

    def apply(self, db: Database, records: list[EventRecord]) -> None:
        """Fold the batch's events in memory, then write each table once."""
        if not self._touched(records):
            return
        batch = self._prepared.take(records)
        self.fold(batch, records)
        batch.write(db)
