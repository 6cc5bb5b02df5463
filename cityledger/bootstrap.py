"""Runtime: one Ledger, one read-model database and the follower that keeps it current."""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ledger.config import (
    LOG_TABLE,
    database_path,
    read_model_path,
    read_only_uri,
    uses_postgres,
)
from ledger.errors import Corrupt, CorruptDatabase, InvalidInput, ReadOnly

if TYPE_CHECKING:
    from sqlite_utils import Database

    from ledger.application import Ledger
    from projections.follower import Follower

# The write side, the read models and sqlite-utils are imported by the functions that open
# them: a command that fails on its arguments, or never opens the ledger, starts without them.


@dataclass
class Runtime:
    """What every entry point (CLI, API, tests) needs: write side, read side, follower.

    `db` is for reads; the follower writes through a connection of its own, so that a read
    never sees a batch half applied (WAL gives each connection a committed snapshot).
    """

    ledger: Ledger
    db: Database
    follower: Follower

    def catch_up(self) -> int:
        """Bring the read models up to the ledger's head; return the position reached."""
        return self.follower.catch_up()

    def close(self) -> None:
        """Close the read-model connection and the ledger's recorder."""
        self.db.close()
        self.follower.db.close()
        self.ledger.close()


@dataclass
class Reader:
    """A ledger and its read models opened to read only: nothing is created or written."""

    ledger: Ledger
    db: Database

    def close(self) -> None:
        """Close both connections."""
        self.db.close()
        self.ledger.close()


def open_reader(db_path: Path | None = None) -> Reader:
    """Open an existing ledger and its read models without creating or writing anything."""
    from eventsourcing.persistence import PersistenceError
    from eventsourcing.sqlite import SQLiteApplicationRecorder
    from sqlite_utils import Database

    from ledger.application import Ledger

    require_database(db_path)
    path = None if db_path is None and uses_postgres() else db_path or database_path()
    read_path = path if path is not None else read_model_path()
    require_database(read_path)
    try:
        # CREATE_TABLE=false: the recorder creates no table; log and read models open read-only.
        env = {"CREATE_TABLE": "false"}
        if path is not None:
            env["SQLITE_DBNAME"] = read_only_uri(path)
        ledger = Ledger(path, env=env)
        recorder = ledger.recorder
        if isinstance(recorder, SQLiteApplicationRecorder):
            # eventsourcing switches a file to WAL on its first connection: a write to the
            # file's header, refused on a read-only connection. Leave the mode as it is.
            recorder.datastore.pool.is_journal_mode_wal = True
        conn = sqlite3.connect(
            read_only_uri(read_path),
            uri=True,
            timeout=30,
            check_same_thread=False,
            isolation_level=None,
        )
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master").fetchall()}
    except (sqlite3.DatabaseError, PersistenceError) as error:
        raise CorruptDatabase(
            f"cannot read {str(read_path)!r} as a ledger database: {error}",
            field="CITYLEDGER_DB",
            value=str(read_path),
        ) from None
    log_table = (
        recorder.events_table_name if isinstance(recorder, SQLiteApplicationRecorder) else None
    )
    if path is not None and log_table is not None and log_table not in tables:
        conn.close()
        ledger.close()
        raise InvalidInput(
            f"the database {str(path)!r} holds no events: it is not a ledger",
            field="CITYLEDGER_DB",
            value=str(path),
        )
    return Reader(ledger, Database(conn, execute_plugins=False))


def open_runtime(db_path: Path | None = None) -> Runtime:
    """Open the ledger at db_path (default: CITYLEDGER_DB or var/) and its read models."""
    from eventsourcing.persistence import PersistenceError

    from ledger.storage import storage_error

    if db_path is not None or not uses_postgres():
        refuse_foreign_database(db_path or database_path())
    try:
        return _open(db_path)
    except (sqlite3.DatabaseError, PersistenceError) as error:
        # Translated once, here: a full disk, a read-only file or a held lock by their own
        # codes; otherwise a file that is not a cityledger database, or unreadable.
        on_postgres = db_path is None and uses_postgres() and isinstance(error, PersistenceError)
        # The SQLite file is the ledger's, or on PostgreSQL the read models'.
        file = db_path or (read_model_path() if uses_postgres() else database_path())
        where = _postgres_database() if on_postgres else repr(str(file))
        named = storage_error(error, f"opening the ledger in {where}")
        if named is not None and on_postgres:
            # The pool says only that it got no connection; the server says why.
            raise type(named)(
                f"cannot connect to {_postgres_database()}: {_postgres_says()} (check that "
                "PostgreSQL runs, and POSTGRES_HOST, POSTGRES_PORT, POSTGRES_DBNAME, "
                "POSTGRES_USER and POSTGRES_PASSWORD)",
                field="POSTGRES_HOST",
            ) from None
        if named is not None and not isinstance(named, Corrupt):
            raise named from None
        if on_postgres:
            raise InvalidInput(
                f"cannot use {_postgres_database()} as the ledger's log: {error} (a database "
                "of another application, or a role without the rights to create a table?)",
                field="POSTGRES_DBNAME",
            ) from None
        if not os.access(file.parent, os.W_OK):
            # SQLite says only "unable to open": it could not create the -wal or -shm file.
            raise ReadOnly(
                f"cannot open {str(file)!r} to write: its directory is read-only (cityledger "
                "writes the file and its -wal and -shm files beside it; `cityledger verify` "
                "checks a read-only copy in place)",
                field="CITYLEDGER_DB",
                value=str(file),
            ) from None
        raise InvalidInput(
            f"cannot use {str(file)!r} as the ledger database: {error}", field="CITYLEDGER_DB"
        ) from None


def _postgres_database() -> str:
    """The PostgreSQL database the environment names, as errors name it."""
    env = os.environ
    return (
        f"the PostgreSQL database {env.get('POSTGRES_DBNAME', '')!r} on "
        f"{env.get('POSTGRES_HOST', '')}:{env.get('POSTGRES_PORT') or 5432} as user "
        f"{env.get('POSTGRES_USER', '')!r}"
    )


def _postgres_says() -> str:
    """Why a connection to the PostgreSQL database the environment names fails, in the
    server's (or the network's) words, from one direct attempt."""
    import psycopg

    env = os.environ
    try:
        psycopg.connect(
            dbname=env.get("POSTGRES_DBNAME", ""),
            host=env.get("POSTGRES_HOST", ""),
            port=env.get("POSTGRES_PORT") or "5432",
            user=env.get("POSTGRES_USER", ""),
            password=env.get("POSTGRES_PASSWORD", ""),
            connect_timeout=5,
        ).close()
    except psycopg.Error as error:
        return " ".join(str(error).split())
    return "it accepts connections now: try again"


#: How the topic of every event a ledger records begins (the write side's package).
LEDGER_TOPICS = "ledger."


def refuse_foreign_database(path: Path) -> None:
    """Refuse, naming the path, a SQLite file that holds tables but no ledger: another
    application's database, which opening it as a ledger would write our tables into."""
    if not path.is_file() or path.stat().st_size == 0:
        return
    try:
        conn = sqlite3.connect(read_only_uri(path), uri=True)
        try:
            rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
            tables = sorted(str(row[0]) for row in rows)
            first = (
                conn.execute(f"SELECT topic FROM {LOG_TABLE} LIMIT 1").fetchone()
                if LOG_TABLE in tables
                else None
            )
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return  # not SQLite at all, or unreadable: opening it names the problem
    if tables and LOG_TABLE not in tables:
        shown = ", ".join(tables[:5]) + (", …" if len(tables) > 5 else "")
        raise InvalidInput(
            f"the database {str(path)!r} is not a ledger: it holds other tables ({shown}) and "
            "no event log; nothing was written to it",
            field="CITYLEDGER_DB",
            value=str(path),
        )
    if first is not None and not str(first[0]).startswith(LEDGER_TOPICS):
        # Another eventsourcing application's log: same table, events of other modules.
        raise InvalidInput(
            f"the database {str(path)!r} is not a ledger: its event log is another "
            f"application's (its first event is {str(first[0])[:80]!r}); nothing was written "
            "to it",
            field="CITYLEDGER_DB",
            value=str(path),
        )


def require_database(db_path: Path | None) -> None:
    """Refuse, naming the path, to read a SQLite database that does not exist or is empty
    (create nothing): a read command never creates a database on a mistyped path."""
    if db_path is None and uses_postgres():
        return
    path = db_path or database_path()
    if not path.exists():
        raise InvalidInput(
            f"the ledger database {str(path)!r} does not exist (nothing was created): give "
            "--db PATH or set CITYLEDGER_DB, or create it with `cityledger load-reference` or "
            "`cityledger import`",
            field="CITYLEDGER_DB",
        )
    if path.is_file() and path.stat().st_size == 0:
        raise InvalidInput(
            f"the ledger database {str(path)!r} is empty: it holds no ledger",
            field="CITYLEDGER_DB",
            value=str(path),
        )


def _open(db_path: Path | None) -> Runtime:
    from ledger.application import Ledger
    from projections.follower import Follower
    from projections.publication_check import ReadModelCheck
    from projections.store import open_db

    if db_path is not None or not uses_postgres():
        path = db_path or database_path()
        ledger = Ledger(path)
    else:
        ledger = Ledger()
        path = read_model_path()
    follower = Follower(ledger, open_db(path))
    # publish asks the read side's ranking engine for its tables' digests and which undecided
    # evidence could move a band, from the read models caught up to the cut.
    db = open_db(path)
    ledger.publication_check = ReadModelCheck(follower, db)
    # A read model whose schema version changed was dropped just now: rebuild it before use.
    follower.replay_upgraded()
    return Runtime(ledger, db, follower)
