"""verify's fast walk: every check of ledger.integrity's audit, in one tight loop over plain
tuples. It only ever vouches for a healthy log: at the first thing that is off it returns None,
and verify walks the log again with the audit, which names the first bad position and why."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

import orjson
from eventsourcing.persistence import Mapper, StoredEvent

from ledger.chain import GENESIS, canonical
from ledger.proofs import tree_head
from ledger.records import ENVELOPE, EventRecord, plain_state, plain_topic, type_name

if TYPE_CHECKING:
    from ledger.integrity import IntegrityReport, ReadSideCheck

#: One stored event as read: (position, originator id, originator version, topic, state).
Row = tuple[Any, Any, Any, Any, Any]
#: Fewer opening brackets than this: nested less deeply than json.loads's recursion allows.
NESTING = 500
#: How many rows between two progress reports.
TICK = 1024


def plain_data(attrs: Mapping[str, Any]) -> dict[str, Any]:
    """An event's own data (no envelope) made plain by a JSON round trip, as the follower has it."""
    data = {k: v for k, v in attrs.items() if k not in ENVELOPE}
    return dict(json.loads(json.dumps(data, default=str)))


class _Off(Exception):
    """Something is not as a healthy log has it: leave the verdict to the audit."""


class _Walk:
    """State of one fast walk: the chain, leaves, versions and the caches that make it fast."""

    def __init__(self, mapper: Mapper[Any], replay: ReadSideCheck | None) -> None:
        self.mapper = mapper
        self.replay = replay
        self.head = 0
        self.hashes: list[str] = []  # the chain hash at positions 1..head, hex
        self.leaves: list[bytes] = []
        self.versions: dict[str, int] = {}
        self.ids: dict[Any, str] = {}  # stored originator id -> canonical UUID text
        self.topics: dict[str, tuple[str, bool]] = {}  # topic -> (type name, plain JSON)
        self.pins: list[tuple[int, str, int]] = []  # (pinned position, digest, at)
        # Whether stored states are bare JSON, as records.plain_state requires.
        self.plain = mapper.cipher is None and mapper.compressor is None

    def originator(self, raw: Any) -> str:
        """The stored id as the canonical UUID text (each id parsed once)."""
        known = self.ids.get(raw)
        if known is None:
            known = self.ids[raw] = str(UUID(str(raw)))
        return known

    def topic(self, topic: str) -> tuple[str, bool]:
        """A topic's event type name, and whether its events may be read as plain JSON."""
        known = self.topics.get(topic)
        if known is None:
            known = self.topics[topic] = (type_name(topic), self.plain and plain_topic(topic))
        return known

    def decode(
        self, originator: str, version: int, topic: str, state: bytes
    ) -> tuple[dict[str, Any], bool]:
        """The event's attributes as verify's mapper decoder gives them, and whether they came
        from one plain JSON reading (so are plain data already)."""
        attrs = plain_state(self.mapper, state, topic)
        if attrs is not None:
            return attrs, True
        event = StoredEvent(
            originator_id=UUID(originator), originator_version=version, topic=topic, state=state
        )
        return dict(self.mapper.to_domain_event(event).__dict__), False

    def walk(self, rows: Iterable[Row], on_row: Callable[[int], None] | None) -> None:
        """Check every row in order; raise _Off at the first thing a healthy log does not have."""
        sha256, loads, instant = hashlib.sha256, orjson.loads, datetime.fromisoformat
        hashes, leaves, versions, ids = self.hashes, self.leaves, self.versions, self.ids
        replay, head, previous = self.replay, 0, GENESIS.encode("ascii")
        for position, raw_id, version, topic, state in rows:
            head += 1
            if (
                type(position) is not int
                or position != head
                or type(version) is not int
                or type(topic) is not str
                or type(state) is not bytes
            ):
                raise _Off
            stored = state.decode("utf-8")
            originator = ids.get(raw_id) or self.originator(raw_id)
            if version != versions.get(originator, 0) + 1:
                raise _Off
            versions[originator] = version
            kind, plain = self.topics.get(topic) or self.topic(topic)
            attrs = None
            if (
                plain
                and state.count(b'"_type_"') == 1
                and (len(state) < NESTING or state.count(b"[") + state.count(b"{") < NESTING)
            ):
                # records.plain_state's reading, with orjson: it reads no text that json.loads
                # rejects and gives the same values (what it refuses goes to the audit).
                attrs = loads(stored)
                stamp = attrs.get("timestamp") if type(attrs) is dict else None
                if type(stamp) is dict and stamp.get("_type_") == "datetime_iso":
                    attrs["timestamp"] = instant(stamp["_data_"])
                    attrs.pop("class_version", None)
                else:
                    attrs = None
            if attrs is None:
                attrs, plain = self.decode(originator, version, topic, state)
            line = canonical(position, originator, version, topic, stored)
            previous = sha256(previous + b"\n" + line).hexdigest().encode("ascii")
            hashes.append(previous.decode("ascii"))
            leaves.append(sha256(b"\x00" + line).digest())
            if kind == "RankingPublished":
                self.pin(position, attrs)
            if replay is not None:
                time = attrs["timestamp"]
                # Read as plain JSON the data is plain already; else as the audit makes it.
                data = (
                    {k: v for k, v in attrs.items() if k not in ENVELOPE}
                    if plain
                    else plain_data(attrs)
                )
                record = EventRecord(position, kind, originator, version, time, data, topic, stored)
                if replay.see(record):
                    raise _Off
            if on_row is not None and not head % TICK:
                on_row(TICK)
        if on_row is not None:
            on_row(head % TICK)
        self.head = head

    def pin(self, position: int, attrs: Mapping[str, Any]) -> None:
        """A publication's pinned position and digest, to compare once the walk is done."""
        pinned, digest = attrs.get("position"), attrs.get("digest")
        if not isinstance(pinned, int) or not isinstance(digest, str):
            raise _Off
        self.pins.append((pinned, digest, position))

    def hash_at(self, position: int) -> str | None:
        """The recomputed chain hash at a position (GENESIS at 0)."""
        if position == 0:
            return GENESIS
        return self.hashes[position - 1] if 1 <= position <= self.head else None

    def witnessed(self, pairs: Sequence[tuple[int, str]]) -> int:
        """Check a witness against the chain; the last position it saw (0: none)."""
        if not pairs:
            return 0
        last = pairs[-1][0]
        if last <= self.head and [p for p, _ in pairs] == list(range(1, last + 1)):
            # The usual witness, positions 1..last in order: one comparison of two lists.
            if [h for _, h in pairs] != self.hashes[:last]:
                raise _Off
            return last
        before = 0
        for position, digest in pairs:
            if position <= before or self.hash_at(position) != digest:
                raise _Off
            before = position
        return last


def fast_audit(
    rows: Iterable[Row],
    witnesses: Sequence[tuple[str, Sequence[tuple[int, str]]]],
    mapper: Mapper[Any],
    replay: ReadSideCheck | None = None,
    on_row: Callable[[int], None] | None = None,
) -> IntegrityReport | None:
    """The audit's verdict on a healthy log, or None when anything at all is off (then only the
    audit can tell what and where)."""
    from ledger.integrity import ok_report

    walk = _Walk(mapper, replay)
    try:
        walk.walk(rows, on_row)
        seen = [walk.witnessed(pairs) for _, pairs in witnesses]
        if replay is not None and replay.finish(walk.head):
            return None
        for pinned, digest, at in walk.pins:
            if pinned >= at or walk.hash_at(pinned) != digest:
                return None
    except Exception:  # _Off, or any error reading or decoding a row: the audit names it
        return None
    return ok_report(
        head=walk.head,
        checked=walk.head,
        seen=seen[0] if seen else 0,
        matched=len(walk.pins),
        replayed=replay.summary() if replay is not None else None,
        chain_head=walk.hash_at(walk.head) or GENESIS,
        tree=tree_head(walk.leaves).hex(),
    )
