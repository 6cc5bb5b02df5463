"""Where the event index keeps the bodies (the log on PostgreSQL), verify compares each copy."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from cityledger.bootstrap import Runtime
from projections.replaycheck import verify_read_side

GENUINE = "SELECT * FROM copy WHERE position = 9"
#: The body at position 9 in a forged spelling that comes before or after the genuine one
#: (whether the join reads the body table in the order rows were added or by their text).
FORGED = {
    True: "SELECT position, topic, ' ' || stored FROM copy WHERE position = 9",
    False: "SELECT position, topic, stored || ' ' FROM copy WHERE position = 9",
}


@pytest.mark.parametrize("forged_first", [True, False])
@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_a_second_copy_of_an_indexed_body_is_named(forged_first: bool, world: Runtime) -> None:
    healthy = verify_read_side(world.ledger, world.db.conn)
    file = Path(world.db.conn.execute("PRAGMA database_list").fetchone()[2])
    with sqlite3.connect(file) as conn:
        # The body table rebuilt without its key to hold two copies of one body: the index
        # (a witness) still holds one row there, the reads that join the bodies two.
        conn.execute("CREATE TABLE copy AS SELECT * FROM event_bodies")
        conn.execute("DROP TABLE event_bodies")
        conn.execute("CREATE TABLE event_bodies AS SELECT * FROM copy WHERE position != 9")
        forged = FORGED[forged_first]
        for copied in (forged, GENUINE) if forged_first else (GENUINE, forged):
            conn.execute(f"INSERT INTO event_bodies {copied}")
        conn.execute("DROP TABLE copy")

    report = verify_read_side(world.ledger, world.db.conn)

    assert healthy.ok, healthy.summary
    assert report == verify_read_side(world.ledger, world.db.conn, fast=False)
    assert (report.ok, report.first_bad) == (False, 9), report.summary


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_a_body_missing_from_the_copy_is_named(world: Runtime) -> None:
    file = Path(world.db.conn.execute("PRAGMA database_list").fetchone()[2])
    with sqlite3.connect(file) as conn:
        conn.execute("DELETE FROM event_bodies WHERE position = 9")

    report = verify_read_side(world.ledger, world.db.conn)

    assert report == verify_read_side(world.ledger, world.db.conn, fast=False)
    assert (report.ok, report.first_bad) == (False, 9), report.summary
    assert "differs from the log (topic, stored)" in report.reason
