"""Storage failures named once: a library's database error becomes a StorageError subclass."""

from __future__ import annotations

import sqlite3

from eventsourcing.persistence import PersistenceError

from ledger.errors import Corrupt, Locked, ReadOnly, StorageError, StorageFull, Unavailable

#: What PostgreSQL's driver says of a connection the server dropped (it restarted, say): the
#: pool discards that connection, so the command may be tried again on another.
LOST = (
    "server closed the connection",
    "consuming input failed",
    "terminating connection",
    "the connection is closed",
    "the connection is lost",
    "no connection to the server",
)

UNREACHABLE = (
    "the database server cannot be reached (is PostgreSQL running, and are POSTGRES_HOST, "
    "POSTGRES_PORT, the user and the password right?)"
)

#: SQLite's and PostgreSQL's messages (lower case) and the error each stands for, most
#: specific first.
_MESSAGES: tuple[tuple[str, type[StorageError], str], ...] = (
    ("database or disk is full", StorageFull, "the disk or the database's size limit is full"),
    ("disk i/o error", StorageFull, "the disk refused a write (I/O error; is it full?)"),
    (
        "readonly database",
        ReadOnly,
        "the database is read-only (write access to the file and its directory is needed)",
    ),
    (
        "read-only",
        ReadOnly,
        "the database is read-only (write access to the file and its directory is needed)",
    ),
    ("database is locked", Locked, "another process held the write lock too long"),
    ("database table is locked", Locked, "another process held the write lock too long"),
    ("database is busy", Locked, "another process held the write lock too long"),
    # PostgreSQL gone: the pool found no connection in time, or lost the one it had.
    ("couldn't get a connection", Unavailable, UNREACHABLE),
    ("connection refused", Unavailable, UNREACHABLE),
    ("connection failed", Unavailable, UNREACHABLE),
    *((needle, Unavailable, UNREACHABLE) for needle in LOST),
    ("malformed", Corrupt, "the database file is damaged"),
    ("file is not a database", Corrupt, "the file is not a cityledger database"),
    ("file is encrypted", Corrupt, "the file is not a cityledger database"),
)

STORAGE_ERRORS = (PersistenceError, sqlite3.Error)


def storage_error(error: BaseException, doing: str = "the command") -> StorageError | None:
    """The StorageError a database failure stands for (None: not a storage failure)."""
    if not isinstance(error, STORAGE_ERRORS):
        return None
    text = str(error).lower()
    for needle, kind, what in _MESSAGES:
        if needle in text:
            return kind(f"{doing} could not be completed: {what} ({error})", field="database")
    return None


def lost_connection(error: BaseException) -> bool:
    """Whether a database failure is a pooled connection the server dropped (worth a retry
    on another connection), rather than a server that cannot be reached at all."""
    text = str(error).lower()
    return isinstance(error, STORAGE_ERRORS) and any(needle in text for needle in LOST)
