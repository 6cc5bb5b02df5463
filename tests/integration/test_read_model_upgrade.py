"""Read models upgrade themselves: a model built at another schema version is dropped and replayed.

`data/before-schema-versions.sqlite` was written by the release before read models declared
schema versions (34 events, caught up, no `projection_versions` table): opening it must
upgrade every read model on its own, with progress on stderr, and lose nothing.
"""

from __future__ import annotations

import logging
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from cityledger.bootstrap import Runtime, open_runtime
from ledger.application import Ledger
from projections.evidence import Evidence
from projections.follower import VERSIONS_TABLE, Follower, default_models
from projections.store import open_db
from tests.integration.test_rebuild import dump
from tests.support.inputs import source
from tests.trust.trust_world import EDITION, run_cli

OLD = Path(__file__).parent / "data" / "before-schema-versions.sqlite"
OLD_HEAD = 34
#: The read models of that release (appeals and publications came later: they simply catch up).
PREVIOUS = ("event_index", "catalogue", "evidence", "standings")


@pytest.fixture
def old_db(tmp_path: Path) -> Path:
    """A copy of the database written by the previous layout."""
    return Path(shutil.copyfile(OLD, tmp_path / "old.sqlite"))


@pytest.fixture
def opened() -> Iterator[list[Runtime]]:
    """Runtimes a test opens, closed after it."""
    runtimes: list[Runtime] = []
    yield runtimes
    for rt in runtimes:
        rt.close()


def _open(path: Path, opened: list[Runtime]) -> Runtime:
    rt = open_runtime(path)
    opened.append(rt)
    return rt


def _stored_versions(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as conn:
        return dict(conn.execute(f"SELECT model, version FROM {VERSIONS_TABLE}").fetchall())


def test_the_fixture_is_a_database_of_the_previous_layout() -> None:
    with sqlite3.connect(OLD) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        positions = dict(conn.execute("SELECT model, position FROM projection_tracking"))
    assert VERSIONS_TABLE not in tables
    assert positions == {m: OLD_HEAD for m in PREVIOUS}


def test_an_old_database_upgrades_every_read_model_on_open(
    old_db: Path, opened: list[Runtime], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="cityledger.follower"):
        rt = _open(old_db, opened)
    said = caplog.text
    for name in PREVIOUS:
        assert f"read model {name} was built at schema version (none)" in said
    # Named in the order the models apply (the code's order, not the old release's).
    replayed = [m.name for m in default_models() if m.name in PREVIOUS]
    assert f"replaying {OLD_HEAD} events into {', '.join(replayed)}" in said
    assert f"to position {OLD_HEAD} of {OLD_HEAD}" in said
    assert _stored_versions(old_db) == {m.name: m.version for m in default_models()}
    assert set(rt.follower.positions().values()) == {OLD_HEAD}
    upgraded = dump(rt.db)
    assert upgraded["claims"] and upgraded["standings"]
    rt.follower.rebuild()
    assert dump(rt.db) == upgraded


def test_an_upgraded_database_keeps_recording_and_opens_quietly_next_time(
    old_db: Path, opened: list[Runtime], caplog: pytest.LogCaptureFixture
) -> None:
    rt = _open(old_db, opened)
    claim = rt.ledger.submit_claim(EDITION, "tokyo", "D1", 1, [source("ja")], "researcher")
    assert rt.catch_up() == OLD_HEAD + 1
    assert rt.db.execute("SELECT status FROM claims WHERE claim_id = ?", [claim]).fetchone()
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="cityledger.follower"):
        _open(old_db, opened)
    assert caplog.text == ""


def test_a_bumped_model_replays_alone_and_repairs_a_table_missing_a_column(
    old_db: Path,
    opened: list[Runtime],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _open(old_db, opened).close()
    opened.clear()
    caplog.clear()
    # The evidence tables as an older release would have left them: a column missing.
    with sqlite3.connect(old_db) as conn:
        conn.execute("ALTER TABLE claims DROP COLUMN decided_position")
    built = Evidence.version
    monkeypatch.setattr(Evidence, "version", built + 1)
    with caplog.at_level(logging.WARNING, logger="cityledger.follower"):
        rt = _open(old_db, opened)
    said = f"read model evidence was built at schema version {built}, the code's is {built + 1}"
    assert said in caplog.text
    assert "catalogue" not in caplog.text and "standings" not in caplog.text
    assert _stored_versions(old_db)["evidence"] == built + 1
    columns = {c.name for c in rt.db["claims"].columns}
    assert "decided_position" in columns
    decided = rt.db.execute("SELECT count(*) FROM claims WHERE decided_position > 0").fetchone()
    assert decided[0] > 0
    before = dump(rt.db)
    rt.follower.rebuild()
    assert dump(rt.db) == before


def test_the_command_line_upgrades_an_old_database_and_says_so_on_stderr(old_db: Path) -> None:
    result = run_cli(old_db, "events")
    assert result.returncode == 0, result.stderr
    assert "read model evidence was built at schema version (none)" in result.stderr
    assert f"to position {OLD_HEAD} of {OLD_HEAD}" in result.stderr
    assert len(result.stdout.splitlines()) == OLD_HEAD
    # verify writes nothing (so upgrades nothing); the upgraded read models pass it.
    verified = run_cli(old_db, "verify")
    assert verified.stdout.startswith(f"ok: {OLD_HEAD} events"), verified.stdout
    assert verified.stderr == ""


def test_a_replay_killed_half_way_goes_on_at_the_next_start_and_says_so(
    old_db: Path,
    opened: list[Runtime],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _open(old_db, opened).close()
    opened.clear()
    clean = Path(shutil.copyfile(old_db, old_db.with_name("clean.sqlite")))
    built = Evidence.version
    monkeypatch.setattr(Evidence, "version", built + 1)
    # A start that dropped evidence and replayed the first events into it, then was killed
    # (nothing after its last committed batch ran).
    ledger = Ledger(old_db)
    follower = Follower(ledger, open_db(old_db))
    assert follower.upgrading == ["evidence"]
    follower.catch_up(limit=10, batch=5)
    follower.db.close()
    ledger.close()
    assert _positions(old_db)["evidence"] == 10

    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="cityledger.follower"):
        rt = _open(old_db, opened)

    assert "read models evidence are at position 10, the others at 34" in caplog.text
    assert f"replayed evidence to position {OLD_HEAD} of {OLD_HEAD}" in caplog.text
    assert set(rt.follower.positions().values()) == {OLD_HEAD}  # before any catch-up is asked
    reference = _open(clean, opened)
    reference.follower.rebuild()
    assert dump(rt.db) == dump(reference.db)


def _positions(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as conn:
        return dict(conn.execute("SELECT model, position FROM projection_tracking").fetchall())
