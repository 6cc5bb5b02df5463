"""The chain: verify passes on a healthy log and names the first bad position after tampering."""

from __future__ import annotations

import dataclasses
import itertools
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import UUID, uuid5

import pytest

from cityledger.bootstrap import Runtime
from ledger import fastaudit, integrity
from ledger.application import Ledger
from ledger.chain import GENESIS, canonical, link_canonical
from ledger.ids import NAMESPACE, hex_uuid_text, hex_uuid_texts
from ledger.integrity import IntegrityReport, RawRow, audit, mapper_decoder, verify_log
from ledger.stored import Row, stored_rows
from projections.follower import Follower
from projections.replaycheck import ReplayCheck, verify_read_side
from projections.store import open_db
from projections.timeline import Timeline, TimelineRows
from tests.support.cases import by_name
from tests.trust.trust_world import EDITION, UNREPLAYABLE, Cli, build_base, raw

#: The world's layout that the tampers below rely on (position -> event type).
LAYOUT = {
    7: "CityRegistered",
    8: "CityRegistered",
    18: "VoteCast",
    19: "VoteCast",
    21: "ClaimSubmitted",
    24: "VoteCast",
    27: "ClaimWithdrawn",
    28: "RankingPublished",
    33: "AppealDecided",
    34: "RankingPublished",
}
HEAD = 34
FORGED_ID = uuid5(NAMESPACE, "city:forged").hex


def row(conn: sqlite3.Connection, position: int) -> tuple[str, int, str, bytes]:
    """The stored columns of one position."""
    found = conn.execute(
        "SELECT originator_id, originator_version, topic, state FROM stored_events WHERE rowid = ?",
        [position],
    ).fetchone()
    assert found is not None
    return found[0], found[1], found[2], bytes(found[3])


def forged_city(conn: sqlite3.Connection) -> tuple[str, int, str, bytes]:
    """A well-formed CityRegistered event for a city nobody registered."""
    _, _, topic, state = row(conn, 7)
    return FORGED_ID, 1, topic, state.replace(b"beijing", b"forged-city")


def insert(conn: sqlite3.Connection, position: int, values: tuple[str, int, str, bytes]) -> None:
    """Insert a row at an explicit position."""
    conn.execute(
        "INSERT INTO stored_events (rowid, originator_id, originator_version, topic, state) "
        "VALUES (?, ?, ?, ?, ?)",
        [position, *values],
    )


def update_vote(conn: sqlite3.Connection) -> None:
    """Turn a rejecting vote into an accepting one (the state stays a BLOB)."""
    conn.execute(
        "UPDATE stored_events SET state = CAST(replace(CAST(state AS TEXT), "
        "'\"reject\"', '\"accept\"') AS BLOB) WHERE rowid = 24"
    )


def update_rung_as_text(conn: sqlite3.Connection) -> None:
    """Raise a claim's rung, writing the state back as TEXT."""
    conn.execute(
        "UPDATE stored_events SET state = replace(CAST(state AS TEXT), "
        "'\"rung\":2', '\"rung\":3') WHERE rowid = 21"
    )


def update_pinned_digest(conn: sqlite3.Connection) -> None:
    """Rewrite the digest a publication pinned."""
    conn.execute(
        "UPDATE stored_events SET state = CAST(replace(CAST(state AS TEXT), "
        '\'"digest":"\', \'"digest":"00\') AS BLOB) WHERE rowid = 28'
    )


def delete_middle(conn: sqlite3.Connection) -> None:
    """Remove a vote."""
    conn.execute("DELETE FROM stored_events WHERE rowid = 18")


def delete_last(conn: sqlite3.Connection) -> None:
    """Remove the last event."""
    conn.execute("DELETE FROM stored_events WHERE rowid = ?", [HEAD])


def insert_middle(conn: sqlite3.Connection) -> None:
    """Shift positions 12.. up by one and put a forged registration at 12."""
    for position in range(HEAD, 11, -1):
        conn.execute("UPDATE stored_events SET rowid = rowid + 1 WHERE rowid = ?", [position])
    insert(conn, 12, forged_city(conn))


def insert_after_a_gap(conn: sqlite3.Connection) -> None:
    """Append a forged registration, leaving position HEAD+1 empty."""
    insert(conn, HEAD + 2, forged_city(conn))


def insert_garbage(conn: sqlite3.Connection) -> None:
    """Append a row whose state is not an event."""
    _, _, topic, _ = row(conn, 7)
    insert(conn, HEAD + 1, (FORGED_ID, 1, topic, b"\x00 not an event"))


def insert_before_first(conn: sqlite3.Connection) -> None:
    """Put a forged registration at position 0, before the first event."""
    insert(conn, 0, forged_city(conn))


def swap(conn: sqlite3.Connection, a: int, b: int) -> None:
    """Exchange the contents of two rows (their positions stay)."""
    first, second = row(conn, a), row(conn, b)
    conn.execute("BEGIN")
    conn.execute("UPDATE stored_events SET originator_id = 'x' WHERE rowid = ?", [a])
    for position, values in ((b, first), (a, second)):
        conn.execute(
            "UPDATE stored_events SET originator_id = ?, originator_version = ?, topic = ?, "
            "state = ? WHERE rowid = ?",
            [*values, position],
        )
    conn.execute("COMMIT")


#: A change made to the file behind the ledger's back.
Tamper = Callable[[sqlite3.Connection], object]
TAMPERS: dict[str, tuple[Tamper, int]] = {
    "update a vote": (update_vote, 24),
    "update a rung, as text": (update_rung_as_text, 21),
    "update a pinned digest": (update_pinned_digest, 28),
    "delete from the middle": (delete_middle, 18),
    "delete the last": (delete_last, HEAD),
    "insert in the middle": (insert_middle, 12),
    "insert after a gap": (insert_after_a_gap, HEAD + 1),
    "insert garbage at the end": (insert_garbage, HEAD + 1),
    "insert before the first": (insert_before_first, 0),
    "swap two aggregates' rows": (lambda c: swap(c, 7, 8), 7),
    "swap one aggregate's rows": (lambda c: swap(c, 18, 19), 18),
}


def test_the_world_has_the_layout_the_tampers_assume(world: Runtime) -> None:
    records = {r.position: r.type for r in world.ledger.records()}

    assert len(records) == HEAD
    assert {p: records[p] for p in LAYOUT} == LAYOUT


def test_verify_passes_on_a_healthy_ledger(world: Runtime, world_db: Path, cli: Cli) -> None:
    report = verify_read_side(world.ledger, world.db.conn)
    result = cli(world_db, "verify")

    assert report.ok, report.summary
    assert (report.checked, report.first_bad) == (HEAD, None)
    assert f"{HEAD} witnessed, 0 not yet; 2 publication digest(s) match" in report.summary
    assert f"read models: {HEAD} indexed events and " in report.summary
    assert "6 published table(s) match their digests" in report.summary
    assert f"tree head {world.ledger.tree_head_at(HEAD)} over 1..{HEAD}" in report.summary
    assert "\n" not in report.summary
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok: ")
    assert result.stdout.strip() == report.summary


@pytest.mark.parametrize(("tamper", "first_bad"), by_name(TAMPERS))
def test_each_tamper_is_named_at_its_first_bad_position_even_after_a_rebuild(
    tamper: Tamper, first_bad: int, world: Runtime, world_db: Path, cli: Cli
) -> None:
    with raw(world_db) as conn:
        tamper(conn)

    report = verify_log(world.ledger, world.db.conn)
    before = cli(world_db, "verify")
    refused = cli(world_db, "rebuild")
    forced = cli(world_db, "rebuild", "--force")
    after = cli(world_db, "verify")

    assert (report.ok, report.first_bad) == (False, first_bad), report.summary
    assert report.summary.startswith(f"FAILED at position {first_bad}: ")
    for result in (before, after):
        assert result.returncode == 3, result.stdout + result.stderr
        assert result.stdout.startswith(f"FAILED at position {first_bad}: "), result.stdout
    # A plain rebuild refuses a log that fails verification; a forced one cannot launder it.
    assert refused.returncode == 3 and "refusing to rebuild" in refused.stdout
    for rebuilt in (refused, forced):
        assert "Traceback" not in rebuilt.stderr
        assert len(rebuilt.stderr.strip().splitlines()) <= 1


def test_publications_alone_catch_tampering_when_every_witness_is_gone(
    world: Runtime, world_db: Path
) -> None:
    with raw(world_db) as conn:
        update_vote(conn)
        conn.execute("DROP TABLE chain_witness")
        conn.execute("DROP TABLE events")

    report = verify_log(world.ledger, world.db.conn)

    assert (report.ok, report.first_bad) == (False, 27), report.summary
    assert "publication 1 recorded at position 28" in report.reason


#: Side tables of a healthy log dropped or in another layout, and what the summary then says.
SIDE_TABLES: dict[str, tuple[tuple[str, ...], str]] = {
    # No witnesses: the publications' digests check the log.
    "no witnesses": (
        ("DROP TABLE chain_witness", "DROP TABLE events"),
        f"0 witnessed, {HEAD} not yet; 2 publication digest(s) match",
    ),
    # An event index of another layout gives the fast walk no hint, and no false alarm.
    "an event index of another layout": (
        ("DROP INDEX idx_events_type", "ALTER TABLE events DROP COLUMN type"),
        f"{HEAD} witnessed, 0 not yet; 2 publication digest(s) match",
    ),
}


@pytest.mark.parametrize(("statements", "summary"), by_name(SIDE_TABLES))
def test_a_healthy_log_with_side_tables_dropped_or_changed_still_verifies(
    statements: tuple[str, ...], summary: str, world: Runtime, world_db: Path
) -> None:
    with raw(world_db) as conn:
        for statement in statements:
            conn.execute(statement)

    report = verify_log(world.ledger, world.db.conn)

    assert report.ok, report.summary
    assert summary in report.summary
    assert report == verify_log(world.ledger, world.db.conn, fast=False)


def test_an_unwitnessed_well_formed_append_is_reported_as_not_yet_witnessed(
    world: Runtime, world_db: Path
) -> None:
    # The documented limit: whoever can write the file can append an event that nothing has
    # seen yet, exactly as the Ledger would; verify can only say that nothing witnessed it.
    with raw(world_db) as conn:
        insert(conn, HEAD + 1, forged_city(conn))

    report = verify_log(world.ledger, world.db.conn)
    world.catch_up()
    later = verify_log(world.ledger, world.db.conn)

    assert report.ok, report.summary
    assert f"{HEAD} witnessed, 1 not yet" in report.summary
    assert later.ok and f"{HEAD + 1} witnessed, 0 not yet" in later.summary


@pytest.mark.parametrize("stamp", ["2023-05-01 09:30:00+00:00", "2023-W18-1T09:30:00+00:00"])
@pytest.mark.parametrize("source", ["CityRegistered", "VoteCast"])
def test_the_fast_walk_reads_an_odd_spelling_of_a_time_as_the_audit_does(
    stamp: str, source: str, world: Runtime, world_db: Path
) -> None:
    # An appended event whose stamp fromisoformat reads in another spelling than the usual
    # one, indexed by the follower: the index's time of it must be the time the audit reads.
    with raw(world_db) as conn:
        if source == "CityRegistered":
            originator, version, topic, state = forged_city(conn)
        else:  # the claim's next vote, by a verifier who has not voted yet
            originator, _, topic, voted = row(conn, 18)
            state = voted.replace(b'"verifier_id":"', b'"verifier_id":"forged-')
            (last,) = conn.execute(
                "SELECT max(originator_version) FROM stored_events WHERE originator_id = ?",
                [originator],
            ).fetchone()
            version = last + 1
        start = state.index(b'"_data_":"') + len(b'"_data_":"')
        end = state.index(b'"', start)
        stamped = state[:start] + stamp.encode() + state[end:]
        insert(conn, HEAD + 1, (originator, version, topic, stamped))
    world.catch_up()

    fast = verify_read_side(world.ledger, world.db.conn)

    assert fast == verify_read_side(world.ledger, world.db.conn, fast=False)
    assert fast.ok, fast.summary


def test_the_log_is_read_from_whatever_rowid_unless_a_start_is_given(world_db: Path) -> None:
    # A row stored at position 0 is the audit's to name: the reader does not hide it.
    with raw(world_db) as conn:
        insert_before_first(conn)
        every = [r[0] for r in stored_rows(conn, "stored_events")]
        after_none = [r[0] for r in stored_rows(conn, "stored_events", after=0)]

    assert every[:2] == [0, 1]
    assert after_none[0] == 1


def test_the_replay_folds_alike_without_the_data_verify_leaves_unread(world: Runtime) -> None:
    # The fast walk hands the replay the events of other types than it reads with no data.
    records = world.ledger.records(after=0, limit=HEAD)
    unread = [
        r if r.type in ReplayCheck.reads else dataclasses.replace(r, data={}) for r in records
    ]
    folds = []
    for given in (records, unread):
        timeline, rows = Timeline(), TimelineRows()
        for record in given:
            timeline.apply(record, rows)
        folds.append((timeline.state, rows))

    assert folds[0] == folds[1]
    assert {r.type for r in records} - ReplayCheck.reads  # some were left unread


def test_the_witness_refuses_updates_and_deletes(world_db: Path) -> None:
    with raw(world_db) as conn:
        for statement in (
            "UPDATE chain_witness SET hash = 'x' WHERE position = 3",
            "DELETE FROM chain_witness WHERE position = 3",
        ):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                conn.execute(statement)
        assert conn.execute("SELECT count(*) FROM chain_witness").fetchone() == (HEAD,)


def test_a_rebuild_of_a_healthy_log_keeps_and_agrees_with_the_witness(world: Runtime) -> None:
    before = world.db.execute("SELECT position, hash FROM chain_witness").fetchall()

    world.follower.rebuild()

    assert world.db.execute("SELECT position, hash FROM chain_witness").fetchall() == before
    assert world.db.execute("SELECT position, hash FROM events").fetchall() == before
    assert verify_log(world.ledger, world.db.conn).ok


def test_the_witness_is_seeded_from_an_existing_event_index(
    world_db: Path, open_rt: Callable[[Path], Runtime]
) -> None:
    with raw(world_db) as conn:
        conn.execute("DROP TABLE chain_witness")
        expected = conn.execute("SELECT position, hash FROM events").fetchall()

    rt = open_rt(world_db)

    assert rt.db.execute("SELECT position, hash FROM chain_witness").fetchall() == expected
    assert verify_log(rt.ledger, rt.db.conn).ok


def test_verify_reads_a_consistent_snapshot_while_the_follower_lags(world: Runtime) -> None:
    world.ledger.register_city("osaka", "Osaka", "大阪", "JP")

    report = verify_log(world.ledger, world.db.conn)

    assert report.ok and report.checked == HEAD + 1
    assert f"{HEAD} witnessed, 1 not yet" in report.summary


def test_audit_names_the_earliest_of_several_failures() -> None:
    good = [RawRow(p, FORGED_ID, p, "m:E.Happened", b'{"n":1}') for p in range(1, 6)]
    witness = [(r.position, "0" * 64) for r in good[3:]]

    gap = audit([*good[:2], *good[3:]])
    bad_version = audit([*good[:2], RawRow(3, FORGED_ID, 9, "m:E.Happened", b"{}"), *good[3:]])
    mismatch = audit(good, {"w": witness})
    truncated = audit(good[:2], {"w": [(3, "0" * 64)]})

    assert (gap.first_bad, bad_version.first_bad) == (3, 3)
    assert "position 3 is missing" in gap.reason
    assert "version 9" in bad_version.reason
    assert (mismatch.first_bad, truncated.first_bad) == (4, 3)
    assert "removed from the end" in truncated.reason


def test_verify_reads_through_the_recorder_when_sqlite3_cannot_open_the_log(
    tmp_path: Path,
) -> None:
    # As on PostgreSQL: the log is not a file (here in memory), the witness is another file.
    ledger = Ledger(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": ":memory:"})
    db = open_db(tmp_path / "read-models.sqlite")
    rt = Runtime(ledger, db, Follower(ledger, db))
    try:
        build_base(ledger)
        rt.catch_up()
        healthy = verify_log(rt.ledger, rt.db.conn)
        db.execute("DROP TRIGGER chain_witness_no_update")
        db.execute("UPDATE chain_witness SET hash = ? WHERE position = 9", ["0" * 64])
        disagreeing = verify_log(rt.ledger, rt.db.conn)
    finally:
        rt.close()

    assert healthy.ok and healthy.checked == 15, healthy.summary
    assert "15 witnessed, 0 not yet" in healthy.summary
    assert (disagreeing.ok, disagreeing.first_bad) == (False, 9), disagreeing.summary


def rebuilt_without_key(conn: sqlite3.Connection, table: str) -> None:
    """Replace a witness table by a copy with no key and no triggers (rows may repeat)."""
    conn.execute(f"CREATE TABLE copy AS SELECT * FROM {table}")
    conn.execute(f"DROP TABLE {table}")
    conn.execute(f"ALTER TABLE copy RENAME TO {table}")


def witness_rows(conn: sqlite3.Connection, sql: str) -> None:
    """Change the chain witness as a tamperer would: triggers dropped first."""
    conn.execute("DROP TRIGGER chain_witness_no_update")
    conn.execute("DROP TRIGGER chain_witness_no_delete")
    conn.execute(sql)


#: Tampers with the witnesses themselves, and whether the audit still names a position.
def repeated(conn: sqlite3.Connection) -> None:
    """The witness rebuilt without its key, one row stored twice."""
    rebuilt_without_key(conn, "chain_witness")
    conn.execute("INSERT INTO chain_witness SELECT * FROM chain_witness WHERE position = 9")


def position_as(conn: sqlite3.Connection, value: str) -> None:
    """The witness rebuilt without its key, position 9 moved to a value that is not one."""
    rebuilt_without_key(conn, "chain_witness")
    conn.execute(f"UPDATE chain_witness SET position = {value} WHERE position = 9")


def digit_moved(conn: sqlite3.Connection) -> None:
    """A witnessed hash's last digit moved to the front of the next one (both stay text, and
    joined they read as before)."""
    witness_rows(
        conn,
        "UPDATE chain_witness SET hash = "
        "(SELECT substr(hash, 64) FROM chain_witness WHERE position = 7) || hash "
        "WHERE position = 8",
    )
    conn.execute("UPDATE chain_witness SET hash = substr(hash, 1, 63) WHERE position = 7")


def hash_for_two(conn: sqlite3.Connection) -> None:
    """One witnessed hash standing for two positions, the next one's hash NULL (the table
    rebuilt to allow it, still keyed by position): joined by commas, the chunk's hashes read
    as before, and every position is still witnessed once."""
    conn.execute("CREATE TABLE copy (position INTEGER PRIMARY KEY, hash TEXT)")
    conn.execute("INSERT INTO copy SELECT position, hash FROM chain_witness")
    conn.execute("DROP TABLE chain_witness")
    conn.execute("ALTER TABLE copy RENAME TO chain_witness")
    conn.execute(
        "UPDATE chain_witness SET hash = hash || ',' || "
        "(SELECT hash FROM chain_witness WHERE position = 10) WHERE position = 9",
    )
    conn.execute("UPDATE chain_witness SET hash = NULL WHERE position = 10")


def exchanged(conn: sqlite3.Connection, a: int, b: int) -> None:
    """Two witnessed hashes exchanged (each still the chain's hash, at the other position)."""
    (first,), (second,) = conn.execute(
        "SELECT hash FROM chain_witness WHERE position IN (?, ?) ORDER BY position", [a, b]
    ).fetchall()
    witness_rows(conn, "SELECT 1")
    conn.executemany(
        "UPDATE chain_witness SET hash = ? WHERE position = ?", [(second, a), (first, b)]
    )


def caseless(conn: sqlite3.Connection) -> None:
    """The witness rebuilt with a caseless hash column (still keyed by position), a witnessed
    hash in capitals."""
    conn.execute("CREATE TABLE copy (position INTEGER PRIMARY KEY, hash TEXT COLLATE NOCASE)")
    conn.execute("INSERT INTO copy SELECT position, upper(hash) FROM chain_witness")
    conn.execute("DROP TABLE chain_witness")
    conn.execute("ALTER TABLE copy RENAME TO chain_witness")


WITNESS_TAMPERS: dict[str, Tamper] = {
    "a witnessed hash changed": lambda c: witness_rows(
        c, "UPDATE chain_witness SET hash = substr(hash, 2) || '0' WHERE position = 9"
    ),
    "a witnessed hash in capitals": lambda c: witness_rows(
        c, "UPDATE chain_witness SET hash = upper(hash) WHERE position = 9"
    ),
    "a witnessed hash as a blob": lambda c: witness_rows(
        c, "UPDATE chain_witness SET hash = CAST(hash AS BLOB) WHERE position = 9"
    ),
    "a witness beyond the log": lambda c: witness_rows(
        c, f"INSERT INTO chain_witness VALUES ({HEAD + 1}, '{'0' * 64}')"
    ),
    "a witnessed hash's digit moved to the next": digit_moved,
    "a witnessed hash standing for two positions": hash_for_two,
    "a witnessed hash holding a comma": lambda c: witness_rows(
        c,
        "UPDATE chain_witness SET hash = substr(hash, 1, 32) || ',' || substr(hash, 34) "
        "WHERE position = 9",
    ),
    "two witnessed hashes exchanged": lambda c: exchanged(c, 9, 10),
    "a witnessed hash in capitals, the column caseless": caseless,
    "a witness row repeated": repeated,
    "a witnessed position as text": lambda c: position_as(c, "'x9'"),
    "a witnessed position NULL": lambda c: position_as(c, "NULL"),
    "a witnessed position between two": lambda c: position_as(c, "9.5"),
    "the event index's hash changed": lambda c: c.execute(
        "UPDATE events SET hash = substr(hash, 2) || '0' WHERE position = 20"
    ),
}


#: Every tamper, of the log or of its witnesses, and the first bad position where it is fixed.
EVERY_TAMPER: dict[str, tuple[Tamper, int | None]] = {
    **TAMPERS,
    **{kind: (tamper, None) for kind, tamper in WITNESS_TAMPERS.items()},
}


@pytest.mark.parametrize("chunk", [3, fastaudit.CHUNK])
@pytest.mark.parametrize(("tamper", "first_bad"), by_name(EVERY_TAMPER))
def test_the_fast_walk_never_vouches_for_a_tampered_log_or_witness(
    tamper: Tamper,
    first_bad: int | None,
    chunk: int,
    world: Runtime,
    world_db: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Chunks of 3 rows: every tamper lands near a boundary of the streaming walk's chunks.
    monkeypatch.setattr(fastaudit, "CHUNK", chunk)
    with raw(world_db) as conn:
        tamper(conn)

    for verify in (verify_log, verify_read_side):
        fast = verify(world.ledger, world.db.conn)

        assert not fast.ok, fast.summary
        if first_bad is not None:
            assert fast.first_bad == first_bad, fast.summary
        assert fast == verify(world.ledger, world.db.conn, fast=False)  # the audit's words


@pytest.mark.parametrize("chunk", [1, 3, 8, fastaudit.CHUNK])
def test_the_streaming_walk_vouches_alike_whatever_its_chunk(
    chunk: int, world: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fastaudit, "CHUNK", chunk)
    audited: list[object] = []

    def counted(*args: Any, **kwargs: Any) -> IntegrityReport:
        audited.append(args)
        return audit(*args, **kwargs)

    monkeypatch.setattr(integrity, "audit", counted)
    for verify in (verify_log, verify_read_side):
        fast = verify(world.ledger, world.db.conn)

        # The fast walk vouched by itself (pinned digests and tree heads at any chunk edge).
        assert fast.ok and not audited, fast.summary
        assert fast == verify(world.ledger, world.db.conn, fast=False)
        audited.clear()


def test_the_read_side_checks_pass_while_the_follower_lags_behind_a_ranking_change(
    world: Runtime,
) -> None:
    # A registration adds a row to the ranking timeline once the follower folds it in.
    world.ledger.register_city("osaka", "Osaka", "大阪", "JP")

    lagging = verify_read_side(world.ledger, world.db.conn)
    audited = verify_read_side(world.ledger, world.db.conn, fast=False)
    world.catch_up()
    caught_up = verify_read_side(world.ledger, world.db.conn)

    assert lagging.ok, lagging.summary
    assert lagging == audited
    assert f"{HEAD} witnessed, 1 not yet" in lagging.summary
    assert caught_up.ok and f"{HEAD + 1} witnessed, 0 not yet" in caught_up.summary


def test_a_timeline_row_the_follower_has_not_folded_yet_is_reported(
    world: Runtime, world_db: Path
) -> None:
    world.ledger.register_city("osaka", "Osaka", "大阪", "JP")
    with raw(world_db) as conn:
        conn.execute(
            "INSERT INTO ranking_entities SELECT kind, 'osaka', ?, ?, originator_id, value "
            "FROM ranking_entities WHERE kind = 'city' LIMIT 1",
            [HEAD + 1, HEAD + 1],
        )

    report = verify_read_side(world.ledger, world.db.conn)

    assert (report.ok, report.first_bad) == (False, HEAD + 1), report.summary
    assert "ranking timeline" in report.reason


@pytest.mark.parametrize(
    ("at", "named"), [("0", 0), ("-3", -3), ("'x'", HEAD + 1), ("2.5", HEAD + 1)]
)
@pytest.mark.parametrize("table", ["ranking_entities", "claim_statuses", "score_history"])
def test_a_timeline_row_at_no_position_of_the_log_is_reported(
    table: str, at: str, named: int, world: Runtime, world_db: Path
) -> None:
    # A copy of a row moved to a position the replay never reaches (an as-of answer would
    # still read it): named where the witnesses name a position not in the log.
    with raw(world_db) as conn:
        columns = [str(c[1]) for c in conn.execute(f"PRAGMA table_info({table})")]
        moved = ", ".join(at if c == "position" else c for c in columns)
        conn.execute(f"INSERT INTO {table} SELECT {moved} FROM {table} LIMIT 1")

    report = verify_read_side(world.ledger, world.db.conn)

    assert report == verify_read_side(world.ledger, world.db.conn, fast=False)
    assert (report.ok, report.first_bad) == (False, named), report.summary
    assert "ranking timeline rows at position" in report.reason
    assert "which is not a position of the log" in report.reason


@pytest.mark.parametrize("tracked", ["'x'", "NULL", "2.5"])
def test_a_tracking_position_that_is_not_one_lets_no_timeline_row_off(
    tracked: str, world: Runtime, world_db: Path
) -> None:
    # The standings model's tracking position only excuses rows a lagging follower has not
    # written yet; one that is not a position excuses none (and raises nothing).
    with raw(world_db) as conn:
        rebuilt_without_key(conn, "projection_tracking")
        conn.execute(f"UPDATE projection_tracking SET position = {tracked}")
    healthy = verify_read_side(world.ledger, world.db.conn)
    with raw(world_db) as conn:
        conn.execute("DELETE FROM ranking_claims WHERE position = 21")

    report = verify_read_side(world.ledger, world.db.conn)

    assert healthy.ok, healthy.summary
    assert report == verify_read_side(world.ledger, world.db.conn, fast=False)
    assert (report.ok, report.first_bad) == (False, 21), report.summary


@pytest.mark.parametrize("moved", ["NULL", "9.5", "X'09'", "'x'"])
def test_an_indexed_position_that_is_not_an_integer_is_named(
    moved: str, world: Runtime, world_db: Path
) -> None:
    # The event index (a witness, and the read models' copy of the log) with position 9's
    # row moved to one that is not a position: not passed as 9, not a TypeError.
    with raw(world_db) as conn:
        rebuilt_without_key(conn, "events")
        conn.execute(f"UPDATE events SET position = {moved} WHERE position = 9")

    report = verify_read_side(world.ledger, world.db.conn)

    assert report == verify_read_side(world.ledger, world.db.conn, fast=False)
    assert (report.ok, report.first_bad) == (False, HEAD + 1), report.summary
    assert "the event index holds a row at position" in report.reason


@pytest.mark.parametrize("at", [9, HEAD])
def test_an_event_index_row_repeated_at_a_position_is_named(at: int, world: Runtime) -> None:
    # Where the index keeps the bodies (read models in a file of their own), a body table
    # rebuilt to hold a second copy of one: the join gives two index rows at one position.
    records = world.ledger.records(after=0, limit=HEAD)
    index = [
        (r.position, r.type, r.instant, r.originator_id, r.originator_version, r.topic, r.stored)
        for r in records
    ]
    forged = (*index[at - 1][:6], index[at - 1][6].replace("}", ',"forged":1}', 1))
    repeated = sorted([*index, forged], key=lambda r: r[0])  # (stable: the forged one second)

    failures = []
    for rows in (index, repeated):
        check = ReplayCheck(rows, [[], [], [], []], [], folded=0)
        failures.append([f for r in records for f in check.see(r)] + check.finish(HEAD))

    assert failures == [[], [(at, f"the event index holds position {at} more than once")]]


def test_a_view_of_bodies_other_than_the_logs_own_is_compared(
    world: Runtime, world_db: Path
) -> None:
    # In one file the index's bodies are a view of the log; replaced by one that forges
    # them (what the evidence and appeal reads show), it is compared like a copy.
    with raw(world_db) as conn:
        conn.execute("DROP VIEW event_bodies")
        conn.execute(
            "CREATE VIEW event_bodies AS SELECT rowid AS position, topic, "
            "replace(CAST(state AS TEXT), 'tokyo', 'forged') AS stored FROM stored_events"
        )

    report = verify_read_side(world.ledger, world.db.conn)

    assert report == verify_read_side(world.ledger, world.db.conn, fast=False)
    assert (report.ok, report.first_bad) == (False, 8), report.summary
    assert "the event index's copy of position 8 differs from the log (stored)" in report.reason


@pytest.mark.parametrize("witnessed", [True, False])
@pytest.mark.parametrize("change", list(UNREPLAYABLE))
def test_an_event_the_replay_cannot_fold_is_named_not_raised(
    change: str, witnessed: bool, world: Runtime, world_db: Path
) -> None:
    position, old, new = UNREPLAYABLE[change]
    with raw(world_db) as conn:
        _, _, _, state = row(conn, position)
        conn.execute(
            "UPDATE stored_events SET state = ? WHERE rowid = ?",
            [state.replace(old, new, 1), position],
        )
        if not witnessed:  # then only the replay can tell
            for table in ("chain_witness", "events"):
                rebuilt_without_key(conn, table)
                conn.execute(f"DELETE FROM {table}")

    report = verify_read_side(world.ledger, world.db.conn)

    assert report == verify_read_side(world.ledger, world.db.conn, fast=False)
    assert (report.ok, report.first_bad) == (False, position), report.summary
    if not witnessed:
        assert f"position {position} does not replay" in report.reason


def chain_hash(conn: sqlite3.Connection, upto: int) -> str:
    """The chain hash at a position, recomputed from the stored rows."""
    previous = GENESIS
    for position, raw_id, version, topic, state in conn.execute(
        "SELECT rowid, originator_id, originator_version, topic, state FROM stored_events "
        "WHERE rowid <= ? ORDER BY rowid",
        [upto],
    ):
        line = canonical(position, str(UUID(raw_id)), version, topic, bytes(state).decode())
        previous = link_canonical(previous, line)
    return previous


def append_after(conn: sqlite3.Connection, like: int, data: dict[str, Any]) -> int:
    """Append the next event of the aggregate of the event at `like`, of its type, with its
    data changed by `data`; its position."""
    raw_id, _, topic, state = row(conn, like)
    (version,) = conn.execute(
        "SELECT max(originator_version) FROM stored_events WHERE originator_id = ?", [raw_id]
    ).fetchone()
    (head,) = conn.execute("SELECT max(rowid) FROM stored_events").fetchone()
    changed = {k: v for k, v in {**json.loads(state), **data}.items() if v is not _DROPPED}
    text = json.dumps(changed, separators=(",", ":"), ensure_ascii=False).encode()
    position = int(head) + 1
    insert(conn, position, (raw_id, version + 1, topic, text))
    return position


_DROPPED = object()

#: Event data the commands never write but a tamperer can (appended unwitnessed, then a
#: publication pinning it): (the event appended after, its data changed, the error named).
UNRANKABLE: dict[str, tuple[int, dict[str, Any], str]] = {
    "a weight that is no number": (
        5,
        {"weights": {"D1": "x", "T1": "30", "I1": "30"}},
        "ValueError",
    ),
    "a weight of 5,000 digits": (
        5,
        {"weights": {"D1": "4" * 5000, "T1": "30", "I1": "30"}},
        "ValueError",
    ),
    "a weight over zero": (
        5,
        {"weights": {"D1": "1/0", "T1": "30", "I1": "30"}},
        "ZeroDivisionError",
    ),
    "a weight with an exponent of a billion": (
        5,
        {"weights": {"D1": "1e999999999", "T1": "30", "I1": "30"}},
        "ValueError",
    ),
    "a weight that is a list": (5, {"weights": {"D1": [40], "T1": "30", "I1": "30"}}, "TypeError"),
    "weights that are a list": (5, {"weights": [40, 30, 30]}, "AttributeError"),
    "a revision that is null": (5, {"revision": None}, "TypeError"),
    "a city id that is a list": (11, {"city_ids": [["beijing"], "tokyo"]}, "TypeError"),
}


@pytest.mark.parametrize("change", list(UNRANKABLE))
def test_a_published_table_the_log_cannot_rank_is_named_at_its_publication_not_raised(
    change: str, world: Runtime, world_db: Path
) -> None:
    like, data, error = UNRANKABLE[change]
    with raw(world_db) as conn:
        changed = append_after(conn, like, data)
        pinned = {"publication_no": 3, "position": changed, "tree_head": _DROPPED}
        published = append_after(conn, 34, {**pinned, "digest": chain_hash(conn, changed)})

    report = verify_read_side(world.ledger, world.db.conn)

    assert report == verify_read_side(world.ledger, world.db.conn, fast=False)
    assert (report.ok, report.first_bad) == (False, published), report.summary
    assert (
        f"publication 3 recorded at position {published} records a digital_traditional table, "
        f"which the log does not rank at position {changed}: {error} "
    ) in report.reason
    assert verify_log(world.ledger, world.db.conn).ok  # the log alone is sound


def test_cli_verify_names_a_published_table_the_log_cannot_rank(world_db: Path, cli: Cli) -> None:
    like, data, _ = UNRANKABLE["a weight that is no number"]
    with raw(world_db) as conn:
        changed = append_after(conn, like, data)
        pinned = {"publication_no": 3, "position": changed, "tree_head": _DROPPED}
        append_after(conn, 34, {**pinned, "digest": chain_hash(conn, changed)})

    result = cli(world_db, "verify")

    assert result.returncode != 0 and "Traceback" not in result.stderr, result.stderr
    assert "which the log does not rank at position 35: ValueError Invalid literal" in (
        result.stdout + result.stderr
    )


#: Stored states appended unwitnessed, where decoding alone decides: JSON that orjson and
#: json.loads both refuse, that only json.loads reads, and edge cases of the timestamp. The
#: fast walk's reading of an only-hashed event (msgspec) must never vouch where the audit's
#: (records.read_plain) fails, and must give the same words where it succeeds.
CRAFTED: dict[str, tuple[bytes, bool]] = {
    "trailing comma in a skipped list": (b'"extra":[1,2,],', False),
    "raw control character in a skipped string": (b'"extra":"a\x01b",', False),
    "invalid UTF-8 in a skipped string": (b'"extra":"\xff",', False),
    "overlong UTF-8 in a skipped string": (b'"extra":"\xc0\xaf",', False),
    "UTF-8 of a surrogate in a skipped string": (b'"extra":"\xed\xa0\x80",', False),
    "NaN (json.loads reads it)": (b'"extra":NaN,', True),
    "a lone surrogate escape (json.loads reads it)": (b'"extra":"\\ud800",', True),
    "a number past a double (json.loads reads it)": (b'"extra":1e400,', True),
    "nested 1,000 deep (orjson reads it)": (b'"extra":' + b"[" * 1000 + b"]" * 1000 + b",", True),
    "nested 1,100 deep": (b'"extra":' + b"[" * 1100 + b"]" * 1100 + b",", False),
    "a repeated timestamp, the last not a timestamp": (b'"timestamp":5,', True),
    "a leading zero in a skipped number": (b'"extra":01,', False),
    "a comment": (b"/* c */", False),
    "a second transcoded value, of no known type": (b'"extra":{"_type_":"x","_data_":1},', False),
    "a second transcoded value, a UUID": (
        b'"extra":{"_type_":"uuid_hex","_data_":"' + FORGED_ID.encode() + b'"},',
        True,
    ),
    "a key spelled with an escape": (b'"\\u005ftype_":1,', True),
}


def crafted_state(state: bytes, crafted: bytes, after_the_stamp: bool) -> bytes:
    """A stored state with a crafted text in it: first (the row-by-row reading), or after the
    timestamp where eventsourcing writes it first (the chunk path's reading)."""
    if after_the_stamp or crafted.startswith(b'"timestamp"'):  # then the last timestamp
        return state[:-1] + b"," + crafted.removesuffix(b",") + b"}"
    return b"{" + crafted + state[1:]


#: Stored events the crafted states are made from: one whose data the replay reads (a city
#: registered) and one whose data it leaves unread (a vote).
CRAFTED_FROM = {"CityRegistered": 7, "VoteCast": 18}


@pytest.mark.parametrize("source", list(CRAFTED_FROM))
@pytest.mark.parametrize("after_the_stamp", [False, True])
@pytest.mark.parametrize("kind", list(CRAFTED))
def test_the_fast_walk_reads_what_only_is_hashed_as_the_audit_does(
    kind: str, after_the_stamp: bool, source: str, world: Runtime, world_db: Path
) -> None:
    crafted, _ = CRAFTED[kind]
    with raw(world_db) as conn:
        _, _, topic, state = row(conn, CRAFTED_FROM[source])
        insert(
            conn, HEAD + 1, (FORGED_ID, 1, topic, crafted_state(state, crafted, after_the_stamp))
        )

    for verify in (verify_log, verify_read_side):
        fast = verify(world.ledger, world.db.conn)

        assert fast == verify(world.ledger, world.db.conn, fast=False)
    assert verify_log(world.ledger, world.db.conn).first_bad in (None, HEAD + 1)


def test_the_crafted_states_decode_or_not_as_labelled(world: Runtime, world_db: Path) -> None:
    # The cases above are what they say: each decodes (or not) through the audit.
    with raw(world_db) as conn:
        sources = [row(conn, position) for position in CRAFTED_FROM.values()]
    for (_, _, topic, state), (kind, (crafted, decodes)), after_the_stamp in itertools.product(
        sources, CRAFTED.items(), (False, True)
    ):
        text = crafted_state(state, crafted, after_the_stamp)
        report = audit([RawRow(1, FORGED_ID, 1, topic, text)], decode=mapper_decoder(world.ledger))

        assert report.ok is decodes, (kind, topic, after_the_stamp, report.summary)


def test_the_fast_walk_and_the_audit_agree_on_a_healthy_log(world: Runtime) -> None:
    for verify in (verify_log, verify_read_side):
        fast = verify(world.ledger, world.db.conn)

        assert fast.ok, fast.summary
        assert fast == verify(world.ledger, world.db.conn, fast=False)


@pytest.mark.parametrize("chunk", [3, fastaudit.CHUNK])
def test_verify_reads_a_healthy_log_a_chunk_at_a_time_not_row_by_row(
    chunk: int, world: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fastaudit, "CHUNK", chunk)
    row_by_row: list[int] = []
    by_rows = fastaudit._Walk.chunk

    def counted(walk: fastaudit._Walk, rows: list[Row]) -> tuple[list[bytes], list[bytes]]:
        row_by_row.extend(r[0] for r in rows)
        return by_rows(walk, rows)

    monkeypatch.setattr(fastaudit._Walk, "chunk", counted)
    report = verify_log(world.ledger, world.db.conn)
    replayed = verify_read_side(world.ledger, world.db.conn)

    # Publications included, and with a replay of the read side beside the walk.
    assert report.ok and replayed.ok
    assert row_by_row == []


def test_a_witness_keyed_by_position_is_compared_a_chunk_at_a_time_in_one_plain_query(
    world_db: Path,
) -> None:
    with raw(world_db) as conn:
        hashes = b",".join(
            str(h).encode()
            for (h,) in conn.execute("SELECT hash FROM chain_witness ORDER BY position")
        )
        rebuilt_without_key(conn, "events")
        statements: list[str] = []
        conn.set_trace_callback(statements.append)
        keyed = fastaudit.WitnessTable("witness", conn, "chain_witness")
        unkeyed = fastaudit.WitnessTable("index", conn, "events")
        del statements[:]

        agreed = [keyed.agrees(1, hashes), unkeyed.agrees(1, hashes)]
        keyed_query, by_pair = statements
        refused = fastaudit.WitnessTable("witness", conn, "chain_witness").agrees(
            1, hashes[:-1] + b"x"
        )

    assert agreed == [True, True] and not refused
    assert "DISTINCT" not in keyed_query and "DISTINCT" in by_pair
    assert keyed.complete() and unkeyed.complete()


@pytest.fixture
def audited(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """The audit's calls from now on (the fast walk leaves what it cannot vouch for to it)."""
    calls: list[object] = []

    def counted(*args: Any, **kwargs: Any) -> IntegrityReport:
        calls.append(args)
        return audit(*args, **kwargs)

    monkeypatch.setattr(integrity, "audit", counted)
    return calls


@pytest.mark.parametrize(
    ("kind", "vouched"),
    [
        ("UPDATE events SET type = 'RankingWithdrawn' WHERE position = 28", False),
        ("UPDATE events SET type = 'RankingPublished' WHERE position = 20", True),
        ("DELETE FROM events WHERE position > 20", True),
        ("DROP TABLE events", True),
    ],
)
def test_the_event_index_only_tells_the_fast_walk_where_to_look_for_publications(
    kind: str, vouched: bool, world: Runtime, world_db: Path, audited: list[object]
) -> None:
    # A publication the index hides makes the fast walk leave the verdict to the audit; one it
    # invents is not a publication; one after what it indexed is read from the log.
    with raw(world_db) as conn:
        conn.execute(kind)

    report = verify_log(world.ledger, world.db.conn)

    assert report.ok, report.summary
    assert "2 publication digest(s) match" in report.summary
    assert report == verify_log(world.ledger, world.db.conn, fast=False)
    assert len(audited) == (1 if vouched else 2)


def test_stored_ids_are_read_as_uuid_text_only_in_their_stored_spelling() -> None:
    ids = [uuid5(NAMESPACE, f"city:{n}") for n in range(5)]
    stored = [i.hex for i in ids]

    assert hex_uuid_texts(stored) == [str(i) for i in ids]
    assert [hex_uuid_text(raw) for raw in stored] == [str(i) for i in ids]
    assert hex_uuid_texts([]) == []
    for other in (
        [*stored[:4], stored[4].upper()],  # capitals
        [*stored[:4], str(ids[4])],  # dashed
        [*stored[:4], ids[4]],  # not text
        [stored[0][:31], stored[1] + "a"],  # 64 hex digits, not two ids of 32
        [stored[0][:31] + "g"],
    ):
        assert hex_uuid_texts(other) is None, other


def test_the_fast_walk_never_vouches_for_rows_out_of_order_whatever_their_source(
    world: Runtime, world_db: Path
) -> None:
    with raw(world_db) as conn:
        rows = conn.execute(
            "SELECT rowid, originator_id, originator_version, topic, state FROM stored_events "
            "WHERE rowid <= 20 ORDER BY rowid"  # before any publication, and no witness
        ).fetchall()
    # The same rows with two neighbours of different aggregates exchanged: the ends of the
    # chunk are where they should be, the middle is not.
    rows[6], rows[7] = rows[7], rows[6]

    fast = fastaudit.fast_audit(rows, [], world.ledger.mapper)
    audited = audit((RawRow(*r) for r in rows), decode=mapper_decoder(world.ledger))

    assert fast is None
    assert not audited.ok and audited.first_bad == 7


def test_a_publication_the_index_hides_is_left_to_the_audit_even_when_its_pin_is_kept(
    world: Runtime, world_db: Path, audited: list[object]
) -> None:
    # A second publication of the position the last one pinned: its pin is kept and matches, so
    # only the publications the index named, compared with those the walk met, tell it was hidden.
    (pinned,) = world.db.execute(
        "SELECT position FROM publications ORDER BY publication_no DESC LIMIT 1"
    ).fetchone()
    world.ledger.publish(EDITION, position=pinned, force=True, reason="again")
    world.catch_up()
    with raw(world_db) as conn:
        conn.execute(f"UPDATE events SET type = 'RankingWithdrawn' WHERE position = {HEAD + 1}")

    report = verify_log(world.ledger, world.db.conn)

    assert report.ok, report.summary
    assert "3 publication digest(s) match" in report.summary
    assert len(audited) == 1  # the fast walk did not vouch
    assert report == verify_log(world.ledger, world.db.conn, fast=False)


def test_the_fast_walk_never_vouches_for_exchanged_witnessed_hashes_read_in_another_order(
    world: Runtime, world_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Chunks of two rows, the second chunk's witnessed hashes exchanged, and a connection on
    # which SQLite scans in reverse (it promises group_concat no order): joined in the order
    # read, the exchanged hashes would read as the chain's.
    monkeypatch.setattr(fastaudit, "CHUNK", 2)
    with raw(world_db) as conn:
        exchanged(conn, 3, 4)
        conn.execute("DELETE FROM chain_witness WHERE position > 20")
        rows = conn.execute(
            "SELECT rowid, originator_id, originator_version, topic, state FROM stored_events "
            "WHERE rowid <= 20 ORDER BY rowid"  # before any publication
        ).fetchall()
        for reverse in ("OFF", "ON"):
            conn.execute(f"PRAGMA reverse_unordered_selects = {reverse}")
            witness = fastaudit.WitnessTable("witness", conn, "chain_witness")

            assert fastaudit.fast_audit(rows, [witness], world.ledger.mapper) is None, reverse


def test_a_healthy_witness_read_in_another_order_agrees_in_one_query_a_chunk(
    world_db: Path,
) -> None:
    with raw(world_db) as conn:
        hashes = [str(h).encode() for (h,) in conn.execute("SELECT hash FROM chain_witness")]
        conn.execute("PRAGMA reverse_unordered_selects = ON")
        witness = fastaudit.WitnessTable("witness", conn, "chain_witness")
        statements: list[str] = []
        conn.set_trace_callback(statements.append)

        agreed = [
            witness.agrees(first, b",".join(hashes[first - 1 : first + 1])) for first in (1, 3)
        ]

    assert agreed == [True, True] and len(statements) == 2
    assert witness.compared == 4 and witness.last == 4
