"""Where the ledger lives: one SQLite file under var/ by default, or PostgreSQL."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ledger.errors import InvalidInput

DEFAULT_DB = Path("var") / "cityledger.sqlite"
#: The table of the log in a ledger's SQLite file (eventsourcing's name for it).
LOG_TABLE = "stored_events"


def database_path() -> Path:
    """The SQLite file named by CITYLEDGER_DB, or var/cityledger.sqlite."""
    return Path(os.environ.get("CITYLEDGER_DB") or DEFAULT_DB)


def prepare(path: Path) -> Path:
    """Check a database path: var/ is created on first use; any other directory must exist."""
    if path.parent == DEFAULT_DB.parent:
        path.parent.mkdir(parents=True, exist_ok=True)
    elif not path.parent.is_dir():
        raise InvalidInput(
            f"database directory {str(path.parent)!r} does not exist", field="CITYLEDGER_DB"
        )
    if path.is_dir():
        raise InvalidInput(f"database path {str(path)!r} is a directory", field="CITYLEDGER_DB")
    return path


def read_only_uri(path: Path) -> str:
    """A SQLite URI opening `path` read-only; immutable where nothing can be writing it (a
    read-only directory or file system, and no write-ahead log), since SQLite cannot create
    there the shared-memory index a read-only connection to a WAL file otherwise needs."""
    uri = path.resolve().as_uri() + "?mode=ro"
    if not os.access(path.parent, os.W_OK) and not path.with_name(path.name + "-wal").exists():
        uri += "&immutable=1"
    return uri


def file_of(name: str) -> Path | None:
    """The file an eventsourcing SQLITE_DBNAME names, a path or a `file:` URI (None: memory)."""
    if ":memory:" in name or "mode=memory" in name:
        return None
    if not name.startswith("file:"):
        return Path(name)
    parts = urlsplit(name)
    return Path(unquote(parts.path)) if parts.path else None


def uses_postgres() -> bool:
    """Whether PERSISTENCE_MODULE selects eventsourcing's PostgreSQL persistence."""
    return os.environ.get("PERSISTENCE_MODULE", "") == "eventsourcing.postgres"


def read_model_path() -> Path:
    """The SQLite file of the read models: the ledger's own file unless on PostgreSQL."""
    override = os.environ.get("CITYLEDGER_READ_DB")
    if override:
        return Path(override)
    if uses_postgres():
        return Path("var") / "cityledger-read.sqlite"
    return database_path()


def ledger_env(db_path: Path | None = None) -> dict[str, str]:
    """The eventsourcing environment for the Ledger application."""
    if uses_postgres() and db_path is None:
        # POSTGRES_DBNAME, POSTGRES_HOST, … come from the process environment.
        return {"PERSISTENCE_MODULE": "eventsourcing.postgres"}
    path = prepare(db_path or database_path())
    return {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": str(path),
        "SQLITE_LOCK_TIMEOUT": "30",
    }
