"""Follower: polls the ledger's committed positions and keeps every read model current."""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlite_utils import Database

from ledger.errors import LedgerError, UnfoldableEvents
from ledger.records import EventRecord
from ledger.storage import storage_error
from projections.appeals import AppealCases
from projections.catalogue import Catalogue
from projections.event_index import EventIndex
from projections.evidence import Evidence
from projections.merkle import MerkleBlocks
from projections.model import ReadModel
from projections.publications import PublicationRecords
from projections.source import EventSource
from projections.standings import Standings
from projections.store import write_transaction

BATCH = 500
#: A rebuild applies bigger batches: fewer standings rewrites, and nobody reads meanwhile.
REBUILD_BATCH = 5000
#: A rebuild's page cache, in KiB: its one transaction writes every read model, and with
#: SQLite's default (2 MB) the dirty pages spill to the WAL before the commit and are read
#: back for the indexes built at the end. An upper bound, released when the rebuild ends.
REBUILD_CACHE_KIB = 64 * 1024
#: Events between two progress lines while replaying an upgraded read model.
PROGRESS_EVERY = REBUILD_BATCH
LOG = logging.getLogger("cityledger.follower")
#: Each model's schema version as last built (the code's `ReadModel.version`).
VERSIONS_TABLE = "projection_versions"


def default_models() -> list[ReadModel]:
    """The read models, in the order they apply each batch (the event index first)."""
    return [
        EventIndex(),
        Catalogue(),
        Evidence(),
        Standings(),
        AppealCases(),
        PublicationRecords(),
        MerkleBlocks(),
    ]


@contextmanager
def paused_gc() -> Iterator[None]:
    """The cyclic garbage collector paused for a bulk replay: it allocates many records and rows,
    freed by reference counting, and the collector would traverse every batch's survivors
    again and again. It runs again afterwards."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


#: What a handler raises on data it cannot read (a missing key, a value of another type).
_UNREADABLE = (KeyError, TypeError, ValueError, ArithmeticError, AttributeError, IndexError)


@contextmanager
def unfoldable(model: ReadModel, records: list[EventRecord]) -> Iterator[None]:
    """A handler's failure on data it cannot read, as one named error (the transaction rolls
    the batch back)."""
    try:
        yield
    except _UNREADABLE as error:
        first, last = records[0].position, records[-1].position
        raise UnfoldableEvents(
            f"read model {model.name} cannot apply the events at positions {first}-{last}: "
            f"{type(error).__name__}: {error} (the log holds data its handlers do not read; "
            "`cityledger verify` names the event)",
            field="position",
            value=first,
        ) from error


@contextmanager
def rebuild_settings(db: Database) -> Iterator[None]:
    """A rebuild's page cache, and no zeroing of the pages it frees, restored after.

    The pages the drop frees are the read models' own, written again at once from the log:
    zeroing them first (Debian builds SQLite with secure_delete on) would double the writes."""
    (cache,) = db.execute("PRAGMA cache_size").fetchone()
    (secure,) = db.execute("PRAGMA secure_delete").fetchone()
    db.execute(f"PRAGMA cache_size = {-REBUILD_CACHE_KIB}")
    db.execute("PRAGMA secure_delete = FAST")
    try:
        yield
    finally:
        db.execute(f"PRAGMA cache_size = {int(cache)}")
        db.execute(f"PRAGMA secure_delete = {('OFF', 'ON', 'FAST')[int(secure)]}")


class ProblemLog:
    """A repeating failure logged once, in one line, and its recovery once.

    A storage failure (full disk, held lock…) is logged with its name and no traceback; an
    unexpected error gets one traceback, the first time. Repeats of the same failure are
    silent, so a loop retrying every few milliseconds does not flood the log.
    """

    def __init__(self, logger: logging.Logger, doing: str) -> None:
        self.logger = logger
        self.doing = doing
        self.current: str | None = None

    def failed(self, error: BaseException) -> str:
        """Note a failure; log it if it differs from the one already logged. Return its text."""
        named: LedgerError | None = storage_error(error, self.doing)
        if named is None and isinstance(error, LedgerError):
            named = error  # already says what is wrong (an event type unknown to this code)
        text = (
            f"{named.code}: {named.message}"
            if named is not None
            else f"{self.doing} failed: {type(error).__name__}: {error}"
        )
        if text != self.current:
            self.current = text
            self.logger.error(
                "%s; retrying quietly until it succeeds",
                text,
                exc_info=error if named is None else None,
            )
        return text

    def recovered(self) -> None:
        """Note a success; log the recovery if a failure was logged."""
        if self.current is not None:
            self.current = None
            self.logger.warning("%s works again", self.doing)


class Follower:
    """Applies new events to each read model, rows and tracking position in one transaction."""

    def __init__(
        self, ledger: EventSource, db: Database, models: list[ReadModel] | None = None
    ) -> None:
        self.ledger = ledger
        self.db = db
        self.models = models if models is not None else default_models()
        self._lock = threading.Lock()
        #: Called with each applied batch's size (progress reports of long replays).
        self.on_batch: Callable[[int], None] | None = None
        #: Models dropped on start because their stored schema version was not the code's.
        self.upgrading: list[str] = []
        with write_transaction(self.db):
            self.db.execute(
                "CREATE TABLE IF NOT EXISTS projection_tracking "
                "(model TEXT PRIMARY KEY, position INTEGER NOT NULL)"
            )
            self.db.execute(
                f"CREATE TABLE IF NOT EXISTS {VERSIONS_TABLE} "
                "(model TEXT PRIMARY KEY, version INTEGER NOT NULL)"
            )
            # Before create(): an old table may lack a column that a new index names.
            self.upgrading = self._drop_stale()
            for model in self.models:
                model.create(self.db)
            self.upgrading += self._interrupted()

    def _drop_stale(self) -> list[str]:
        """Drop each model built at another schema version (or before versions were kept)."""
        stored = dict(self.db.execute(f"SELECT model, version FROM {VERSIONS_TABLE}").fetchall())
        positions = self.positions()
        dropped = []
        for model in self.models:
            if stored.get(model.name) == model.version:
                continue
            model.drop(self.db)
            model.reset()
            self.db.execute("DELETE FROM projection_tracking WHERE model = ?", [model.name])
            self._record_version(model)
            if positions[model.name]:
                was = stored.get(model.name)
                LOG.warning(
                    "read model %s was built at schema version %s, the code's is %s: "
                    "dropped, replaying the log into it",
                    model.name,
                    "(none)" if was is None else was,
                    model.version,
                )
                dropped.append(model.name)
        return dropped

    def _interrupted(self) -> list[str]:
        """The models a replay on an earlier start did not finish (the process was killed):
        every batch moves all models together, so only such a replay leaves some behind."""
        positions = self.positions()
        ahead = max(positions.values(), default=0)
        behind = [name for name, position in positions.items() if position < ahead]
        if behind and not self.upgrading:
            LOG.warning(
                "read models %s are at position %d, the others at %d (a replay was "
                "interrupted): replaying on",
                ", ".join(behind),
                min(positions.values()),
                ahead,
            )
        return [name for name in behind if name not in self.upgrading]

    def _record_version(self, model: ReadModel) -> None:
        self.db.execute(
            f"INSERT INTO {VERSIONS_TABLE} (model, version) VALUES (?, ?) "
            "ON CONFLICT(model) DO UPDATE SET version = excluded.version",
            [model.name, model.version],
        )

    def replay_upgraded(self) -> int:
        """Replay the models dropped on start, saying how far it got; return the position."""
        if not self.upgrading:
            return self.position()
        head = self.ledger.head()
        names = ", ".join(self.upgrading)
        LOG.warning("replaying %d events into %s", head, names)
        reached = self.position()
        while reached < head:
            # A rebuild's batches (one transaction, one standings rewrite per progress line),
            # the collector paused as in a rebuild: nothing is served meanwhile.
            with paused_gc():
                now = self.catch_up(limit=PROGRESS_EVERY, batch=REBUILD_BATCH)
            if now == reached:
                break
            reached = now
            LOG.warning("replayed %s to position %d of %d", names, min(reached, head), head)
        self.upgrading = []
        return reached

    def positions(self) -> dict[str, int]:
        """Each model's tracking position."""
        rows = dict(self.db.execute("SELECT model, position FROM projection_tracking").fetchall())
        return {m.name: int(rows.get(m.name, 0)) for m in self.models}

    def position(self) -> int:
        """The position every read model has reached."""
        return min(self.positions().values(), default=0)

    def catch_up(self, limit: int | None = None, batch: int = BATCH) -> int:
        """Apply every committed event not yet applied (at most `limit`), `batch` events per
        transaction; return the position."""
        applied = 0
        with self._lock:
            while limit is None or applied < limit:
                count = self._step(batch if limit is None else min(batch, limit - applied))
                if count == 0:
                    break
                applied += count
        return self.position()

    def _step(self, batch: int) -> int:
        """One batch in one transaction; re-reads positions inside it so followers never clash."""
        with self._forgetting_on_failure(), write_transaction(self.db):
            count = self._apply_batch(batch)
            self._flush()
            return count

    @contextmanager
    def _forgetting_on_failure(self) -> Iterator[None]:
        """Every model's cache forgotten when the transaction fails: it rolled back, and a
        model may have changed its cache before the failure, even at the same position."""
        try:
            yield
        except BaseException:
            for model in self.models:
                model.reset()
            raise

    def _flush(self) -> None:
        for model in self.models:
            model.flush(self.db)

    def _apply_batch(self, batch: int, positions: dict[str, int] | None = None) -> int:
        """Apply the next batch to each model that has not seen it (inside a transaction);
        `positions` (each model's, read here when not given) are advanced in place."""
        if positions is None:
            positions = self.positions()
        start = min(positions.values(), default=0)
        records = self.ledger.records(after=start, limit=batch)
        todo = []
        for model in self.models:
            seen = positions[model.name]
            # Usually every model is at `start`: the whole batch, without a copy.
            mine = records if seen <= start else [r for r in records if r.position > seen]
            if mine:
                # Every model's reads first, then every model's writes.
                with unfoldable(model, mine):
                    model.prepare(self.db, mine, seen)
                todo.append((model, mine))
        reached = []
        for model, mine in todo:
            with unfoldable(model, mine):
                model.apply(self.db, mine)
            positions[model.name] = mine[-1].position
            reached.append((model.name, mine[-1].position))
        # One statement for every model's new position.
        self.db.conn.executemany(
            "INSERT INTO projection_tracking (model, position) VALUES (?, ?) "
            "ON CONFLICT(model) DO UPDATE SET position = excluded.position",
            reached,
        )
        if self.on_batch is not None and records:
            self.on_batch(len(records))
        return len(records)

    def rebuild(self) -> int:
        """Drop every read model and replay the whole log, all in one transaction."""
        with (
            self._lock,
            rebuild_settings(self.db),
            paused_gc(),
            self._forgetting_on_failure(),
            write_transaction(self.db),
        ):
            for model in self.models:
                model.drop(self.db)
                model.reset()
                model.create(self.db)
                self._record_version(model)
            self.db.execute("DELETE FROM projection_tracking")
            # Every model starts from nothing and moves with the others: no need to read their
            # positions back before each batch.
            positions = dict.fromkeys((m.name for m in self.models), 0)
            while self._apply_batch(REBUILD_BATCH, positions):
                pass
            self._flush()
        return self.position()

    def follow(self, stop: threading.Event, interval: float = 0.25) -> None:
        """Follow the log until `stop` is set: woken by the engine's notifications where it has
        them (PostgreSQL LISTEN/NOTIFY, so other processes' writes arrive at once), and polling
        committed positions every `interval` in any case (SQLite has no notifications)."""
        problems = ProblemLog(LOG, "catching up the read models")
        wake = threading.Event()
        listen = getattr(self.ledger, "listen", None)
        try:
            stop_listening = listen(wake) if listen is not None else None
        except Exception:
            LOG.exception("cannot listen for new events; polling only")
            stop_listening = None

        def stop_wakes_too() -> None:
            stop.wait()
            wake.set()

        threading.Thread(target=stop_wakes_too, daemon=True).start()
        try:
            while not stop.is_set():
                try:
                    caught_up = self.catch_up(limit=5 * BATCH) == self.ledger.head()
                    problems.recovered()
                except Exception as error:
                    # The failed batch rolled back; say so once and try again rather than die.
                    problems.failed(error)
                    caught_up = True
                if caught_up:
                    wake.wait(interval)
                    wake.clear()
        finally:
            if stop_listening is not None:
                stop_listening()
