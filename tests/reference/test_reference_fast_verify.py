"""verify's fast walk on the reference ledger: the same verdict as the audit, word for word."""

from __future__ import annotations

import json
import sqlite3
from uuid import UUID

from cityledger.bootstrap import Runtime
from ledger.fastaudit import WitnessTable, fast_audit
from ledger.integrity import WITNESSES, RawRow, audit, mapper_decoder, verify_log
from ledger.stored import Row
from projections.replaycheck import ReplayCheck, verify_read_side


def stored_rows(conn: sqlite3.Connection) -> list[Row]:
    """Every stored event as the log holds it."""
    return conn.execute(
        "SELECT rowid, originator_id, originator_version, topic, state FROM stored_events "
        "ORDER BY rowid"
    ).fetchall()


def test_cityledger_verify_says_word_for_word_what_the_audit_alone_says(loaded: Runtime) -> None:
    fast = verify_read_side(loaded.ledger, loaded.db.conn)
    reference = verify_read_side(loaded.ledger, loaded.db.conn, fast=False)

    assert fast.ok, fast.summary
    assert fast == reference
    assert "indexed events" in fast.summary and "published table(s) match" in fast.summary


def test_verify_log_says_word_for_word_what_the_audit_alone_says(loaded: Runtime) -> None:
    assert verify_log(loaded.ledger, loaded.db.conn) == verify_log(
        loaded.ledger, loaded.db.conn, fast=False
    )


def test_the_fast_walk_itself_vouches_for_the_reference_ledger(loaded: Runtime) -> None:
    conn = loaded.db.conn
    rows = stored_rows(conn)
    witnesses = {
        name: conn.execute(f"SELECT position, hash FROM [{table}] ORDER BY position").fetchall()
        for name, table in WITNESSES.items()
    }
    recorded = [
        (int(r[0]), str(UUID(str(r[1]))), json.loads(bytes(r[4])))
        for r in rows
        if str(r[3]).endswith("RankingPublished")
    ]

    def check() -> ReplayCheck:
        return ReplayCheck.over(conn, recorded)

    tables = [WitnessTable(name, conn, table) for name, table in WITNESSES.items()]
    pinned = {int(data["position"]) for _, _, data in recorded}

    fast = fast_audit(rows, tables, loaded.ledger.mapper, check(), keep=pinned)
    slow = audit((RawRow(*r) for r in rows), witnesses, mapper_decoder(loaded.ledger), check())

    assert fast is not None, "the fast walk left the verdict to the audit"
    assert fast == slow
    assert f"{len(recorded)} publication digest(s) match" in fast.summary
