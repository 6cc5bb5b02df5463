"""ReadModel: the contract every read model keeps with the follower."""

from __future__ import annotations

import functools
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import fields
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from sqlite_utils import Database

from ledger.records import EventRecord

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

H = TypeVar("H")
V = TypeVar("V", bound="DataclassInstance")
K = TypeVar("K")
P = TypeVar("P")
#: `handles` of a model that records every event whatever its type.
EVERY_EVENT = frozenset({"*"})


def by_name(handlers: Mapping[type, H]) -> dict[str, H]:
    """Handlers keyed by event class, re-keyed by the type name an EventRecord carries."""
    return {event.__name__: handler for event, handler in handlers.items()}


def insert_row(db: Database, table: str, row: dict[str, Any], *, replace: bool = False) -> None:
    """Insert one row with a plain statement (insert_all introspects the table on every call)."""
    columns = ", ".join(f"[{c}]" for c in row)
    verb = "INSERT OR REPLACE" if replace else "INSERT"
    db.execute(
        f"{verb} INTO [{table}] ({columns}) VALUES ({', '.join('?' * len(row))})",
        list(row.values()),
    )


def insert_rows(db: Database, table: str, rows: Iterable[dict[str, Any]]) -> None:
    """Insert many rows of the same columns with one executemany."""
    batch = list(rows)
    if not batch:
        return
    columns = list(batch[0])
    names = ", ".join(f"[{c}]" for c in columns)
    db.conn.executemany(
        f"INSERT INTO [{table}] ({names}) VALUES ({', '.join('?' * len(columns))})",
        [[r[c] for c in columns] for r in batch],
    )


def rows(db: Database, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    """The rows of a query as dicts keyed by column name."""
    cursor = db.execute(sql, list(params))
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def marks(values: Sequence[Any]) -> str:
    """As many `?` placeholders as values, comma-separated."""
    return ",".join("?" * len(values))


def from_row(view: type[V], row: Mapping[str, Any], **decoded: Any) -> V:
    """A view built by name: its fields picked from the row, `decoded` values taking precedence
    (for columns stored as JSON or text that the view holds as tuples or Fractions)."""
    values = {**row, **decoded}
    return view(**{name: values[name] for name in _field_names(view)})


@functools.cache
def _field_names(view: type) -> tuple[str, ...]:
    """A view's field names (dataclasses.fields is slow enough to show in a page of rows)."""
    return tuple(f.name for f in fields(view))


#: Keys per `IN (...)` lookup: well under SQLite's limit on bound parameters.
CHUNK = 500


def rows_in(db: Database, sql: str, keys: Iterable[str]) -> list[tuple[Any, ...]]:
    """The rows of `sql` (ending in `IN ({})`) for the keys, one statement per CHUNK of them."""
    wanted = sorted(set(keys))
    found: list[tuple[Any, ...]] = []
    for i in range(0, len(wanted), CHUNK):
        chunk = wanted[i : i + CHUNK]
        found.extend(db.execute(sql.format(marks(chunk)), chunk).fetchall())
    return found


def grouped(found: Iterable[V], key: Callable[[V], K]) -> dict[K, list[V]]:
    """Views grouped by a key, each group in the order given."""
    out: dict[K, list[V]] = {}
    for view in found:
        out.setdefault(key(view), []).append(view)
    return out


def tracking_position(db: Database) -> int:
    """The position every read model has reached (0 before the first event)."""
    row = db.execute("SELECT MIN(position), COUNT(*) FROM projection_tracking").fetchone()
    return int(row[0] or 0) if row and row[1] else 0


class Prepared(Generic[P]):
    """What a model's prepare() read for one batch, kept until its apply() of that batch."""

    def __init__(self) -> None:
        self._records: list[EventRecord] | None = None
        self._value: P | None = None

    def keep(self, records: list[EventRecord], value: P) -> None:
        """Keep what was read for `records`."""
        self._records, self._value = records, value

    def take(self, records: list[EventRecord]) -> P:
        """What was read for exactly these records; forgotten after."""
        value, prepared = self._value, self._records is records
        self._records, self._value = None, None
        if not prepared:
            raise RuntimeError("apply() of records that prepare() did not read")
        return cast(P, value)


class ReadModel(ABC):
    """Tables derived from the log; applying the same events always yields the same rows."""

    #: Name under which the follower tracks this model's position.
    name: str
    #: Tables this model owns, dropped on rebuild.
    tables: tuple[str, ...]
    #: Tables an earlier version of this model owned: dropped with it, never created again.
    retired: tuple[str, ...] = ()
    #: Schema version of the tables and of what their rows mean. Bump it (one line, in the
    #: model) whenever a table, column, index or handler changes: on the next start the
    #: follower drops this model's tables and replays the log into them, on its own.
    version: int = 1
    #: The event types this model applies, and those it deliberately leaves alone: a test
    #: fails on an event type the ledger records that is in neither (EVERY_EVENT: all types).
    handles: frozenset[str]
    ignores: frozenset[str] = frozenset()

    @abstractmethod
    def create(self, db: Database) -> None:
        """Create the model's tables and indexes when missing."""

    def prepare(self, db: Database, records: list[EventRecord], after: int) -> None:
        """Read what applying `records` will need; `after` is this model's tracking position
        (a model holding its state from the batch before checks it against that, instead of
        querying). The follower prepares every model before any applies the batch, with the
        same records: a batch's reads never wait behind its writes, and apply() reads nothing
        that prepare() could have."""
        return None

    @abstractmethod
    def apply(self, db: Database, records: list[EventRecord]) -> None:
        """Apply events in ledger order (inside the follower's transaction)."""

    def flush(self, db: Database) -> None:
        """Write what `apply` deferred, before the follower's transaction commits (a rebuild
        is one transaction: rows that every batch would rewrite are written once)."""
        return None

    def drop(self, db: Database) -> None:
        """Drop the model's tables."""
        for table in (*self.tables, *self.retired):
            db.execute(f"DROP TABLE IF EXISTS [{table}]")

    def reset(self) -> None:
        """Forget any in-memory cache (after a drop)."""
        return None
