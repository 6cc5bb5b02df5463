"""`load-reference` that an interruption cannot break: it loads into a copy, then swaps it in.

A load killed half-way used to leave a database holding part of the reference log, on which a
rerun failed (BACKDATED_EVENT) and `make run` then failed on every start. Now the load runs on
`<db>.loading` (a copy of the database, or a new file) and only a finished load replaces the
database, in one rename; a rerun discards an interrupted copy, says so, and starts again.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable
from contextlib import closing
from pathlib import Path

from cityledger import reference
from cityledger.bootstrap import Runtime, open_runtime
from cityledger.importer import Command
from cityledger.progress import Progress
from ledger.config import database_path, prepare, uses_postgres
from ledger.errors import InvalidState, LedgerError
from ledger.storage import STORAGE_ERRORS, storage_error
from projections import catalogue
from projections import publications as published

SIDE_FILES = ("-wal", "-shm", "-journal")


def load_reference(db_path: Path | None, progress: Progress, data: Path = reference.DATA) -> str:
    """Load the reference editions that are missing; atomically for a SQLite file."""
    if db_path is None and uses_postgres():
        rt = open_runtime()
        try:
            return _load(rt, progress, data)
        finally:
            rt.close()
    target = prepare(db_path or database_path())
    staging = target.with_name(target.name + ".loading")
    if staging.exists():
        progress.say(f"discarding {staging}, left by an interrupted load-reference; loading again")
        _remove(staging)
    head = 0
    if target.exists():
        rt = open_runtime(target)
        try:
            rt.catch_up()
            if not _missing(rt, data):
                return _load(rt, progress, data)  # says "already loaded"; writes nothing
            head = rt.ledger.head()
            _check_resumable(rt, target, head)
        finally:
            rt.close()
    if target.exists():
        _in_use(target)
    try:
        said = _load_copy(target, staging, progress, data)
        if target.exists():
            _in_use(target)
            if _head(target) != head:
                raise InvalidState(
                    f"{target} changed while the reference was loading into a copy; "
                    "run load-reference again",
                    field="CITYLEDGER_DB",
                )
    except BaseException:
        # The copy is discarded at once (on a full disk it is what fills it); only a killed
        # load leaves it, for the next run to discard.
        _remove(staging)
        raise
    os.replace(staging, target)
    return said


def _load_copy(target: Path, staging: Path, progress: Progress, data: Path) -> str:
    """Load into `staging`, a copy of `target` (or a new file); a failure says the database
    is unchanged."""
    try:
        if target.exists():
            copy_database(target, staging)
        rt = open_runtime(staging)
        try:
            said = _load(rt, progress, data)
        finally:
            rt.close()
        settle(staging)
    except (LedgerError, *STORAGE_ERRORS) as error:
        failure = error if isinstance(error, LedgerError) else storage_error(error, "the load")
        if failure is None:
            raise
        raise type(failure)(
            f"{failure.message}; {target} is unchanged (the load ran on a copy, now removed): "
            "fix that and run load-reference again",
            field=failure.field,
            value=failure.value,
        ) from None
    return said


def _load(rt: Runtime, progress: Progress, data: Path) -> str:
    """The reference loader with a progress bar per edition and one for the read models."""

    def track(commands: list[Command], name: str) -> Iterable[Command]:
        return progress.track(commands, name, "command")

    said = reference.load(rt, data, track=track)
    catch_up(rt, progress)
    return said


def catch_up(rt: Runtime, progress: Progress) -> int:
    """Bring the read models up to the head with a progress bar; return the position reached."""
    with progress.stage("read models", rt.ledger.head() - rt.follower.position(), "event") as tick:
        rt.follower.on_batch = tick
        try:
            return rt.catch_up()
        finally:
            rt.follower.on_batch = None


def _missing(rt: Runtime, data: Path) -> list[str]:
    """Reference editions not yet (completely) in the ledger."""
    present = {e.edition_id for e in catalogue.editions(rt.db)}
    return [
        edition
        for edition, name, publications in reference.FILES
        if (data / name).exists()
        and (edition not in present or len(published.publications(rt.db, edition)) < publications)
    ]


def _check_resumable(rt: Runtime, target: Path, head: int) -> None:
    """Refuse a database holding events but no reference edition (loading would be backdated)."""
    present = {e.edition_id for e in catalogue.editions(rt.db)}
    if head and not present & {edition for edition, *_ in reference.FILES}:
        raise InvalidState(
            f"{target} holds {head} events but no reference edition (an interrupted load by "
            "an older cityledger, or data of your own); the reference loads only into an empty "
            f"database: move {target} aside (with any {target.name}-wal and -shm) and run "
            "load-reference again",
            field="CITYLEDGER_DB",
        )


def copy_database(source: Path, target: Path) -> None:
    """A consistent copy of a SQLite database (the backup API, not a file copy)."""
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def settle(path: Path) -> None:
    """Fold the write-ahead log into the file, so that the file alone is the database."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("PRAGMA journal_mode=DELETE")
    finally:
        conn.close()


def _head(path: Path) -> int:
    with closing(open_runtime(path)) as rt:
        return rt.ledger.head()


def _in_use(path: Path) -> None:
    """Refuse to replace a database another process has open (a running `serve` would go on
    with the replaced file, and every write it acknowledged would be lost with it).

    Taking a file out of WAL mode needs every other connection closed, so that is the test:
    an idle server's write-ahead log may well be empty. The file is left in rollback-journal
    mode, as a finished load leaves it."""
    conn = sqlite3.connect(path, timeout=0)
    try:
        mode = str(conn.execute("PRAGMA journal_mode=DELETE").fetchone()[0])
    except sqlite3.OperationalError as error:
        if "locked" not in str(error).lower():
            raise
        mode = "wal"
    finally:
        conn.close()
    if mode.lower() != "delete":
        raise InvalidState(
            f"{path} is open in another process (a running `cityledger serve`?): stop it and "
            "run load-reference again; nothing was changed",
            field="CITYLEDGER_DB",
        )


def _remove(path: Path) -> None:
    for suffix in ("", *SIDE_FILES):
        Path(str(path) + suffix).unlink(missing_ok=True)
