"""Overlapped writes: a rebuild's bulk inserts run on a second thread while the next batch is
decoded and folded, so SQLite's work (which releases the GIL) uses the second core."""

from __future__ import annotations

import queue
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, cast

from sqlite_utils import Database

#: What the writer is handed: a statement and its rows, or None to stop.
_Job = tuple[str, Sequence[Any]] | None


class _Writer:
    """One thread running `executemany` jobs in the order given, on one connection."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.jobs: queue.Queue[_Job] = queue.Queue()
        #: Jobs handed over and not finished; the first failure (later jobs are skipped).
        self.pending = 0
        self.idle = threading.Condition()
        self.error: BaseException | None = None
        #: Set when the caller failed: the queued jobs are skipped (the transaction rolls back).
        self.abandoned = False
        self.thread = threading.Thread(target=self._run, name="cityledger-rebuild-writes")
        self.thread.start()

    def _run(self) -> None:
        while (job := self.jobs.get()) is not None:
            sql, rows = job
            try:
                if self.error is None and not self.abandoned:
                    self.conn.executemany(sql, rows)
            except BaseException as error:  # handed to the caller at its next call
                self.error = error
            with self.idle:
                self.pending -= 1
                if self.pending == 0:
                    self.idle.notify_all()

    def submit(self, sql: str, rows: Sequence[Any]) -> None:
        """Queue one executemany (after the failure of an earlier one: raise it)."""
        self.raise_error()
        with self.idle:
            self.pending += 1
        self.jobs.put((sql, rows))

    def drain(self) -> None:
        """Wait until every queued job has run; raise the first failure."""
        with self.idle:
            while self.pending:
                self.idle.wait()
        self.raise_error()

    def raise_error(self) -> None:
        """Raise the failure of a queued job, once."""
        if self.error is not None:
            error, self.error = self.error, None
            raise error

    def stop(self) -> None:
        """Let the queued jobs finish, then end the thread."""
        self.jobs.put(None)
        self.thread.join()


class _OverlappedConnection:
    """A connection whose `executemany` is queued for the writer thread; everything else
    (a read, a single statement, COMMIT) first waits for the queue to empty, so it sees every
    earlier write and never runs beside one: the connection is used by one thread at a time."""

    def __init__(self, conn: sqlite3.Connection, writer: _Writer) -> None:
        self._conn = conn
        self._writer = writer

    def executemany(self, sql: str, rows: Iterable[Any]) -> None:
        """Queue the statement (its rows taken now, so the caller may reuse what it passed)."""
        self._writer.submit(sql, rows if isinstance(rows, list) else list(rows))

    def __getattr__(self, name: str) -> Any:
        self._writer.drain()
        return getattr(self._conn, name)


@contextmanager
def overlapped_writes(db: Database) -> Iterator[Database]:
    """Within the block, `db.conn.executemany` runs on a writer thread, in order, while the
    caller goes on; any other use of the connection waits for it first. On leaving, every
    queued write has run (or the first failure is raised)."""
    conn = db.conn
    writer = _Writer(conn)
    db.conn = cast(sqlite3.Connection, _OverlappedConnection(conn, writer))
    try:
        yield db
        writer.drain()
    except BaseException:
        writer.abandoned = True
        raise
    finally:
        writer.stop()
        db.conn = conn
