"""LedgerBase: the application machinery every use case shares (time, retries, idempotency)."""

from __future__ import annotations

import json
import logging
import random
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar, cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, OperationalError
from eventsourcing.sqlite import SQLiteApplicationRecorder
from eventsourcing.utils import TopicError, resolve_topic

from ledger import validate
from ledger.appeal import Appeal
from ledger.chain import GENESIS, canonical, link_canonical
from ledger.claim import Claim
from ledger.config import ledger_env
from ledger.edition import Edition
from ledger.errors import (
    AlreadyExists,
    BackdatedEvent,
    ConcurrentWrite,
    InvalidInput,
    UnknownEventType,
    UnknownId,
)
from ledger.framework import Framework
from ledger.ids import hex_uuid_text
from ledger.proofs import leaf_hash, tree_head
from ledger.receipt import Receipt
from ledger.records import EventRecord, from_notification, records_from
from ledger.storage import STORAGE_ERRORS, lost_connection, storage_error
from ledger.stored import stored_rows
from ledger.usecases.registry import Run, current_request, use_case
from ledger.verifier import Verifier

__all__ = ["LedgerBase", "Outcome", "last_recorded", "use_case"]

A = TypeVar("A", bound=Aggregate)
LOGGER = logging.getLogger("cityledger.ledger")
ATTEMPTS = 8
#: Seconds between attempts to listen again after PostgreSQL notifications stopped.
RELISTEN_SECONDS = 1.0


T = TypeVar("T")
#: What the last use case run in this context returned, once its events were saved (a tuple,
#: so "none yet" differs from a None result); encoded only when asked, never per command.
_RECORDED: ContextVar[tuple[Any] | None] = ContextVar("cityledger_recorded", default=None)


def last_recorded() -> str | None:
    """The result (JSON) of the last use case recorded in this context (None: none)."""
    recorded = _RECORDED.get()
    return None if recorded is None else json.dumps(recorded[0], default=str)


@dataclass(frozen=True)
class Prefix:
    """What one pass over a prefix of the log yields."""

    #: The chain hash at the prefix's last position.
    digest: str
    #: RFC 9162 leaf hashes, one per event, in ledger order.
    leaves: list[bytes]
    #: The last version of the watched aggregate within the prefix (0: not there yet).
    watched_version: int

    def tree_head(self) -> str:
        """The Merkle tree head (hex) over the prefix."""
        return tree_head(self.leaves).hex()


@dataclass
class Outcome(Generic[T]):
    """What a use case decided: its result and the aggregates to save together."""

    result: T
    aggregates: list[Aggregate] = field(default_factory=list)


#: Use cases that read the recorded log itself (a publication pins its digest): never batched.
LOG_READERS = frozenset({"publish"})


@dataclass
class _Batch:
    """Commands decided but not yet saved: their events, aggregates and how to replay them."""

    size: int
    #: Commands run in this batch whose events are committed, in order.
    recorded: int = 0
    events: list[Any] = field(default_factory=list)
    identity: dict[UUID, Aggregate] = field(default_factory=dict)
    replays: list[tuple[str, datetime | None, Callable[[datetime], Outcome[Any]]]] = field(
        default_factory=list
    )
    head_time: datetime | None = None


class _Keyed(Protocol):
    """An aggregate class: its aggregates' ids are derived from their own ids."""

    @staticmethod
    def key(ident: str) -> UUID:
        """The aggregate id of the one with this id."""


def _key(cls: type[Aggregate], ident: str) -> UUID:
    """The aggregate id of the one of `cls` with this id (every aggregate has `key(id)`)."""
    return cast(_Keyed, cls).key(ident)


def _what(cls: type[Aggregate]) -> str:
    """How errors name an aggregate class: WeightSet -> "weight set"."""
    return re.sub(r"(?<!^)(?=[A-Z])", " ", cls.__name__).lower()


def _unknown_type(rows: Iterable[tuple[int, str]], error: TopicError) -> UnknownEventType:
    """The refusal naming the first of the rows whose event type this code does not know."""
    for position, topic in rows:
        try:
            resolve_topic(topic)
        except TopicError:
            return UnknownEventType(
                f"position {position} of the log holds an event of type {topic!r}, which this "
                "version of cityledger does not know (a newer version recorded it?): upgrade "
                "cityledger to read the log past it; nothing was changed",
                field="topic",
                value=topic,
            )
    return UnknownEventType(f"the log holds an event type this code does not know: {error}")


class _UuidTexts(dict[Any, str]):
    """Stored originator ids as the canonical UUID text, each worked out once per batch."""

    def __missing__(self, raw: Any) -> str:
        text = str(raw)
        dashed = hex_uuid_text(text) or str(UUID(text))
        self[raw] = dashed
        return dashed


class LedgerBase(Application[UUID]):
    """Running a use case: check time, replay keyed retries, save atomically, retry conflicts."""

    name = "cityledger"

    def __init__(
        self,
        db_path: Path | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        super().__init__(env={**ledger_env(db_path), **(env or {})})
        # Recorded framework versions are immutable, so a read-only copy may be reused.
        self._frameworks: dict[str, Framework] = {}
        self._batch: _Batch | None = None

    # ---- infrastructure -------------------------------------------------------------

    def _run(self, run: Run, body: Callable[[datetime], Outcome[T]]) -> T:
        """Run the use case being called (its name from @use_case) with its run keywords."""
        request = current_request()
        assert request is not None, "_run is called by @use_case methods"
        key, at = run.get("idempotency_key"), run.get("at")
        return self._execute(request.name, key, at, body, request.fingerprint)

    def _execute(
        self,
        command: str,
        key: str | None,
        at: datetime | None,
        body: Callable[[datetime], Outcome[T]],
        fingerprint: str = "",
    ) -> T:
        """Run a command: check time, replay a keyed retry, save atomically, retry conflicts."""
        batch = self._batch
        if batch is not None:
            if key is None and command not in LOG_READERS:
                return self._run_batched(batch, command, at, body)
            # A keyed command or one that reads the log itself runs alone, after the batch.
            self.flush()
        if key is not None:
            validate.text("idempotency_key", key, max_len=200)
        for attempt in range(ATTEMPTS):
            try:
                result = self._attempt(command, key, fingerprint, at, body)
                _RECORDED.set((result,))
                if batch is not None:
                    batch.recorded += 1  # run alone, after the batch's earlier commands
                return result
            except STORAGE_ERRORS as error:
                # Translated once, here: a full disk, a read-only or locked or damaged file
                # is named as such at once; only a conflict with another writer is retried.
                named = storage_error(error, command)
                if named is not None and not (lost_connection(error) and attempt < ATTEMPTS - 1):
                    raise named from None
                if named is not None:
                    continue  # a connection the server dropped: the pool gives another
                if not isinstance(error, IntegrityError | OperationalError):
                    raise
                if attempt == ATTEMPTS - 1:
                    raise ConcurrentWrite(
                        f"{command} kept conflicting with other writers: {error}"
                    ) from None
                time.sleep(random.uniform(0.001, 0.02) * (attempt + 1))
        raise ConcurrentWrite(f"{command} could not be recorded")  # pragma: no cover

    def _attempt(
        self,
        command: str,
        key: str | None,
        fingerprint: str,
        at: datetime | None,
        body: Callable[[datetime], Outcome[T]],
    ) -> T:
        """One try: answer a keyed retry as the first time, or decide and save atomically."""
        if key is not None:
            receipt = self._find(Receipt, Receipt.key_id(key))
            if receipt is not None:
                # A retry: answer as the first time did, before any other check.
                if not receipt.answers(command=command, fingerprint=fingerprint):
                    raise InvalidInput(
                        "this idempotency key was already used for a different "
                        f"request ({receipt.command})",
                        field="idempotency_key",
                        value=key,
                    )
                return cast(T, json.loads(receipt.result))
        when = self._check_time(at)
        outcome = body(when)
        aggregates = list(outcome.aggregates)
        if key is not None:
            result = json.dumps(outcome.result)
            receipt = Receipt.issue(
                key=key, command=command, result=result, fingerprint=fingerprint, at=when
            )
            aggregates.append(receipt)
        self.save(*aggregates)
        return outcome.result

    def _check_time(self, at: datetime | None) -> datetime:
        """The event time: now, or an import's, which must be aware, past, not before the head."""
        now = datetime.now(UTC)
        head = self._batch.head_time if self._batch and self._batch.head_time else self.head_time()
        if at is None:
            # The ledger's clock never runs backwards, whatever the host clock does.
            return max(now, head) if head is not None else now
        if not isinstance(at, datetime) or at.tzinfo is None:
            raise InvalidInput(
                f"time {at!r} must be an ISO-8601 instant with a UTC offset", field="at"
            )
        if at > now:
            raise InvalidInput(
                f"time {at.isoformat()} is in the future", field="at", value=at.isoformat()
            )
        if head is not None and at < head:
            raise BackdatedEvent(
                f"time {at.isoformat()} is before the ledger head at {head.isoformat()}; "
                "imports must be in time order",
                field="at",
                value=at.isoformat(),
            )
        return at

    def _find(self, cls: type[A], key: UUID) -> A | None:
        if self._batch is not None and key in self._batch.identity:
            return self._batch.identity[key]  # type: ignore[return-value]
        try:
            found: A = self.repository.get(key)
        except AggregateNotFoundError:
            return None
        except TopicError as error:
            raise UnknownEventType(
                f"a {_what(cls)} holds an event of a type this version of cityledger does not "
                f"know (a newer version recorded it?): upgrade cityledger to change it; "
                f"nothing was recorded ({error})",
                field="topic",
            ) from None
        if self._batch is not None:
            # Within a batch each aggregate is read once (verifiers and editions on every vote).
            self._batch.identity[key] = found
        return found  # type: ignore[no-any-return]

    def _get(self, cls: type[A], ident: str) -> A:
        """The aggregate of a class with an id (UnknownId, naming it, when there is none)."""
        found = self._find(cls, _key(cls, ident))
        if found is None or not isinstance(found, cls):
            what = _what(cls)
            raise UnknownId(
                f"{what} {ident!r} does not exist", field=what.replace(" ", "_"), value=ident
            )
        return found

    def _step(
        self, cls: type[A], ident: str, change: Callable[[A, datetime], T]
    ) -> Callable[[datetime], Outcome[T]]:
        """The body of a use case that changes one aggregate: the change's result, saved."""

        def body(when: datetime) -> Outcome[T]:
            found = self._get(cls, ident)
            return Outcome(change(found, when), [found])

        return body

    def _new(
        self, cls: type[A], ident: str, make: Callable[[datetime], A], result: T
    ) -> Callable[[datetime], Outcome[T]]:
        """The body of a use case that records a new aggregate under an id not yet taken
        (checked first), answering `result`."""

        def body(when: datetime) -> Outcome[T]:
            self._absent(cls, ident)
            return Outcome(result, [make(when)])

        return body

    def _update(
        self, cls: type[A], ident: str, change: Callable[[A, datetime], None], result: T
    ) -> Callable[[datetime], Outcome[T]]:
        """The body of a use case that changes one aggregate and answers `result`."""

        def body(when: datetime) -> Outcome[T]:
            found = self._get(cls, ident)
            change(found, when)
            return Outcome(result, [found])

        return body

    def _open_round(
        self, cls: type[Claim | Appeal], ident: str, by: str | None
    ) -> Callable[[datetime], Outcome[int]]:
        """The body that opens the next round on a claim or an appeal's review alike."""
        return self._step(cls, ident, lambda subject, when: subject.open_next_round(at=when, by=by))

    def _close_round(self, subject: Claim | Appeal, when: datetime, by: str | None) -> str:
        """Close the subject's open round under its edition's quorum; the outcome."""
        quorum = self._get(Edition, subject.edition_id).quorum
        return str(subject.close_round(quorum=quorum, at=when, by=by))

    def _vote(
        self, cls: type[Claim | Appeal], ident: str, verifier_id: str, decision: str, note: str
    ) -> Callable[[datetime], Outcome[int]]:
        """The body of a verifier's vote, on a claim's round or an appeal's review alike:
        the vote is checked against the languages the verifier reads; answers the round."""
        note = validate.text("note", note, optional=True)

        def body(when: datetime) -> Outcome[int]:
            subject = self._get(cls, ident)
            languages = set(self._get(Verifier, verifier_id).languages)
            subject.cast_vote(
                verifier_id=verifier_id, verifier_languages=languages, decision=decision,
                note=note, at=when,
            )  # fmt: skip
            assert subject.open_round is not None  # the vote was cast in it
            return Outcome(subject.open_round, [subject])

        return body

    def _framework(self, framework_id: str, version: int) -> Framework:
        """A framework holding `version`, for reading only (cached: versions never change)."""
        cached = self._frameworks.get(framework_id)
        if cached is None or len(cached.versions) < version:
            cached = self._get(Framework, framework_id)
            self._frameworks[framework_id] = cached
        return cached

    def _absent(self, cls: type[Aggregate], ident: str) -> None:
        """Refuse (AlreadyExists) when an aggregate of the class has this id already."""
        if self._find(cls, _key(cls, ident)) is not None:
            what = _what(cls)
            raise AlreadyExists(
                f"{what} {ident!r} already exists", field=what.replace(" ", "_"), value=ident
            )

    # ---- batches: many commands, one transaction ------------------------------------

    @contextmanager
    def batch(self, size: int = 250) -> Iterator[_Batch]:
        """Record the commands run inside in transactions of up to `size` commands, in order.

        Every command's checks still run, against the state its predecessors left (unsaved
        aggregates are read from the batch). A command that fails records nothing, and the
        commands before it are recorded before the error propagates. A conflict with another
        writer replays the batch's commands one by one. Each transaction commits with the
        store's full durability: the one sync per transaction is what batching shares out.
        It yields the batch, whose `recorded` counts the commands committed so far.
        """
        if self._batch is not None:
            yield self._batch
            return
        self._batch = batch = _Batch(size)
        try:
            yield batch
            self.flush()
        except BaseException:
            # What succeeded before the failure stays recorded, as it would one by one.
            with suppress(Exception):
                self.flush()
            raise
        finally:
            self._batch = None

    def flush(self) -> None:
        """Save the events of the batch so far in one transaction (replayed singly on conflict)."""
        batch = self._batch
        if batch is None or not batch.events:
            return
        events, replays = batch.events, batch.replays
        batch.events, batch.replays, batch.head_time = [], [], None
        try:
            self.save(*events)
        except (IntegrityError, OperationalError) as error:
            # A full disk, a read-only file, a held lock: named at once, none of it recorded.
            named = storage_error(error, f"recording {len(replays)} commands")
            if named is not None:
                raise named from None
            # Another writer got there first: forget the batch's view and decide again.
            batch.identity.clear()
            self._batch = None
            try:
                for command, at, body in replays:
                    self._execute(command, None, at, body)
                    batch.recorded += 1
            finally:
                self._batch = batch
        else:
            batch.recorded += len(replays)

    def _run_batched(
        self,
        batch: _Batch,
        command: str,
        at: datetime | None,
        body: Callable[[datetime], Outcome[T]],
    ) -> T:
        """One command inside a batch: check, decide, collect its events (saved by flush)."""
        try:
            when = self._check_time(at)
            outcome = body(when)
        except BaseException:
            # The body may have changed a batch aggregate before refusing: forget them all.
            self.flush()
            batch.identity.clear()
            raise
        for aggregate in outcome.aggregates:
            batch.events.extend(aggregate.collect_events())
            batch.identity[aggregate.id] = aggregate
        batch.replays.append((command, at, body))
        if outcome.aggregates:
            batch.head_time = when if batch.head_time is None else max(batch.head_time, when)
        if len(batch.replays) >= batch.size:
            self.flush()
        return outcome.result

    # ---- reading the log ---------------------------------------------------------------

    def listen(self, wake: threading.Event) -> Callable[[], None] | None:
        """On PostgreSQL, set `wake` whenever anyone commits events (eventsourcing's
        LISTEN/NOTIFY subscription); return a function that stops. None on SQLite (poll)."""
        if type(self.recorder).__module__ != "eventsourcing.postgres":
            return None
        current = [self.recorder.subscribe(gt=self.head())]
        stopping = threading.Event()

        def pump() -> None:
            failure: str | None = None
            while not stopping.is_set():
                try:
                    if not current:
                        current.append(self.recorder.subscribe(gt=self.head()))
                        if stopping.is_set():  # stop() ran meanwhile: it missed this one
                            current[0].stop()
                        LOGGER.warning("PostgreSQL notifications resumed")
                        failure = None
                        wake.set()  # commits made while they were away: catch up now
                    for _ in current[0]:
                        wake.set()
                except Exception as error:  # the follower still polls; say why, once
                    named = storage_error(error, "listening for PostgreSQL notifications")
                    text = f"{named.code}: {named.message}" if named else repr(error)
                    if text != failure:
                        failure = text
                        LOGGER.error("%s; polling only until they resume", text)
                current.clear()
                stopping.wait(RELISTEN_SECONDS)

        thread = threading.Thread(target=pump, name="cityledger-listen", daemon=True)
        thread.start()

        def stop() -> None:
            stopping.set()
            for subscription in list(current):
                subscription.stop()
            thread.join(timeout=5)

        return stop

    def head(self) -> int:
        """The position of the last recorded event (0 when empty)."""
        return int(self.recorder.max_notification_id() or 0)

    def head_time(self) -> datetime | None:
        """When the last recorded event occurred."""
        last = self.head()
        if not last:
            return None
        records = self.records(after=last - 1, limit=1)
        return records[0].time if records else None

    def records(
        self, after: int = 0, limit: int = 1000, upto: int | None = None
    ) -> list[EventRecord]:
        """Recorded events after a position, in ledger order, as plain records."""
        rows = self._stored_rows(after, limit, upto)
        if rows is None:
            notifications = self.recorder.select_notifications(
                start=after + 1, limit=limit, stop=upto
            )
            try:
                return [from_notification(self.mapper, n) for n in notifications]
            except TopicError as error:
                raise _unknown_type(((n.id, n.topic) for n in notifications), error) from None
        ids = _UuidTexts()
        try:
            return records_from(
                self.mapper,
                (
                    (position, ids[raw], version, topic, bytes(state))
                    for position, raw, version, topic, state in rows
                ),
            )
        except TopicError as error:
            raise _unknown_type(((row[0], row[3]) for row in rows), error) from None

    def _stored_rows(self, after: int, limit: int, upto: int | None) -> list[Any] | None:
        """The stored rows after a position, read with one plain SELECT where the log is in
        SQLite with UUID ids (select_notifications would build a UUID object for each row
        only for the caller to turn it back into text); None elsewhere."""
        recorder = self.recorder
        if (
            not isinstance(recorder, SQLiteApplicationRecorder)
            or recorder.datastore.originator_id_type != "uuid"
        ):
            return None
        with recorder.datastore.transaction(commit=False) as cursor:
            return list(
                stored_rows(cursor, recorder.events_table_name, after=after, upto=upto, limit=limit)
            )

    def all_records(self) -> Iterator[EventRecord]:
        """Every recorded event, in ledger order, read a page at a time."""
        after = 0
        while batch := self.records(after=after, limit=1000):
            yield from batch
            after = batch[-1].position

    def tree_head_at(self, position: int) -> str:
        """The RFC 9162 Merkle tree head (hex) over the events 1..position."""
        return self.prefix(position).tree_head()

    def digest_at(self, position: int) -> str:
        """The chain hash of the log's prefix up to a position."""
        return self.prefix(position).digest

    def prefix(
        self,
        position: int | None = None,
        watch: UUID | None = None,
        each: Callable[[EventRecord], None] | None = None,
    ) -> Prefix:
        """One pass over events 1..position (default: all): chain hash, leaf hashes, `watch`;
        `each` is handed every event, decoded, in order."""
        previous, after, version = GENESIS, 0, 0
        leaves: list[bytes] = []
        while position is None or after < position:
            batch = self.recorder.select_notifications(start=after + 1, limit=1000, stop=position)
            if not batch:
                break
            for n in batch:
                data = canonical(
                    int(n.id),
                    str(n.originator_id),
                    int(n.originator_version),
                    n.topic,
                    bytes(n.state).decode("utf-8"),
                )
                previous = link_canonical(previous, data)
                leaves.append(leaf_hash(data))
                if n.originator_id == watch:
                    version = int(n.originator_version)
                if each is not None:
                    each(from_notification(self.mapper, n))
                after = int(n.id)
        return Prefix(previous, leaves, version)
