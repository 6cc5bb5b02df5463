"""The stored log read as rows straight from SQLite: one reader for the read side and verify."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Protocol, cast

#: A stored event as SQLite holds it: rowid (its position), originator id, originator version,
#: topic and state, as stored (nothing decoded).
Row = tuple[Any, Any, Any, Any, Any]


class Executes(Protocol):
    """A sqlite3 connection or cursor, or eventsourcing's wrapper of one."""

    def execute(self, sql: str, parameters: Sequence[Any] = ..., /) -> Any:
        """Run one statement; return a cursor over its rows."""
        ...


def stored_rows(
    conn: Executes,
    table: str,
    *,
    after: int | None = None,
    upto: int | None = None,
    limit: int | None = None,
    topic_like: str | None = None,
) -> Iterator[Row]:
    """The stored events after position `after` (by default every row, whatever its rowid: a
    bound of 0 would hide a row stored at 0 or below from verify, which reads a log that may
    have been tampered with), up to `upto`, at most `limit`, only topics matching
    `topic_like`, by rowid, with one plain SELECT: no UUID object or domain event is built for
    a row that the caller only needs as text."""
    where = ["1"]
    params: list[Any] = []
    if after is not None:
        where.append("rowid > ?")
        params.append(after)
    if upto is not None:
        where.append("rowid <= ?")
        params.append(upto)
    if topic_like is not None:
        where.append("topic LIKE ?")
        params.append(topic_like)
    tail = ""
    if limit is not None:
        tail = " LIMIT ?"
        params.append(limit)
    found = conn.execute(
        "SELECT rowid, originator_id, originator_version, topic, state "
        f"FROM [{table}] WHERE {' AND '.join(where)} ORDER BY rowid{tail}",
        params,
    )
    # sqlite3 answers with a cursor over the rows; eventsourcing's cursor wrapper answers None
    # and hands the rows out itself.
    return iter(found if found is not None else cast(Any, conn).fetchall())
