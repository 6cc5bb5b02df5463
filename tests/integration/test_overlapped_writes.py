"""A rebuild's bulk writes queued on a second thread: in order, seen by every later read, and a
failure stops the rebuild with nothing written."""

from __future__ import annotations

import gc
import sqlite3
from pathlib import Path

import pytest
from sqlite_utils import Database

from cityledger.bootstrap import Runtime
from projections import evidence
from projections.overlap import overlapped_writes
from projections.store import open_db, write_transaction


@pytest.fixture
def db(tmp_path: Path) -> Database:
    opened = open_db(tmp_path / "overlap.sqlite")
    opened.execute("CREATE TABLE t (n INTEGER PRIMARY KEY, square INTEGER)")
    return opened


def test_a_read_after_queued_writes_sees_all_of_them_in_order(db: Database) -> None:
    with write_transaction(db), overlapped_writes(db):
        for start in range(0, 1000, 100):
            rows = ((n, n * n) for n in range(start, start + 100))  # taken at once
            db.conn.executemany("INSERT INTO t (n, square) VALUES (?, ?)", rows)
            db.conn.executemany("UPDATE t SET square = -square WHERE n = ?", [(start,)])
        assert db.execute("SELECT COUNT(*), SUM(square) FROM t").fetchone() == (
            1000,
            sum(n * n for n in range(1000)) - 2 * sum(n * n for n in range(0, 1000, 100)),
        )
    assert isinstance(db.conn, sqlite3.Connection)  # the plain connection is back


def test_a_failed_queued_write_is_raised_and_the_transaction_rolls_back(db: Database) -> None:
    with pytest.raises(sqlite3.IntegrityError), write_transaction(db), overlapped_writes(db):
        db.conn.executemany("INSERT INTO t (n, square) VALUES (?, ?)", [(1, 1), (2, 4)])
        db.conn.executemany("INSERT INTO t (n, square) VALUES (?, ?)", [(2, 4)])  # fails
        db.conn.executemany("INSERT INTO t (n, square) VALUES (?, ?)", [(3, 9)])  # skipped
        db.execute("SELECT 1")  # waits for the queue: raises the failure
    assert db.execute("SELECT COUNT(*) FROM t").fetchone() == (0,)
    assert not db.conn.in_transaction


def test_a_failure_of_the_caller_skips_what_is_still_queued(db: Database) -> None:
    with (
        pytest.raises(RuntimeError, match="model failed"),
        write_transaction(db),
        overlapped_writes(db),
    ):
        db.conn.executemany("INSERT INTO t (n, square) VALUES (?, ?)", [(1, 1)])
        raise RuntimeError("model failed")
    assert db.execute("SELECT COUNT(*) FROM t").fetchone() == (0,)


def test_a_rebuild_whose_queued_write_fails_leaves_the_read_models_as_they_were(
    world: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = world.db.execute("SELECT COUNT(*), MAX(hash) FROM events").fetchone()
    votes = world.db.execute("SELECT COUNT(*) FROM votes").fetchone()
    assert votes[0] > 0
    # The votes' insert (queued behind the event index's) names a column the table lacks.
    monkeypatch.setattr(evidence, "VOTE_COLUMNS", (*evidence.VOTE_COLUMNS[:-1], "nowhere"))
    with pytest.raises(sqlite3.OperationalError, match="nowhere"):
        world.follower.rebuild()
    assert world.db.execute("SELECT COUNT(*), MAX(hash) FROM events").fetchone() == before
    assert world.db.execute("SELECT COUNT(*) FROM votes").fetchone() == votes
    assert world.follower.position() == world.ledger.head()
    assert gc.isenabled()  # paused for the rebuild only
