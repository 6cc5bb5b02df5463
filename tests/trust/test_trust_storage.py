"""Storage failures: each named once with its own code; what was recorded is acknowledged."""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from cityledger.bootstrap import Runtime, open_runtime
from cityledger.importer import parse
from cityledger.importer import run as run_import
from graphql_api.app import create_app
from graphql_api.tokens import create_token
from graphql_api.watcher import Watcher
from ledger.application import Ledger
from ledger.errors import Corrupt, Locked, ReadOnly, StorageFull
from ledger.storage import storage_error
from projections import catalogue
from projections.follower import ProblemLog
from tests.support.cli import run
from tests.support.servers import REPO

REGISTER = (
    'mutation { registerCity(input: {cityId: "kobe", nameEn: "Kobe", nameZh: "神户", '
    'country: "JP"}) { __typename ... on Recorded { position result warning } '
    "... on LedgerError { code message } ... on CityPayload { city { cityId } } } }"
)


def page_count(path: Path) -> int:
    """Pages in the database file right now (WAL included, as SQLite counts them)."""
    conn = sqlite3.connect(str(path))
    try:
        return int(conn.execute("PRAGMA page_count").fetchone()[0])
    finally:
        conn.close()


def behind_a_full_read_side(runtime: Runtime, path: Path) -> None:
    """The read models' writer sees a full file (max_page_count at today's size), while the
    ledger records more events than fit in that size."""
    runtime.follower.db.execute(f"PRAGMA max_page_count = {page_count(path)}")
    for i in range(40):
        runtime.ledger.register_city(f"c{i}", "N" * 150, "名", "JP")


def uncap(runtime: Runtime) -> None:
    """Lift the read side's size limit (the disk was cleared)."""
    runtime.follower.db.execute("PRAGMA max_page_count = 1073741823")


def cap_ledger_file(ledger: Ledger, pages: int) -> None:
    """Make the ledger's connections see a full file: SQLite's max_page_count, the size limit
    SQLite itself enforces, applied to every pooled connection and to new ones."""
    pool: Any = ledger.recorder.datastore.pool  # type: ignore[attr-defined]
    create = pool._create_connection

    def capped() -> Any:
        conn = create()
        conn._sqlite_conn.execute(f"PRAGMA max_page_count = {pages}")
        return conn

    pool._create_connection = capped
    for conn in list(pool._pool):
        conn._sqlite_conn.execute(f"PRAGMA max_page_count = {pages}")


@pytest.fixture
def small(tmp_path: Path) -> Iterator[tuple[Runtime, Path]]:
    """A ledger with a few events, caught up."""
    path = tmp_path / "small.sqlite"
    runtime = open_runtime(path)
    runtime.ledger.register_city("nara", "Nara", "奈良", "JP")
    runtime.catch_up()
    yield runtime, path
    runtime.close()


def test_full_file_is_storage_full_at_once_and_records_nothing(
    small: tuple[Runtime, Path],
) -> None:
    runtime, path = small
    head = runtime.ledger.head()
    cap_ledger_file(runtime.ledger, page_count(path))
    with pytest.raises(StorageFull) as refused:
        for i in range(200):  # fill what is left of the last page, then hit the cap
            runtime.ledger.register_city(f"c{i}", "N" * 150, "名", "JP")
    assert refused.value.code == "STORAGE_FULL" and "register_city" in refused.value.message
    assert "conflicting" not in refused.value.message
    assert runtime.ledger.head() >= head  # whatever was acknowledged stays; nothing half-written


def test_read_only_database_is_read_only(small: tuple[Runtime, Path]) -> None:
    _, path = small
    ledger = Ledger(env={"SQLITE_DBNAME": f"file:{path}?mode=ro"})
    try:
        with pytest.raises(ReadOnly) as refused:
            ledger.register_city("kobe", "Kobe", "神户", "JP")
        assert refused.value.code == "READ_ONLY"
    finally:
        ledger.close()


def test_lock_held_past_the_timeout_is_locked_not_a_conflict(small: tuple[Runtime, Path]) -> None:
    _, path = small
    ledger = Ledger(path, env={"SQLITE_LOCK_TIMEOUT": "1"})
    holder = sqlite3.connect(str(path), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(Locked) as refused:
            ledger.register_city("kobe", "Kobe", "神户", "JP")
        assert refused.value.code == "LOCKED" and "conflicting" not in refused.value.message
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        ledger.close()


def test_damaged_file_is_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "damaged.sqlite"
    conn = sqlite3.connect(str(path))
    conn.execute("CREATE TABLE t (x TEXT)")
    conn.executemany("INSERT INTO t VALUES (?)", [("x" * 500,)] * 50)
    conn.commit()
    conn.close()
    data = bytearray(path.read_bytes())
    data[4096 : 4096 * 3] = b"\xff" * (4096 * 2)  # overwrite table pages, keep the header
    path.write_bytes(bytes(data))
    conn = sqlite3.connect(str(path))
    with pytest.raises(sqlite3.DatabaseError) as failure:
        conn.execute("SELECT count(*), max(length(x)) FROM t").fetchall()
    conn.close()
    named = storage_error(failure.value, "reading")
    assert isinstance(named, Corrupt) and named.code == "CORRUPT"


def test_command_recorded_while_catch_up_fails_is_answered_as_recorded(
    small: tuple[Runtime, Path],
) -> None:
    runtime, path = small
    token = create_token(runtime.db, "editor", "ed")
    with TestClient(create_app(runtime, follow=False)) as client:
        behind_a_full_read_side(runtime, path)
        head = runtime.ledger.head()
        answer = client.post(
            "/graphql", json={"query": REGISTER}, headers={"Authorization": f"Bearer {token}"}
        ).json()["data"]["registerCity"]
    assert answer["__typename"] == "Recorded", answer
    assert answer["position"] == head + 1 and answer["result"] == '"kobe"'
    assert answer["warning"].startswith("STORAGE_FULL")
    assert runtime.ledger.head() == head + 1  # recorded, as acknowledged
    uncap(runtime)
    assert runtime.catch_up() == head + 1  # and the read models catch up later


def test_failing_follower_logs_one_line_not_a_traceback_per_retry(
    small: tuple[Runtime, Path], caplog: pytest.LogCaptureFixture
) -> None:
    runtime, path = small
    behind_a_full_read_side(runtime, path)
    watcher = Watcher(runtime, path, follow=True)
    with caplog.at_level(logging.WARNING):
        for _ in range(10):
            watcher.tick()
        assert watcher.snapshot.problem is not None
        assert watcher.snapshot.problem.startswith("STORAGE_FULL")
        uncap(runtime)
        watcher.tick()
    assert watcher.snapshot.problem is None
    assert watcher.snapshot.position == runtime.ledger.head()
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and errors[0].exc_info is None
    assert "STORAGE_FULL" in errors[0].getMessage()
    assert any("works again" in r.getMessage() for r in caplog.records)


def test_problem_log_gives_an_unexpected_error_one_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    problems = ProblemLog(logging.getLogger("test.problems"), "testing")
    with caplog.at_level(logging.ERROR):
        for _ in range(3):
            problems.failed(RuntimeError("bug"))
    assert len(caplog.records) == 1 and caplog.records[0].exc_info is not None


def test_rebuild_on_a_full_disk_is_one_storage_full_line_and_changes_nothing(
    small: tuple[Runtime, Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    runtime, path = small
    behind_a_full_read_side(runtime, path)
    before = runtime.follower.positions()
    rows = runtime.db.execute("SELECT count(*) FROM events").fetchone()
    # The command line opens this runtime (its read side capped) and closes it after.
    monkeypatch.setattr("cityledger.bootstrap.open_runtime", lambda db=None: runtime)

    code, out, err = run(capsys, "rebuild", "--db", str(path))

    assert code == 2, (out, err)
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert err.startswith("cityledger: STORAGE_FULL: rebuild could not be completed")
    assert "nothing was changed" in err
    reopened = open_runtime(path)
    try:
        # The rebuild was one transaction: the read models are as they were, and catch up.
        assert reopened.follower.positions() == before
        assert reopened.db.execute("SELECT count(*) FROM events").fetchone() == rows
        assert reopened.catch_up() == reopened.ledger.head()
    finally:
        reopened.close()


def as_bound_by_permissions(*args: str) -> subprocess.CompletedProcess[str]:
    """`cityledger ARGS` in a process that file permissions bind: root without the
    capabilities that override them (so the test runs, and means the same, as root)."""
    command = [sys.executable, "-m", "cityledger.cli", *args]
    if os.geteuid() == 0:
        drop = "-dac_override,-dac_read_search"
        command = ["setpriv", f"--bounding-set={drop}", f"--inh-caps={drop}", "--", *command]
    return subprocess.run(command, capture_output=True, text=True, cwd=REPO, check=False)


def test_a_ledger_in_a_read_only_directory_is_read_only_for_writes_and_verified_in_place(
    small: tuple[Runtime, Path],
) -> None:
    runtime, path = small
    runtime.close()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for side in ("-wal", "-shm"):
        path.with_name(path.name + side).unlink(missing_ok=True)
    before = path.read_bytes()
    path.parent.chmod(0o555)
    try:
        ranked = as_bound_by_permissions(
            "rank", "--db", str(path), "--edition", "x", "--table", "total"
        )
        assert ranked.returncode == 2, ranked
        assert ranked.stderr.startswith("cityledger: READ_ONLY: ") and str(path) in ranked.stderr
        assert len(ranked.stderr.strip().splitlines()) == 1
        verified = as_bound_by_permissions("verify", "--db", str(path))
        assert (verified.returncode, verified.stderr) == (0, ""), verified
        assert verified.stdout.startswith("ok:")
    finally:
        path.parent.chmod(0o755)
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]


def city_lines(count: int) -> str:
    """An import file registering `count` cities, a second apart, with long names."""
    start = datetime(2024, 1, 1, tzinfo=UTC)
    return "".join(
        json.dumps(
            {
                "command": "register_city",
                "at": (start + timedelta(seconds=i)).isoformat(),
                "args": {
                    "city_id": f"c{i}",
                    "name_en": "N" * 150,
                    "name_zh": "名",
                    "country": "JP",
                },
            }
        )
        + "\n"
        for i in range(1, count + 1)
    )


def test_an_import_stopped_by_a_full_disk_names_the_first_line_not_recorded_and_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path, source = tmp_path / "import.sqlite", tmp_path / "cities.jsonl"
    source.write_text(city_lines(700), encoding="utf-8")
    runtime = open_runtime(path)
    # Room for the first transaction of 250 lines, not for the second: it fails whole.
    cap_ledger_file(runtime.ledger, page_count(path) + 60)
    monkeypatch.setattr("cityledger.bootstrap.open_runtime", lambda db=None: runtime)

    code, out, err = run(capsys, "import", "--db", str(path), "--file", str(source))

    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1, err
    assert err.startswith("cityledger: STORAGE_FULL: recording 250 commands could not be")
    assert "lines 1-250 are recorded, none from line 251 on" in err
    assert err.rstrip().endswith(f"import --file {source} --from-line 251`")
    monkeypatch.undo()
    reopened = open_runtime(path)
    try:
        cities = (
            {c.city_id for c in catalogue.cities(reopened.db)} if reopened.catch_up() else set()
        )
        assert cities == {f"c{i}" for i in range(1, 251)}
    finally:
        reopened.close()

    # Space is back: the import goes on from the line it named, and nothing is twice.
    code, out, err = run(
        capsys, "import", "--db", str(path), "--file", str(source), "--from-line", "251"
    )

    assert (code, err) == (0, ""), err
    assert out.startswith("imported 450 commands")
    code, out, err = run(capsys, "verify", "--db", str(path))
    assert code == 0 and out.startswith("ok: 700 events")


def test_an_import_run_again_after_it_was_killed_names_the_line_to_go_on_from(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, source = tmp_path / "import.sqlite", tmp_path / "cities.jsonl"
    source.write_text(city_lines(600), encoding="utf-8")
    # What a kill leaves: the transactions committed before it (here the first 250 lines).
    runtime = open_runtime(path)
    with source.open(encoding="utf-8") as handle:
        run_import(runtime.ledger, parse(handle)[:250])
    runtime.close()

    code, out, err = run(capsys, "import", "--db", str(path), "--file", str(source))

    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1, err
    assert err.startswith("cityledger: BACKDATED_EVENT: line 1 (register_city) is at ")
    assert "nothing was recorded" in err and "go on with --from-line 251" in err
    code, out, err = run(
        capsys, "import", "--db", str(path), "--file", str(source), "--from-line", "251"
    )
    assert (code, err) == (0, "") and out.startswith("imported 350 commands")
    code, out, _ = run(capsys, "verify", "--db", str(path))
    assert code == 0 and out.startswith("ok: 600 events")


def test_a_database_file_replaced_under_a_running_server_is_refused_and_reported(
    small: tuple[Runtime, Path],
) -> None:
    runtime, path = small
    token = create_token(runtime.db, "editor", "ed")
    app = create_app(runtime, follow=False)
    with TestClient(app) as client:
        head = runtime.ledger.head()
        # An operator restores a copy over the live file (or moves it away) while it serves.
        copy = path.with_name("restored.sqlite")
        with sqlite3.connect(path) as source, sqlite3.connect(copy) as target:
            source.backup(target)
        os.replace(copy, path)

        answer = client.post(
            "/graphql", json={"query": REGISTER}, headers={"Authorization": f"Bearer {token}"}
        ).json()["data"]["registerCity"]
        # Nothing went into the unlinked file (read through a connection still open to it).
        recorded = runtime.db.execute("SELECT max(rowid) FROM stored_events").fetchone()[0]
        app.state.watcher.tick()
        health = client.get("/healthz")

    assert answer["__typename"] == "LedgerError" and answer["code"] == "DATABASE_REPLACED"
    assert str(path) in answer["message"] and "restart the server" in answer["message"]
    assert recorded == head
    assert health.status_code == 503 and health.json()["status"] == "replaced"
    assert health.json()["problem"].startswith("DATABASE_REPLACED: ")
