"""The read-model database: a sqlite-utils Database with write transactions that wait their turn."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlite_utils import Database

from ledger.config import prepare, read_model_path


def open_db(path: Path | None = None) -> Database:
    """Open a connection to the read models (WAL, autocommit, 30 s busy timeout, any thread)."""
    target = prepare(path or read_model_path())
    # Autocommit: a read never holds a transaction open; writes use write_transaction().
    conn = sqlite3.connect(str(target), timeout=30, check_same_thread=False, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    # Read models are derived: in WAL a commit need not wait for fsync (a power cut may lose
    # the latest batches, never half of one; the follower re-applies them from the log).
    conn.execute("PRAGMA synchronous=NORMAL")
    # No sqlite-utils plugins are used: skip its scan of every installed package's entry points.
    return Database(conn, execute_plugins=False)


@contextmanager
def write_transaction(db: Database) -> Iterator[Database]:
    """BEGIN IMMEDIATE … COMMIT: take the write lock up front so two followers never interleave."""
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        # SQLite has already rolled back after some errors (a full disk, for one); a second
        # ROLLBACK would fail and hide the error that matters.
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    db.conn.execute("COMMIT")
