"""Read commands never create a database, and `verify` never writes, refuses what is not a
ledger, and reports a damaged file with its documented exit code (3)."""

from __future__ import annotations

import hashlib
import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import pytest
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from cityledger.bootstrap import Runtime, open_runtime
from cityledger.cli import VERIFY_FAILED, main
from cityledger.loading import settle
from tests.support.builders import EDITION
from tests.support.cli import run

READS = [
    ("rank", "--edition", EDITION, "--table", "total"),
    ("changes", "--edition", EDITION, "--table", "total", "--before", "1"),
    ("compare", "--a", EDITION, "--b", EDITION, "--table", "total"),
    ("events",),
    ("verify",),
    ("rebuild",),
    ("prove", "consistency", "--first", "1"),
    ("prove", "inclusion", "--position", "1"),
    # A token binds to an existing ledger: a refused or mistyped one leaves no file behind.
    ("token", "create", "--role", "bogus", "--name", "x"),
    ("token", "create", "--role", "auditor", "--name", "auditor-al"),
    ("token", "list"),
    ("token", "revoke", "auditor-al"),
]


@pytest.mark.parametrize("args", READS, ids=lambda a: " ".join(a[:4]))
def test_a_read_command_on_a_mistyped_path_creates_nothing(
    args: tuple[str, ...],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    typo = tmp_path / "cityledgr.sqlite"
    monkeypatch.setenv("CITYLEDGER_DB", str(typo))

    code, out, err = run(capsys, *args)

    assert code == 2 and out == ""
    assert "does not exist" in err and str(typo) in err
    assert len(err.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def ledger_file(world: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The small world's file, closed, named by CITYLEDGER_DB, its write-ahead log folded into
    it, so that any write would change the file itself."""
    path = tmp_path / "ledger.sqlite"
    world.catch_up()
    world.close()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    monkeypatch.setenv("CITYLEDGER_DB", str(path))
    return path


def test_verify_writes_nothing_to_a_healthy_ledger(
    ledger_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = {p.name: digest(p) for p in tmp_path.iterdir() if p.is_file()}

    code, out, _ = run(capsys, "verify")

    assert code == 0 and out.startswith("ok:")
    after = {p.name: digest(p) for p in tmp_path.iterdir() if p.is_file()}
    assert after["ledger.sqlite"] == before["ledger.sqlite"]
    # Nothing was appended to the write-ahead log either (only SQLite's -shm index may appear).
    wal = tmp_path / "ledger.sqlite-wal"
    assert not wal.exists() or wal.stat().st_size == 0


def test_verify_leaves_a_settled_ledger_file_in_its_journal_mode_byte_for_byte(
    ledger_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # load-reference leaves its file in rollback-journal mode (the file alone is the database);
    # a connection opened to write would switch it to WAL, a change of the file's header.
    settled = tmp_path / "settled.sqlite"
    with closing(sqlite3.connect(ledger_file)) as source, closing(sqlite3.connect(settled)) as copy:
        source.backup(copy)
    settle(settled)
    monkeypatch.setenv("CITYLEDGER_DB", str(settled))
    before = digest(settled)

    code, out, err = run(capsys, "verify")

    assert (code, err) == (0, "") and out.startswith("ok:")
    assert digest(settled) == before
    with closing(sqlite3.connect(settled)) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "is empty"), (None, "holds no events")],
    ids=["zero bytes", "sqlite without a log"],
)
def test_verify_refuses_an_empty_database(
    content: bytes | None,
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "empty.sqlite"
    if content is None:
        with sqlite3.connect(path) as conn:
            conn.execute("CREATE TABLE notes (x TEXT)")
    else:
        path.write_bytes(content)
    before = digest(path)
    monkeypatch.setenv("CITYLEDGER_DB", str(path))

    code, out, err = run(capsys, "verify")

    assert code == 2 and out == "" and message in err
    assert digest(path) == before


def test_verify_reports_a_damaged_file_with_exit_code_3(
    ledger_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = bytearray(ledger_file.read_bytes())
    # Overwrite every page after the first with noise: the schema survives, the rows do not.
    for i in range(4096, len(data)):
        data[i] = (i * 7919) % 251
    ledger_file.write_bytes(bytes(data))

    code, _, err = run(capsys, "verify")

    assert code == VERIFY_FAILED == 3
    assert "CORRUPT_DATABASE" in err and len(err.strip().splitlines()) == 1


def test_verify_reports_a_file_that_is_not_a_database_with_exit_code_3(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "notes.sqlite"
    path.write_text("hello, not a database", encoding="utf-8")
    monkeypatch.setenv("CITYLEDGER_DB", str(path))

    code, _, err = run(capsys, "verify")

    assert code == 3 and "CORRUPT_DATABASE" in err
    assert path.read_text(encoding="utf-8") == "hello, not a database"


#: Commands that open a ledger to write to it, or to catch its read models up.
OPENERS = [
    ("editions",),
    ("rank", "--edition", EDITION, "--table", "total"),
    ("events",),
    ("rebuild",),
    ("import", "--file", "EMPTY"),
    ("token", "create", "--role", "auditor", "--name", "auditor-al"),
    ("load-reference",),
]


def refused_unchanged(
    args: tuple[str, ...],
    path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> str:
    """Run an opening command (EMPTY: an empty import file beside `path`) with `path` as the
    ledger; it must be refused in one line, the file left byte for byte. The line."""
    empty = path.with_name("empty.jsonl")
    empty.write_text("", encoding="utf-8")
    before = digest(path)
    monkeypatch.setenv("CITYLEDGER_DB", str(path))
    code, out, err = run(capsys, *[str(empty) if a == "EMPTY" else a for a in args])
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert digest(path) == before
    return err


@pytest.mark.parametrize("args", OPENERS, ids=lambda a: " ".join(a[:2]))
def test_another_applications_sqlite_file_is_refused_and_left_unchanged(
    args: tuple[str, ...],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "crm.sqlite"
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
        conn.execute("INSERT INTO customers (name) VALUES ('Ada')")

    err = refused_unchanged(args, path, monkeypatch, capsys)

    assert f"the database {str(path)!r} is not a ledger" in err and "customers" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["crm.sqlite", "empty.jsonl"]


class Kennel(Aggregate):
    """Another application's aggregate, recorded by eventsourcing as cityledger's are."""

    @event("Registered")
    def __init__(self, name: str) -> None:
        self.name = name


@pytest.mark.parametrize("args", OPENERS, ids=lambda a: " ".join(a[:2]))
def test_another_eventsourcing_applications_log_is_refused_and_left_unchanged(
    args: tuple[str, ...],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "kennel.sqlite"
    other: Application[UUID] = Application(
        env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path)}
    )
    other.save(Kennel("rex"))
    other.close()
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    err = refused_unchanged(args, path, monkeypatch, capsys)

    assert "its event log is another application's" in err and "Kennel.Registered" in err


def test_verify_of_a_tampered_log_counts_each_event_once_in_its_progress(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "cities.sqlite"
    runtime = open_runtime(path)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    with runtime.ledger.batch():  # enough events for a progress line (1,000 or more)
        for i in range(1100):
            at = start + timedelta(seconds=i)
            runtime.ledger.register_city(f"c{i}", f"City {i}", "城", "JP", at=at)
    runtime.catch_up()
    runtime.close()
    with closing(sqlite3.connect(path)) as conn, conn:
        changed = conn.execute(
            "UPDATE stored_events SET state = CAST(replace(CAST(state AS TEXT), 'City 500', "
            "'Town 500') AS BLOB) WHERE CAST(state AS TEXT) LIKE '%\"City 500\"%'"
        ).rowcount
    assert changed == 1
    monkeypatch.setenv("CITYLEDGER_DB", str(path))

    with pytest.raises(SystemExit) as stopped:
        main(["verify"])
    out, err = capsys.readouterr()

    assert stopped.value.code == VERIFY_FAILED and out.startswith("FAILED at position 501")
    # The audit walks the log again to name the bad position: those rows are not new work.
    assert err.startswith("verify: 1,100 events in "), err
