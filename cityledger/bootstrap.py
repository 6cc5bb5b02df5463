"""Runtime: one Ledger, one read-model database and the follower that keeps it current."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from eventsourcing.persistence import PersistenceError
from sqlite_utils import Database

from ledger.application import Ledger
from ledger.config import database_path, read_model_path, uses_postgres
from ledger.errors import InvalidInput
from projections.follower import Follower
from projections.store import open_db
from projections.whatif import check_publication


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


def open_runtime(db_path: Path | None = None) -> Runtime:
    """Open the ledger at db_path (default: CITYLEDGER_DB or var/) and its read models."""
    try:
        return _open(db_path)
    except (sqlite3.DatabaseError, PersistenceError) as error:
        # Translated once, here: a file that is not a cityledger database, or unreadable.
        where = db_path or (read_model_path() if uses_postgres() else database_path())
        raise InvalidInput(
            f"cannot use {str(where)!r} as the ledger database: {error}", field="CITYLEDGER_DB"
        ) from None


def _open(db_path: Path | None) -> Runtime:
    if db_path is not None or not uses_postgres():
        path = db_path or database_path()
        ledger = Ledger(path)
    else:
        ledger = Ledger()
        path = read_model_path()
    # publish asks the ranking engine which undecided evidence could move a band.
    ledger.publication_check = check_publication
    follower = Follower(ledger, open_db(path))
    # A read model whose schema version changed was dropped just now: rebuild it before use.
    follower.replay_upgraded()
    return Runtime(ledger, open_db(path), follower)
