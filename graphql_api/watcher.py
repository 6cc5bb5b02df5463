"""One thread per server that follows the ledger: read models, positions, subscribers' wake-ups.

Every subscriber used to poll the database itself; now this one thread does, however many
subscribers there are, and each idle subscriber only waits on an asyncio event. /healthz
answers from the latest snapshot, so it never touches the database on the event loop.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

from sqlite_utils import Database

from cityledger.bootstrap import Runtime
from graphql_api.counting import LiveCount
from graphql_api.tokens import TokenUsage
from ledger.errors import InvalidInput, Replaced
from projections.follower import BATCH, ProblemLog
from projections.model import tracking_position
from projections.store import open_db

LOG = logging.getLogger("graphql_api.watcher")
#: How often the watcher looks for new events (on PostgreSQL it is also woken by
#: LISTEN/NOTIFY as soon as any process commits, so there this is only the fallback).
INTERVAL = 0.05
#: Overrides INTERVAL, in seconds (e.g. a long fallback when notifications carry the load).
INTERVAL_ENV = "CITYLEDGER_POLL_SECONDS"


def poll_interval() -> float:
    """The polling interval: CITYLEDGER_POLL_SECONDS when set, else INTERVAL."""
    text = os.environ.get(INTERVAL_ENV, "").strip()
    if not text:
        return INTERVAL
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value <= 3600:
        raise InvalidInput(
            f"{INTERVAL_ENV}={text!r} is not a number of seconds in (0, 3600]",
            field=INTERVAL_ENV,
            value=text,
        )
    return value


@dataclass(frozen=True)
class Snapshot:
    """What the watcher last saw."""

    #: The read models' position.
    position: int
    #: The ledger's head.
    head: int
    #: Why the read models lag, when catching up fails (None: no problem).
    problem: str | None = None


class Watcher:
    """Follows the ledger in one thread and wakes waiting subscribers when new events land.

    With `follow`, it keeps the read models current; without, it catches up only while a
    subscriber listens (tests drive the read models themselves otherwise).
    """

    def __init__(
        self, runtime: Runtime, path: Path, *, follow: bool, interval: float | None = None
    ) -> None:
        self.runtime = runtime
        #: The watcher's own connection to the read models (so that its reads never wait
        #: behind a request's on the shared one), and where token usage is written.
        self.path = path
        self.db: Database | None = None
        self.usage = TokenUsage(path)
        self.follow = follow
        self.interval = poll_interval() if interval is None else interval
        self.snapshot = Snapshot(0, 0)
        self.problems = ProblemLog(LOG, "following the ledger")
        self._lock = threading.Lock()
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()
        self._listeners = LiveCount()
        #: Ticks taken so far (tests and benchmarks wait on it).
        self.ticks = 0
        self._stop = threading.Event()
        #: Set by a stop, or by PostgreSQL's NOTIFY when any process commits events.
        self._notified = threading.Event()
        self._thread: threading.Thread | None = None
        #: The database file the server opened (device and inode), to notice a replacement.
        self._identity = _identity(path)

    def start(self) -> None:
        """Take a first snapshot, then start the thread."""
        self._identity = _identity(self.path)
        self.db = open_db(self.path)
        self.tick()
        self._thread = threading.Thread(target=self._run, name="cityledger-watcher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread (waiting for its current tick) and write pending token usage."""
        self._stop.set()
        self._notified.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.usage.flush()
        if self.db is not None:
            self.db.close()

    def _run(self) -> None:
        try:
            # Other processes' commits wake the thread at once (None on SQLite: it polls).
            stop_listening = self.runtime.ledger.listen(self._notified)
        except Exception:
            LOG.exception("cannot listen for new events; polling every %s s", self.interval)
            stop_listening = None
        try:
            while not self._stop.is_set():
                self._notified.wait(self.interval)
                self._notified.clear()
                if not self._stop.is_set():
                    self.tick()
        finally:
            if stop_listening is not None:
                stop_listening()

    def replaced(self) -> Replaced | None:
        """The refusal to record anything when the database file at the server's path is no
        longer the one it opened (moved, deleted, or a backup restored over it): the server
        would go on with the unlinked file, and what it recorded would be lost."""
        if self._identity is None or _identity(self.path) == self._identity:
            return None
        return Replaced(
            f"the database file {str(self.path)!r} was replaced or removed while this server "
            "had it open; nothing was recorded: restart the server to open the file now there",
            field="CITYLEDGER_DB",
            value=str(self.path),
        )

    def tick(self) -> None:
        """Catch up if needed, note the positions, wake subscribers if the position moved."""
        try:
            gone = self.replaced()
            if gone is not None:
                raise gone
            head = self.runtime.ledger.head()
            if head > self.snapshot.position and (self.follow or self._listeners.active):
                self.runtime.follower.catch_up(limit=5 * BATCH)
            position = tracking_position(self.db or self.runtime.db)
            self.problems.recovered()
            problem = None
        except Exception as error:  # a full disk or a held lock: say so once, keep going
            problem = self.problems.failed(error)
            head, position = self.snapshot.head, self.snapshot.position
        moved = position != self.snapshot.position
        self.snapshot = Snapshot(position, head, problem)
        if moved:
            self._wake()
        self.usage.flush()
        self.ticks += 1

    @property
    def waiting(self) -> int:
        """Subscribers idle, waiting for new events."""
        with self._lock:
            return len(self._waiters)

    def _wake(self) -> None:
        with self._lock:
            waiters = list(self._waiters)
        for loop, event in waiters:
            if not loop.is_closed():
                loop.call_soon_threadsafe(event.set)

    def listening(self) -> AbstractContextManager[None]:
        """Count a subscriber while the block runs (so the watcher catches up for it)."""
        return self._listeners.track()

    async def wait_past(self, position: int) -> None:
        """Return once the read models have passed `position`."""
        event = asyncio.Event()
        waiter = (asyncio.get_running_loop(), event)
        with self._lock:
            self._waiters.add(waiter)
        try:
            while self.snapshot.position <= position:
                await event.wait()
                event.clear()
        finally:
            with self._lock:
                self._waiters.discard(waiter)


def _identity(path: Path) -> tuple[int, int] | None:
    """The device and inode of the file at `path` (None: there is none)."""
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_dev, found.st_ino
