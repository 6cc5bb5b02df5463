"""Read-model rows as tests compare them: every row of some tables, in a stable order."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlite_utils import Database

Rows = dict[str, list[tuple[Any, ...]]]


def table_rows(db: Database, tables: Iterable[str] | None = None) -> Rows:
    """Every row of the named tables (default: every table in the file), each table's rows
    sorted, so that two builds of the same rows compare equal whatever their insertion order."""
    if tables is None:
        tables = [
            name
            for (name,) in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            ).fetchall()
        ]
    return {t: sorted(db.execute(f"SELECT * FROM [{t}]").fetchall(), key=repr) for t in tables}
