"""Published tables from a cache: an anonymous request for published rankings is answered once.

An anonymous viewer sees only the bands of each edition's latest publication, and a
publication is immutable (it pins a ledger position). So the whole HTTP response to an
anonymous document whose root fields are all `rankings` is a function of the request and
of the set of publications. This ASGI wrapper stores such responses, keyed by the request
(method, body or query string, Accept) and valid while the publications are unchanged; a new
publication empties it. Everything else goes straight to the GraphQL app.

Whether the publications changed is asked of the database (in a worker thread) only after
something was committed to it, by any connection of any process: SQLite's `data_version`,
read on the event loop from a connection of the cache's own that never waits for a lock, says
so. A hit thus costs no thread hop while nothing is written.
"""

from __future__ import annotations

import json
import sqlite3
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from graphql import FieldNode, GraphQLError, OperationDefinitionNode, OperationType, parse
from sqlite_utils import Database
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from graphql_api.http import replayed
from graphql_api.offload import blocking

#: Root fields whose anonymous answer depends only on the publications (and immutable rows).
PUBLICATION_PINNED = frozenset({"rankings", "__typename"})
#: Bodies larger than this are never cached (and never read here).
MAX_CACHED_BODY = 64 * 1024
#: How many distinct requests are kept (least recently used dropped first).
MAX_ENTRIES = 512


@dataclass(frozen=True)
class Cached:
    """A stored response: status, headers and body bytes."""

    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


@lru_cache(maxsize=1024)
def publication_pinned(query: str, operation_name: str | None) -> bool:
    """Whether the selected operation is a query whose root fields are all publication-pinned."""
    try:
        document = parse(query)
    except GraphQLError:
        return False
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        operations = [o for o in operations if o.name and o.name.value == operation_name]
    if len(operations) != 1 or operations[0].operation is not OperationType.QUERY:
        return False
    selections = operations[0].selection_set.selections
    # Fragment spreads or inline fragments at the root: not worth proving, not cached.
    return all(isinstance(s, FieldNode) and s.name.value in PUBLICATION_PINNED for s in selections)


def request_document(method: str, body: bytes, query_string: bytes) -> tuple[str, str | None]:
    """(query, operationName) of a GraphQL request, or ("", None) when it is not one."""
    try:
        if method == "POST":
            payload: Any = json.loads(body)
        else:
            from urllib.parse import parse_qs

            params = parse_qs(query_string.decode("latin-1"))
            payload = {k: v[0] for k, v in params.items()}
    except (ValueError, UnicodeDecodeError):
        return "", None
    if not isinstance(payload, dict):
        return "", None
    query, name = payload.get("query"), payload.get("operationName")
    if not isinstance(query, str) or not (name is None or isinstance(name, str)):
        return "", None
    return query, name


class PublishedTableCache:
    """ASGI wrapper around the GraphQL app that serves anonymous published tables from memory."""

    def __init__(self, app: ASGIApp, db: Database, file: Path) -> None:
        self.app = app
        self.db = db
        self.entries: OrderedDict[tuple[bytes, ...], Cached] = OrderedDict()
        self.generation: tuple[Any, ...] | None = None
        self.hits = 0
        # Only ever reads `data_version`, on the event loop: timeout 0, so it never waits for
        # a lock (busy: None, and the database is asked in a worker thread). SQLite's WAL read
        # may still retry while a writer updates the WAL index, sleeping from the 6th retry on
        # (wal.c: 1 us, then (n - 9)^2 * 39 us; SQLITE_PROTOCOL after 100, under 10 s in all);
        # measured with one or two other processes committing 24k times a second and two or
        # three reading, 6 of 1.7M reads slept, the longest 0.5 ms (preemption on the 2 busy
        # cores cost up to 105 ms): not worth a thread hop per hit.
        self._changes = sqlite3.connect(
            f"file:{quote(str(file))}?mode=ro", uri=True, timeout=0, check_same_thread=False
        )
        #: The database's data_version when the generation was last read (None: never).
        self._version: int | None = None

    def publications_generation(self) -> tuple[Any, ...]:
        """What changes whenever a publication is recorded (publications are append-only)."""
        row = self.db.execute("SELECT COUNT(*), MAX(position) FROM publications").fetchone()
        return tuple(row)

    def _committed_version(self) -> int | None:
        """SQLite's data_version as the cache's connection sees it: it differs from the last
        one read whenever another connection has committed since (None: cannot tell now)."""
        try:
            # fetchall steps the statement to its end: no read transaction is left open.
            ((version,),) = self._changes.execute("PRAGMA data_version").fetchall()
        except sqlite3.Error:
            return None
        return int(version)

    async def _current_generation(self) -> None:
        """Empty the cache if the publications changed since it was filled; the database is
        asked (off the event loop) only if something was committed since it was last asked."""
        version = self._committed_version()
        if version is not None and version == self._version:
            return
        # Read before the generation: a commit in between changes it again, and the next
        # request asks again.
        generation = await blocking(self.publications_generation)
        self._version = version
        if generation != self.generation:
            self.entries.clear()
            self.generation = generation

    def close(self) -> None:
        """Close the cache's own connection."""
        self._changes.close()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer from the cache when the request is eligible, else pass it on."""
        if scope["type"] != "http" or scope["method"] not in ("GET", "POST"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length", b"0")
        if (
            b"authorization" in headers
            or not declared.isdigit()
            or int(declared) > MAX_CACHED_BODY
            or (scope["method"] == "POST" and headers.get(b"content-type") != b"application/json")
        ):
            await self.app(scope, receive, send)
            return
        body, more = await _read(receive)
        if more:
            await self.app(scope, replayed(body, receive), send)
            return
        key = (
            scope["method"].encode(),
            body,
            scope.get("query_string", b""),
            headers.get(b"accept", b""),
        )
        await self._current_generation()
        generation = self.generation
        hit = self.entries.get(key)
        if hit is not None:
            self.entries.move_to_end(key)
            self.hits += 1
            await _send(send, hit)
            return
        query, name = request_document(scope["method"], body, key[2])
        if not query or not publication_pinned(query, name):
            await self.app(scope, replayed(body, receive), send)
            return
        captured = await _capture(self.app, scope, replayed(body, receive), send)
        # Only a clean answer is stored: an error may depend on more than the publications.
        # And only if no other request saw the publications change while it was computed: it
        # may be the table of the publications before, which no later request would replace.
        if (
            captured is not None
            and captured.status == 200
            and b'"errors"' not in captured.body
            and self.generation is generation
        ):
            self.entries[key] = captured
            if len(self.entries) > MAX_ENTRIES:
                self.entries.popitem(last=False)


async def _read(receive: Receive) -> tuple[bytes, bool]:
    """The body, up to MAX_CACHED_BODY; (bytes so far, True) when there is more."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            # The client went away mid-upload: what arrived is not the request.
            raise ClientDisconnect()
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_CACHED_BODY:
            return b"".join(chunks), True
        if not message.get("more_body", False):
            return b"".join(chunks), False


async def _send(send: Send, cached: Cached) -> None:
    await send({"type": "http.response.start", "status": cached.status, "headers": cached.headers})
    await send({"type": "http.response.body", "body": cached.body})


async def _capture(app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> Cached | None:
    """Run the app, passing its response through and keeping a copy (None if streamed oddly)."""
    start: Message | None = None
    parts: list[bytes] = []
    complete = False

    async def tee(message: Message) -> None:
        nonlocal start, complete
        if message["type"] == "http.response.start":
            start = message
        elif message["type"] == "http.response.body":
            parts.append(message.get("body", b""))
            complete = not message.get("more_body", False)
        await send(message)

    await app(scope, receive, tee)
    if start is None or not complete:
        return None
    return Cached(int(start["status"]), list(start.get("headers", [])), b"".join(parts))
