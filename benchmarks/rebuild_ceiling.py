"""The rebuild's ceiling: what a rebuild would cost if its read models took no time at all.

A rebuild must read and decode the log and write the read models' rows. Timing exactly that (the
log read and decoded in the rebuild's batches, the rows of a finished rebuild written again from
memory into freshly created tables, indexes built, one commit, with the rebuild's own settings)
bounds any rebuild from above, beside the same limit as the rebuild itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cityledger.bootstrap import Runtime
from projections.follower import REBUILD_BATCH, paused_gc, rebuild_settings
from projections.store import write_transaction


class RowsWritten:
    """The read models' tables of a finished rebuild, as rows, with their schema and indexes."""

    def __init__(self, rt: Runtime) -> None:
        db = rt.db
        kinds = dict(db.execute("SELECT name, type FROM sqlite_master").fetchall())
        #: Each table the models own (not views), with its CREATE statement and its rows.
        self.tables: list[tuple[str, str, list[tuple[Any, ...]]]] = [
            (
                name,
                str(
                    db.execute("SELECT sql FROM sqlite_master WHERE name = ?", [name]).fetchone()[0]
                ),
                db.execute(f"SELECT * FROM [{name}]").fetchall(),
            )
            for model in rt.follower.models
            for name in model.tables
            if kinds.get(name) == "table"
        ]
        names = [name for name, _, _ in self.tables]
        #: The indexes on them that were created by a statement (not by a key).
        self.indexes: list[str] = [
            str(sql)
            for (sql,) in db.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                f"AND tbl_name IN ({','.join('?' * len(names))})",
                names,
            )
        ]

    def rows(self) -> int:
        """How many rows a rebuild writes."""
        return sum(len(rows) for _, _, rows in self.tables)

    def write_again(self, rt: Runtime) -> None:
        """Drop the tables and write the same rows back, as a rebuild's one transaction does."""
        db = rt.db
        with rebuild_settings(db), paused_gc(), write_transaction(db):
            for name, _, _ in self.tables:
                db.execute(f"DROP TABLE [{name}]")
            for name, schema, rows in self.tables:
                db.execute(schema)
                if rows:
                    marks = ",".join("?" * len(rows[0]))
                    db.conn.executemany(f"INSERT INTO [{name}] VALUES ({marks})", rows)
            for statement in self.indexes:
                db.execute(statement)


def read_and_decode(rt: Runtime) -> int:
    """Read and decode the whole log as a rebuild does (its batches, the collector paused)."""
    count, after = 0, 0
    with paused_gc():
        while batch := rt.ledger.records(after=after, limit=REBUILD_BATCH):
            count += len(batch)
            after = batch[-1].position
    return count


def ceiling(rt: Runtime) -> Callable[[], int]:
    """One run of the ceiling (after a rebuild): read and decode the log, write its rows again;
    returns the events read."""
    written = RowsWritten(rt)

    def run() -> int:
        count = read_and_decode(rt)
        written.write_again(rt)
        return count

    return run
