"""verify's fast walk: every check of ledger.integrity's audit, in one streaming pass over
plain tuples. It only ever vouches for a healthy log: at the first thing that is off it
returns None, and verify walks the log again with the audit, which names the first bad
position and why.

It streams, a chunk of rows at a time: what it keeps is the last chain hash, the Merkle tree's
frontier (O(log n) hashes), each aggregate's last version, and the chain hashes at the
positions publications pin (known before the walk). Each witness is compared a chunk at a
time inside SQLite, one query per chunk, against the chunk's hashes."""

from __future__ import annotations

import hashlib
import sqlite3
from binascii import hexlify
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import datetime
from itertools import islice, repeat
from operator import attrgetter
from typing import TYPE_CHECKING, Any, Literal
from uuid import UUID

import msgspec
from eventsourcing.persistence import Mapper, StoredEvent

from ledger.chain import GENESIS, canonical, canonical_lines
from ledger.ids import hex_uuid_text, hex_uuid_texts
from ledger.proofs import KeptTree
from ledger.records import (
    ENVELOPE,
    EventRecord,
    bare,
    plain_data,
    plain_record,
    read_plain,
    topic_reading,
    unread_record,
)
from ledger.stored import Row

if TYPE_CHECKING:
    from ledger.integrity import IntegrityReport, ReadSideCheck

#: Rows per chunk: the unit of progress reports, witness queries and Merkle subtrees. A chunk's
#: rows, lines and hashes stay in the processor's cache (at 1,024, verify ran 5-8% slower).
CHUNK = 256
#: Type name of the events that pin a digest of the log's prefix.
PUBLISHED = "RankingPublished"


def mapped(mapper: Mapper[Any], originator: Any, version: int, topic: str, state: bytes) -> Any:
    """An event's attributes as the mapper decodes them (upcast, cipher, other types)."""
    event = StoredEvent(
        originator_id=UUID(str(originator)), originator_version=version, topic=topic, state=state
    )
    return dict(mapper.to_domain_event(event).__dict__)


#: What msgspec raises on a text it does not read (too deep: RecursionError).
_UNREAD = (msgspec.DecodeError, msgspec.ValidationError, RecursionError)


class _Stamp(msgspec.Struct, gc=False):
    """A stored timestamp of the one transcoding read_plain reads (eventsourcing's datetime)."""

    type: Literal["datetime_iso"] = msgspec.field(name="_type_")
    data: str = msgspec.field(name="_data_")


class _Stamped(msgspec.Struct, gc=False):
    """A stored state of which only a datetime_iso timestamp is read."""

    timestamp: _Stamp


#: Validates a whole stored state as JSON and reads only its timestamp: no object is built for
#: the rest (all that verifying the log alone needs of an event that is only hashed).
_STAMPED = msgspec.json.Decoder(_Stamped)
_STAMP_TEXT = attrgetter("timestamp.data")
_STORED = attrgetter("stored")
_ORIGINATOR = attrgetter("originator_id")
#: The key of a transcoded value, which a plain state holds once (records.stored_plainly).
_TYPE = b'"_type_"'
_INT = {int}
_ONE = {1}


def _ints(values: Iterable[Any]) -> bool:
    """Whether every value is exactly an int (not a bool, float or text)."""
    return set(map(type, values)) == _INT


def _only_hashed(states: Sequence[bytes]) -> tuple[list[str], list[str], list[datetime]] | None:
    """The text, timestamp text and time of each state read as only hashed (None: not all
    as the audit reads them): valid UTF-8 with exactly one transcoded value (records.
    plain_state's rule), JSON that read_plain reads with a datetime_iso timestamp that parses
    (msgspec, as `chunk` reads it)."""
    try:
        texts = list(map(bytes.decode, states))
    except (TypeError, UnicodeDecodeError):
        return None
    if states and set(map(bytes.count, states, repeat(_TYPE))) != _ONE:
        return None
    try:
        stamps = list(map(_STAMP_TEXT, map(_STAMPED.decode, states)))
    except _UNREAD:
        return None
    times = list(map(datetime.fromisoformat, stamps))  # raises where read_plain raises
    return texts, stamps, times


class _Off(Exception):
    """Something is not as a healthy log has it: leave the verdict to the audit."""


class WitnessTable:
    """A witness's (position, hash) pairs, compared with the chain a chunk at a time inside
    SQLite: each pair in the chunk's range must be an integer position holding the chain's hex
    hash there, once; and every pair must fall in some chunk (none beyond the log)."""

    def __init__(self, name: str, conn: sqlite3.Connection, table: str) -> None:
        self.name = name
        self.conn = conn
        exists = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [table]
        ).fetchone()
        self.total = (
            int(conn.execute(f"SELECT count(*) FROM [{table}]").fetchone()[0]) if exists else 0
        )
        self.compared = 0
        self.last = 0  # the last position witnessed
        # ?3: the chunk's hashes, hex, joined by commas (a blob: substr by bytes, 64 bytes from
        # each position's offset of 65).
        self._query = (
            "SELECT count(*), count(DISTINCT position), max(position), "
            "total(typeof(position) = 'integer' AND typeof(hash) = 'text' "
            "AND CAST(hash AS BLOB) = substr(?3, (position - ?1) * 65 + 1, 64)) "
            f"FROM [{table}] WHERE position BETWEEN ?1 AND ?2"
        )
        # Where `position` is the table's rowid (so an integer, once each) and `hash` holds only
        # text, blobs or NULLs (TEXT affinity) in UTF-8, a chunk witnessed at every position is
        # compared row by row with no count, distinct or type test: a hash equal, byte for
        # byte, to the chain's at its position is one of its kind, whatever order SQLite reads
        # the rows in (a blob or NULL never equals text; numbers are stored as text).
        self._keyed: str | None = None
        if exists and _is_rowid(conn, table, "position") and _utf8_text(conn, table, "hash"):
            self._keyed = (
                "SELECT total(hash = CAST(substr(?3, (position - ?1) * 65 + 1, 64) AS TEXT) "
                f"COLLATE BINARY) FROM [{table}] WHERE position BETWEEN ?1 AND ?2"
            )

    def agrees(self, first: int, hashes: bytes) -> bool:
        """Whether the pairs for positions first.. match `hashes`: the chain's, in order, each
        64 hex digits, joined by commas."""
        if self.compared == self.total:
            return True  # nothing left to compare (the usual witness: up to a recent position)
        size = (len(hashes) + 1) // 65
        last = first + size - 1
        if self._keyed is not None:
            (equal,) = self.conn.execute(self._keyed, [first, last, hashes]).fetchone()
            if equal == size:  # every position first..last
                self.compared += size
                self.last = last
                return True
        count, distinct, top, equal = self.conn.execute(
            self._query, [first, last, hashes]
        ).fetchone()
        if not count:
            return True
        if not count == distinct == equal:
            return False
        self.compared += count
        self.last = int(top)
        return True

    def complete(self) -> bool:
        """Whether every pair was in a compared chunk (none beyond the log, none malformed)."""
        return self.compared == self.total


def _is_rowid(conn: sqlite3.Connection, table: str, column: str) -> bool:
    """Whether a column is the table's rowid (an INTEGER PRIMARY KEY), as SQLite plans it."""
    plan = conn.execute(
        f"EXPLAIN QUERY PLAN SELECT 1 FROM [{table}] WHERE [{column}] BETWEEN 1 AND 2"
    ).fetchall()
    return any("USING INTEGER PRIMARY KEY" in str(step[-1]) for step in plan)


def _utf8_text(conn: sqlite3.Connection, table: str, column: str) -> bool:
    """Whether a column has TEXT affinity (SQLite's rules on its declared type) in a UTF-8
    database: it then stores text, blobs and NULLs only, and text as UTF-8 bytes."""
    if conn.execute("PRAGMA encoding").fetchone()[0] != "UTF-8":
        return False
    found = conn.execute(
        "SELECT upper(type) FROM pragma_table_info(?) WHERE name = ?", [table, column]
    ).fetchone()
    return (
        found is not None
        and "INT" not in found[0]
        and any(kind in found[0] for kind in ("CHAR", "CLOB", "TEXT"))
    )


class _Walk:
    """State of one fast walk: the chain, the frontier, versions and the caches that make it
    fast."""

    def __init__(
        self,
        mapper: Mapper[Any],
        replay: ReadSideCheck | None,
        keep: Collection[int],
    ) -> None:
        self.mapper = mapper
        self.replay = replay
        self.head = 0
        self.previous = GENESIS.encode("ascii")  # the chain hash at head, hex
        self.tree = KeptTree(keep)  # the Merkle tree over the leaves, its heads at `keep`
        #: stored originator id -> its canonical UUID text (only ids the walk accepts)
        self.ids: dict[Any, str] = {}
        #: stored originator id -> the last version seen
        self.versions: dict[Any, int] = {}
        self.topics: dict[str, tuple[str, bool]] = {}  # topic -> (type name, plain JSON)
        #: (pinned position, digest, at, pinned tree head or None)
        self.pins: list[tuple[int, str, int, str | None]] = []
        self.kept: dict[int, str] = {0: GENESIS}  # chain hash at each pinned position
        # Whether stored states are bare JSON, as records.plain_state requires.
        self.plain = bare(mapper)

    def originator(self, raw: Any) -> str:
        """A stored id seen first: its canonical UUID text (the one spelling of it the walk
        accepts, so that the id keys the versions alone; another is the audit's business)."""
        text = hex_uuid_text(raw)  # the stored spelling, read cheaply
        if text is None:
            uuid = raw if isinstance(raw, UUID) else UUID(str(raw))
            if uuid is not raw and raw != uuid.hex:
                raise _Off
            text = str(uuid)
        self.ids[raw] = text
        return text

    def topic(self, topic: str) -> tuple[str, bool]:
        """A topic seen first: its event type name, and whether its events may be read as
        plain JSON."""
        if type(topic) is not str:
            raise _Off
        kind, plain = topic_reading(topic)
        known = self.topics[topic] = (kind, self.plain and plain)
        return known

    def walk(
        self,
        rows: Iterable[Row],
        witnesses: Sequence[WitnessTable],
        on_row: Callable[[int], None] | None,
    ) -> None:
        """Check every row in order; raise _Off at the first thing a healthy log does not have."""
        source = iter(rows)
        while chunk := list(islice(source, CHUNK)):
            first = self.head + 1
            hashes, leaves = (self.plain and self.hashed(chunk)) or self.chunk(chunk)
            joined = b",".join(hashes)
            for witness in witnesses:
                if not witness.agrees(first, joined):
                    raise _Off
            # The chain hash where the tree keeps its head: where publications pin both.
            for position in self.tree.add(leaves):
                self.kept[position] = hashes[position - first].decode("ascii")
            if on_row is not None:
                on_row(len(chunk))

    def hashed(self, rows: list[Row]) -> tuple[list[bytes], list[bytes]] | None:
        """The chunk path: check a chunk of rows of plain topics (each state read so that it
        passes only where the audit's reading passes: by msgspec where only hashed, also with
        a replay that reads no data of its type; as a record where the replay reads its data;
        publications read in full) with a few calls per chunk in place of a loop of many per
        row; return the chain hash (hex) and the Merkle leaf hash at each, or None, having
        changed nothing but caches, where `chunk` must read some row itself."""
        positions, raw_ids, versions, topics, states = zip(*rows, strict=True)
        head, count = self.head, len(rows)
        # Contiguous from the head on, whatever the rows' source (compared in C).
        if positions != tuple(range(head + 1, head + count + 1)):
            return None
        if not _ints(positions + versions):
            return None
        known, distinct = self.topics, set(topics)
        for topic in distinct.difference(known):
            self.topic(topic)
        published: list[tuple[int, dict[str, Any]]] = []
        for topic in distinct:
            kind, plain = known[topic]
            if not plain:
                return None
            if kind == PUBLISHED:  # a few rows: read in full, as `chunk` reads them
                for at in (at for at, stored in enumerate(topics) if stored == topic):
                    attrs = read_plain(states[at])
                    if attrs is None:
                        return None
                    published.append((positions[at], attrs))
        # Originator ids: a cache of their canonical text (an id that is not one is final).
        ids = self.ids
        new = list(set(raw_ids).difference(ids))
        spelled = hex_uuid_texts(new)
        if spelled is not None:  # the stored spelling, every one (the usual case)
            ids.update(zip(new, spelled, strict=True))
        else:
            for raw in new:
                self.originator(raw)
        replay = self.replay
        records: list[EventRecord] = []
        if replay is None:
            read = _only_hashed(states)
            if read is None:
                return None
            texts = read[0]
            originators: Iterable[str] = map(ids.__getitem__, raw_ids)
        else:
            # Replayed: each record as the read side reads it, by one orjson reading (under
            # the same rules) where the replay reads its data, else as only hashed.
            reads = replay.reads
            kinds = [known[topic][0] for topic in topics]
            unread = _only_hashed(
                [s for s, kind in zip(states, kinds, strict=True) if kind not in reads]
            )
            if unread is None:
                return None
            texts_of, stamps, times = iter(unread[0]), iter(unread[1]), iter(unread[2])
            for position, raw, version, topic, state, kind in zip(
                positions, raw_ids, versions, topics, states, kinds, strict=True
            ):
                originator = ids[raw]
                if kind in reads:
                    record = plain_record(position, originator, version, topic, state)
                    if record is None:
                        return None
                else:
                    text, stamp, time = next(texts_of), next(stamps), next(times)
                    record = unread_record(
                        position, kind, originator, version, topic, text, stamp, time
                    )
                records.append(record)
            texts = list(map(_STORED, records))
            originators = map(_ORIGINATOR, records)
        # Versions: from here on the walk's state changes, and what is off is final.
        last = self.versions
        seen = last.get
        for raw, version in zip(raw_ids, versions, strict=True):
            if version != seen(raw, 0) + 1:
                raise _Off
            last[raw] = version
        lines = canonical_lines(zip(positions, originators, versions, topics, texts, strict=True))
        sha256, previous = hashlib.sha256, self.previous
        hashes = [
            previous := sha256(previous + b"\n" + line).hexdigest().encode() for line in lines
        ]
        leaves = [sha256(b"\x00" + line).digest() for line in lines]
        self.head, self.previous = head + count, previous
        for position, attrs in sorted(published, key=lambda pin: pin[0]):
            self.pin(position, attrs)
        if replay is not None:
            see = replay.see
            for record in records:
                if see(record):
                    raise _Off
        return hashes, leaves

    def chunk(self, rows: list[Row]) -> tuple[list[bytes], list[bytes]]:
        """Check a chunk of rows one by one; return the chain hash (hex) and the Merkle leaf
        hash at each."""
        sha256, ids, last, topics = hashlib.sha256, self.ids, self.versions, self.topics
        replay = self.replay
        stamped, instant, unread = _STAMPED.decode, datetime.fromisoformat, _UNREAD
        head, previous = self.head, self.previous
        hashes: list[bytes] = []
        leaves: list[bytes] = []
        for position, raw_id, version, topic, state in rows:
            head += 1
            if position != head or type(position) is not int:
                raise _Off
            originator = ids.get(raw_id) or self.originator(raw_id)
            if version != last.get(raw_id, 0) + 1 or type(version) is not int:
                raise _Off
            last[raw_id] = version
            kind, plain = topics.get(topic) or self.topic(topic)
            stored = state.decode("utf-8")  # strict: msgspec leaves skipped strings unchecked
            attrs: dict[str, Any] | None = None
            read = False
            if plain and state.count(b'"_type_"') == 1:
                if replay is None and kind != PUBLISHED:
                    # Only hashed: the text must be one read_plain reads, with a datetime_iso
                    # timestamp that parses. msgspec reads no JSON that orjson and json.loads
                    # both refuse (but invalid UTF-8, refused above), nests no deeper, and keeps
                    # a repeated key's last value as they do (tested); what it does not read
                    # is read in full.
                    try:
                        stamp: _Stamp | None = stamped(state).timestamp
                    except unread:  # (a stamp of another type among them)
                        stamp = None
                    if stamp is not None:
                        instant(stamp.data)  # raises where read_plain's reading raises
                        read = True
                if not read:
                    # records.plain_state's reading (the per-topic checks made once).
                    attrs = read_plain(state)
                    read = attrs is not None
            if not read:
                attrs, plain = mapped(self.mapper, originator, version, topic, state), False
            line = canonical(position, originator, version, topic, stored)
            previous = hexlify(sha256(previous + b"\n" + line).digest())
            hashes.append(previous)
            leaves.append(sha256(b"\x00" + line).digest())
            if kind == PUBLISHED and attrs is not None:  # (None: only hashed, see above)
                self.pin(position, attrs)
            if replay is not None and attrs is not None:
                time = attrs["timestamp"]
                # Read as plain JSON the data is plain already; else as the audit makes it.
                if plain:
                    for key in ENVELOPE:
                        attrs.pop(key, None)
                    data = attrs
                else:
                    data = plain_data(attrs)
                record = EventRecord(position, kind, originator, version, time, data, topic, stored)
                if replay.see(record):
                    raise _Off
        self.head, self.previous = head, previous
        return hashes, leaves

    def pin(self, position: int, attrs: Mapping[str, Any]) -> None:
        """A publication's pinned position and digest, to compare once the walk is done."""
        pinned, digest = attrs.get("position"), attrs.get("digest")
        head = attrs.get("tree_head")  # None in publications older than tree heads
        if not isinstance(pinned, int) or not isinstance(digest, str):
            raise _Off
        if head is not None and not isinstance(head, str):
            raise _Off
        self.pins.append((pinned, digest, position, head))


def fast_audit(
    rows: Iterable[Row],
    witnesses: Sequence[WitnessTable],
    mapper: Mapper[Any],
    replay: ReadSideCheck | None = None,
    on_row: Callable[[int], None] | None = None,
    keep: Collection[int] = (),
    published: Collection[int] | None = None,
) -> IntegrityReport | None:
    """The audit's verdict on a healthy log, or None when anything at all is off (then only the
    audit can tell what and where). `witnesses` in the audit's order (the first one's last
    position is reported); `keep`: the positions publications pin (a pin elsewhere leaves the
    verdict to the audit); `published`: where the publications are, as told before the walk
    (elsewhere, or not at all: the audit's verdict)."""
    from ledger.integrity import ok_report

    walk = _Walk(mapper, replay, keep)
    try:
        walk.walk(rows, witnesses, on_row)
        if not all(witness.complete() for witness in witnesses):
            return None
        if replay is not None and replay.finish(walk.head):
            return None
        tree_head, heads = walk.tree.finish()
        if published is not None and {at for _, _, at, _ in walk.pins} != set(published):
            return None
        for pinned, digest, at, head in walk.pins:
            if pinned >= at or walk.kept.get(pinned) != digest:
                return None
            if head is not None and heads.get(pinned) != head:
                return None
    except Exception:  # _Off, or any error reading or decoding a row: the audit names it
        return None
    return ok_report(
        head=walk.head,
        checked=walk.head,
        seen=witnesses[0].last if witnesses else 0,
        matched=len(walk.pins),
        replayed=replay.summary() if replay is not None else None,
        chain_head=walk.previous.decode("ascii"),
        tree=tree_head,
    )
