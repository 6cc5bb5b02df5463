"""LedgerBase: the application machinery every use case shares (time, retries, idempotency)."""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
import random
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ParamSpec, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, OperationalError

from ledger import validate
from ledger.chain import GENESIS, canonical, link_canonical
from ledger.config import ledger_env
from ledger.errors import (
    AlreadyExists,
    BackdatedEvent,
    ConcurrentWrite,
    InvalidInput,
    UnknownId,
)
from ledger.framework import Framework
from ledger.proofs import leaf_hash, tree_head
from ledger.published import Tabulator
from ledger.receipt import Receipt
from ledger.records import EventRecord, from_notification
from ledger.storage import STORAGE_ERRORS, storage_error

A = TypeVar("A", bound=Aggregate)
ATTEMPTS = 8


#: The fingerprint of the use case being run (its name and arguments), set by @use_case.
_REQUEST: ContextVar[str] = ContextVar("cityledger_request", default="")
P = ParamSpec("P")
R = TypeVar("R")
#: What the last use case run in this context returned (JSON), once its events were saved.
_RECORDED: ContextVar[str | None] = ContextVar("cityledger_recorded", default=None)


def last_recorded() -> str | None:
    """The result (JSON) of the last use case recorded in this context (None: none)."""
    return _RECORDED.get()


def use_case(method: Callable[P, R]) -> Callable[P, R]:
    """Mark a Ledger use case: its arguments fingerprint the request for idempotency keys."""
    signature = inspect.signature(method)

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        request = {k: v for k, v in bound.arguments.items() if k not in ("self", "idempotency_key")}
        text = json.dumps([method.__name__, request], sort_keys=True, default=str)
        token = _REQUEST.set(hashlib.sha256(text.encode("utf-8", "replace")).hexdigest())
        try:
            return method(*args, **kwargs)
        finally:
            _REQUEST.reset(token)

    return wrapper


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
class Outcome:
    """What a use case decided: its result and the aggregates to save together."""

    result: Any
    aggregates: list[Aggregate] = field(default_factory=list)


class LedgerBase(Application[UUID]):
    """Running a use case: check time, replay keyed retries, save atomically, retry conflicts."""

    name = "cityledger"

    def __init__(
        self,
        db_path: Path | None = None,
        env: dict[str, str] | None = None,
        tabulator: Tabulator | None = None,
    ) -> None:
        super().__init__(env={**ledger_env(db_path), **(env or {})})
        # Computes the digests a publication records of its tables (None: it records none).
        self.tabulator = tabulator
        # Recorded framework versions are immutable, so a read-only copy may be reused.
        self._frameworks: dict[str, Framework] = {}

    # ---- infrastructure -------------------------------------------------------------

    def _run(
        self,
        command: str,
        key: str | None,
        at: datetime | None,
        body: Callable[[datetime], Outcome],
    ) -> Any:
        """Run a use case: check time, replay a keyed retry, save atomically, retry conflicts."""
        fingerprint = _REQUEST.get()
        if key is not None:
            validate.text("idempotency_key", key, max_len=200)
        for attempt in range(ATTEMPTS):
            try:
                result = self._attempt(command, key, fingerprint, at, body)
                _RECORDED.set(json.dumps(result, default=str))
                return result
            except STORAGE_ERRORS as error:
                # Translated once, here: a full disk, a read-only or locked or damaged file
                # is named as such at once; only a conflict with another writer is retried.
                named = storage_error(error, command)
                if named is not None:
                    raise named from None
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
        body: Callable[[datetime], Outcome],
    ) -> Any:
        """One try: answer a keyed retry as the first time, or decide and save atomically."""
        if key is not None:
            receipt = self._find(Receipt, Receipt.key_id(key))
            if receipt is not None:
                # A retry: answer as the first time did, before any other check.
                if not receipt.answers(command, fingerprint):
                    raise InvalidInput(
                        "this idempotency key was already used for a different "
                        f"request ({receipt.command})",
                        field="idempotency_key",
                        value=key,
                    )
                return json.loads(receipt.result)
        when = self._check_time(at)
        outcome = body(when)
        aggregates = list(outcome.aggregates)
        if key is not None:
            result = json.dumps(outcome.result)
            aggregates.append(Receipt.issue(key, command, result, fingerprint, when))
        self.save(*aggregates)
        return outcome.result

    def _check_time(self, at: datetime | None) -> datetime:
        """The event time: now, or an import's, which must be aware, past, not before the head."""
        now = datetime.now(UTC)
        head = self.head_time()
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
        try:
            return self.repository.get(key)  # type: ignore[no-any-return]
        except AggregateNotFoundError:
            return None

    def _get(self, cls: type[A], key: UUID, what: str, value: str) -> A:
        found = self._find(cls, key)
        if found is None or not isinstance(found, cls):
            raise UnknownId(
                f"{what} {value!r} does not exist", field=what.replace(" ", "_"), value=value
            )
        return found

    def _framework(self, framework_id: str, version: int) -> Framework:
        """A framework holding `version`, for reading only (cached: versions never change)."""
        cached = self._frameworks.get(framework_id)
        if cached is None or len(cached.versions) < version:
            cached = self._get(Framework, Framework.key(framework_id), "framework", framework_id)
            self._frameworks[framework_id] = cached
        return cached

    def _absent(self, cls: type[Aggregate], key: UUID, what: str, value: str) -> None:
        if self._find(cls, key) is not None:
            raise AlreadyExists(
                f"{what} {value!r} already exists", field=what.replace(" ", "_"), value=value
            )

    # ---- reading the log ---------------------------------------------------------------

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
        notifications = self.recorder.select_notifications(start=after + 1, limit=limit, stop=upto)
        return [from_notification(self.mapper, n) for n in notifications]

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
