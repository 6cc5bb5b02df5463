"""Integrity of the log: recompute the hash chain from the raw rows; compare it with witnesses."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from uuid import UUID

from eventsourcing.sqlite import SQLiteApplicationRecorder

from ledger.chain import GENESIS, canonical, link, link_canonical
from ledger.config import file_of, read_only_uri
from ledger.errors import CorruptDatabase
from ledger.fastaudit import PUBLISHED, WitnessTable, fast_audit, mapped
from ledger.proofs import Frontier, leaf_hash
from ledger.records import ENVELOPE, EventRecord, plain_data, plain_state, type_name
from ledger.stored import Row, stored_rows
from ledger.witnesses import INDEX_TABLE, WITNESS_TABLE

if TYPE_CHECKING:
    from ledger.application import Ledger

#: A check's verdict on one position: (position, why it is bad).
Failure = tuple[int, str]
#: A publication as the log records it: (its position, the edition's originator id, its data).
RecordedPublication = tuple[int, str, dict[str, Any]]


class ReadSideCheck(Protocol):
    """Compares the read models with the log as verify walks it (projections.replaycheck
    implements it: the write side imports no read model)."""

    @property
    def reads(self) -> Collection[str]:
        """The event types whose data see() reads: a record of another type may come with
        its data unread (empty)."""
        ...

    def see(self, record: EventRecord) -> list[Failure]:
        """Take the next event of the log; report where the read side differs."""
        ...

    def finish(self, head: int) -> list[Failure]:
        """Report what only the end of the log can tell."""
        ...

    def summary(self) -> str:
        """What was found equal, for the ok line."""
        ...


#: Builds a ReadSideCheck from the read models' snapshot and the log's publications.
ReadSideFactory = Callable[[sqlite3.Connection, list[RecordedPublication]], ReadSideCheck]

#: The witnesses of the chain, by the name verify reports them under.
WITNESSES = {WITNESS_TABLE: WITNESS_TABLE, "the event index": INDEX_TABLE}
#: Batch size when reading the log through the recorder (PostgreSQL, in-memory SQLite).
BATCH = 1000

#: Decodes a row's stored event into its attributes (raises if it does not decode).
Decoder = Callable[["RawRow"], Mapping[str, Any]]


@dataclass(frozen=True)
class IntegrityReport:
    """The verdict of verify_log: ok, how many rows were read, the first bad position, why."""

    ok: bool
    checked: int
    first_bad: int | None
    reason: str
    summary: str


@dataclass(frozen=True)
class RawRow:
    """One row of the log exactly as stored (values unchecked: a tampered row may hold anything)."""

    position: Any
    originator_id: Any
    originator_version: Any
    topic: Any
    state: Any


@dataclass(frozen=True)
class _Event:
    """A row whose fields have the types the chain needs."""

    position: int
    originator_id: str
    version: int
    topic: str
    stored: str


class _Witness:
    """A sorted stream of (position, hash) pairs recorded by someone other than the log."""

    def __init__(self, name: str, pairs: Iterable[tuple[Any, str]]) -> None:
        self.name = name
        self._pairs = iter(pairs)
        #: (the stored position that is not one,) where one ended the stream (NULL among them)
        self.malformed: tuple[object, ...] = ()
        self.current: tuple[int, str] | None = self._next()
        self.matched = 0
        self.last = 0

    def _next(self) -> tuple[int, str] | None:
        pair = next(self._pairs, None)
        if pair is None or type(pair[0]) is int:
            return pair
        # Not an integer (NULL, 9.5, text, a blob): a failure, which ends the stream (int()
        # of 9.5 would pass it as 9, leaving position 9 witnessed by no row at 9).
        self.malformed = (pair[0],)
        return None

    def advance(self) -> None:
        """Move to the next witnessed position."""
        if self.current is not None:
            self.last = self.current[0]
        self.current = self._next()


class _Audit:
    """Walks the log once, in position order, and keeps the earliest failure of any check."""

    def __init__(
        self,
        witnesses: list[_Witness],
        decode: Decoder,
        replay: ReadSideCheck | None = None,
        keep: Collection[int] | None = None,
    ) -> None:
        self.witnesses = witnesses
        self.decode = decode
        self.replay = replay
        self.tree = Frontier()  # RFC 9162 leaves, for the tree head over the log
        self.failure: tuple[int, str] | None = None
        self.head = 0  # last position of the contiguous, checked prefix
        self.vouched = 0  # last position of the prefix whose every hash a witness confirmed
        self.digest = GENESIS
        # The chain hash at the positions publications pin (None: at every position, 32 bytes
        # each: for callers that cannot say which positions are pinned before the walk).
        self.keep = None if keep is None else frozenset(keep)
        self.kept: dict[int, str] = {}
        #: The tree head at each of those positions (kept only when they are known).
        self.roots: dict[int, str] = {}
        self.digests = bytearray()
        self.versions: dict[str, int] = {}
        #: (pinned position, digest, at, label, pinned tree head or None)
        self.pins: list[tuple[int, str, int, str, str | None]] = []
        self.checked = 0

    def fail(self, position: int, reason: str) -> None:
        """Record a failure; only the earliest position is kept."""
        if self.failure is None or position < self.failure[0]:
            self.failure = (position, reason)

    def failed_before(self, position: int) -> bool:
        """Whether a failure at or before this position is already known."""
        return self.failure is not None and self.failure[0] <= position

    def digest_at(self, position: int) -> str | None:
        """The recomputed chain digest at a position of the checked prefix."""
        if position == 0:
            return GENESIS
        if not 1 <= position <= self.head:
            return None
        if self.keep is not None:
            return self.kept.get(position)
        return self.digests[(position - 1) * 32 : position * 32].hex()

    def row(self, raw: RawRow) -> None:
        """Check one row: contiguity, shape, aggregate versions, decoding, chain, witnesses."""
        self.checked += 1
        event = self._shape(raw)
        if event is None:
            return
        expected = self.head + 1
        if event.position != expected or self.failed_before(expected):
            self._after_failure(event, raw)
            return
        self._witnesses_before(event.position)
        version = self.versions.get(event.originator_id, 0) + 1
        if event.version != version:
            self.fail(
                event.position,
                f"position {event.position} holds version {event.version} of aggregate "
                f"{event.originator_id}, whose next version is {version}",
            )
        try:
            attrs = self.decode(raw)
            decoded = True
        except Exception as error:  # any decoding error means the row is not a valid event
            self.fail(event.position, f"position {event.position} does not decode: {error}")
            attrs, decoded = {}, False
        self.versions[event.originator_id] = event.version
        data = canonical(
            event.position, event.originator_id, event.version, event.topic, event.stored
        )
        self.digest = link_canonical(self.digest, data)
        self.tree.add(leaf_hash(data))
        if self.keep is None:
            self.digests += bytes.fromhex(self.digest)
        elif event.position in self.keep:
            self.kept[event.position] = self.digest
            self.roots[event.position] = self.tree.root().hex()
        self.head = event.position
        self._compare(event.position)
        self._pin(event, attrs)
        if decoded and self.replay is not None:
            for position, reason in self.replay.see(_record(event, attrs)):
                self.fail(position, reason)

    def _shape(self, raw: RawRow) -> _Event | None:
        """The row's fields with their proper types, or a failure."""
        position = raw.position if isinstance(raw.position, int) else -1
        try:
            state = raw.state if isinstance(raw.state, bytes | str) else bytes(raw.state)
            stored = state if isinstance(state, str) else state.decode("utf-8")
            version = raw.originator_version
            if isinstance(version, bool) or not isinstance(version, int):
                raise TypeError(f"originator version {version!r} is not an integer")
            if not isinstance(raw.topic, str):
                raise TypeError(f"topic {raw.topic!r} is not text")
            originator = str(UUID(str(raw.originator_id)))
        except (TypeError, ValueError) as error:
            self.fail(max(position, self.head + 1), f"position {position} is malformed: {error}")
            return None
        return _Event(position, originator, version, raw.topic, stored)

    def _after_failure(self, event: _Event, raw: RawRow) -> None:
        """A row out of sequence (or after a failure): report a gap; still collect its pins."""
        expected = self.head + 1
        if event.position > expected and not self.failed_before(expected):
            self.fail(
                expected,
                f"position {expected} is missing: the log goes from {self.head} to "
                f"{event.position}",
            )
        elif event.position < expected:
            self.fail(
                max(event.position, 0),
                f"position {event.position} is out of sequence (after {self.head})",
            )
        if type_name(event.topic) == PUBLISHED:
            try:
                self._pin(event, self.decode(raw))
            except Exception:  # undecodable rows after a failure add nothing
                return

    def _witnesses_before(self, position: int) -> None:
        """Every witnessed position below this one must have been in the log."""
        for w in self.witnesses:
            while w.current is not None and w.current[0] < position:
                self.fail(
                    w.current[0],
                    f"position {w.current[0]} was witnessed by {w.name} but is not in the log",
                )
                w.advance()

    def _compare(self, position: int) -> None:
        """Compare the recomputed hash at a position with each witness that saw it."""
        confirmed = False
        for w in self.witnesses:
            if w.current is not None and w.current[0] == position:
                if w.current[1] != self.digest:
                    self.fail(
                        position,
                        f"position {position} does not match the chain hash {w.name} "
                        f"recorded when it first saw it (recorded {w.current[1][:16]}…, "
                        f"recomputed {self.digest[:16]}…)",
                    )
                else:
                    w.matched += 1
                    confirmed = True
                w.advance()
        if confirmed and self.vouched == position - 1 and not self.failed_before(position):
            self.vouched = position

    def _pin(self, event: _Event, attrs: Mapping[str, Any]) -> None:
        """Remember the digest a publication pinned, to compare once the walk is done."""
        if type_name(event.topic) != PUBLISHED:
            return
        pinned, digest = attrs.get("position"), attrs.get("digest")
        head = attrs.get("tree_head")  # None in publications older than tree heads
        label = f"publication {attrs.get('publication_no')!s} recorded at position {event.position}"
        if not isinstance(pinned, int) or not isinstance(digest, str):
            self.fail(event.position, f"{label} has no pinned position and digest")
            return
        if head is not None and not isinstance(head, str):
            self.fail(event.position, f"{label} pins a tree head that is not text: {head!r}")
            return
        self.pins.append((pinned, digest, event.position, label, head))

    def finish(self) -> IntegrityReport:
        """Check what only the end can tell: truncation, publications; then write the verdict."""
        if self.replay is not None:
            for position, reason in self.replay.finish(self.head):
                self.fail(position, reason)
        for w in self.witnesses:
            if w.malformed:
                self.fail(
                    self.head + 1,
                    f"{w.name} holds a row at position {w.malformed[0]!r}, which is not a "
                    "position of the log",
                )
            if w.current is not None:
                self.fail(
                    self.head + 1,
                    f"the log ends at position {self.head} but {w.name} witnessed position "
                    f"{w.current[0]}: events were removed from the end",
                )
        matched = 0
        for pinned, digest, at, label, head in sorted(self.pins, key=lambda pin: pin[:4]):
            if pinned >= at:
                self.fail(at, f"{label} pins position {pinned}, which is not before it")
                continue
            if self.failed_before(pinned):
                continue
            recomputed = self.digest_at(pinned)
            if recomputed != digest and pinned <= self.vouched:
                # The witnesses vouch for the log up to the pin, so the publication changed.
                self.fail(
                    at,
                    f"{label} pins digest {digest[:16]}… for position {pinned}, but the "
                    f"witnessed log has {str(recomputed)[:16]}… there",
                )
            elif recomputed != digest:
                self.fail(
                    pinned,
                    f"the log up to position {pinned} does not match the digest pinned by "
                    f"{label} (pinned {digest[:16]}…, recomputed {str(recomputed)[:16]}…)",
                )
            elif self._same_tree(pinned, head, at, label):
                matched += 1
        return self._report(matched)

    def _same_tree(self, pinned: int, head: str | None, at: int, label: str) -> bool:
        """Whether a publication pins the tree head the log has at its position (the chain
        there already matched); a head is kept only where the pinned positions were known."""
        recomputed = self.roots.get(pinned)
        if head is None or self.keep is None or recomputed == head:
            return True
        self.fail(
            at,
            f"{label} pins tree head {head[:16]}… for position {pinned}, but the log's tree "
            f"there is {str(recomputed)[:16]}…",
        )
        return False

    def _report(self, matched: int) -> IntegrityReport:
        if self.failure is not None:
            position, reason = self.failure
            return IntegrityReport(
                ok=False,
                checked=self.checked,
                first_bad=position,
                reason=reason,
                summary=f"FAILED at position {position}: {reason} ({self.checked} rows read)",
            )
        witness = self.witnesses[0] if self.witnesses else None
        return ok_report(
            head=self.head,
            checked=self.checked,
            seen=witness.last if witness is not None else 0,
            matched=matched,
            replayed=self.replay.summary() if self.replay is not None else None,
            chain_head=self.digest,
            tree=self.tree.root().hex(),
        )


def ok_report(
    *,
    head: int,
    checked: int,
    seen: int,
    matched: int,
    replayed: str | None,
    chain_head: str,
    tree: str,
) -> IntegrityReport:
    """The verdict on a log that passed every check (the audit's and the fast walk's words)."""
    also = f"; {replayed}" if replayed is not None else ""
    reason = (
        f"{head} events, positions 1..{head} contiguous; {seen} witnessed, "
        f"{head - seen} not yet; {matched} publication digest(s) match{also}; "
        f"chain head {chain_head}; tree head {tree} over 1..{head}"
    )
    return IntegrityReport(True, checked, None, reason, f"ok: {reason}")


def _record(event: _Event, attrs: Mapping[str, Any]) -> EventRecord:
    """The event as the follower hands it to the read models (data made plain by JSON)."""
    return EventRecord(
        position=event.position,
        type=type_name(event.topic),
        originator_id=event.originator_id,
        originator_version=event.version,
        time=attrs["timestamp"],
        data=plain_data(attrs),
        topic=event.topic,
        stored=event.stored,
    )


def json_decoder(row: RawRow) -> Mapping[str, Any]:
    """Decode a stored state that is plain JSON (no cipher, no compression)."""
    state = row.state if isinstance(row.state, str) else bytes(row.state).decode("utf-8")
    attrs = json.loads(state)
    if not isinstance(attrs, dict):
        raise ValueError("stored state is not a JSON object")
    return attrs


def mapper_decoder(ledger: Ledger) -> Decoder:
    """Decode rows with the ledger's own mapper, so that the topic must resolve too."""

    def decode(row: RawRow) -> Mapping[str, Any]:
        state = row.state.encode("utf-8") if isinstance(row.state, str) else bytes(row.state)
        attrs = plain_state(ledger.mapper, state, str(row.topic))
        if attrs is not None:
            attrs["originator_id"] = UUID(str(row.originator_id))
            attrs["originator_version"] = int(row.originator_version)
            return attrs
        return dict(
            mapped(
                ledger.mapper, row.originator_id, int(row.originator_version), str(row.topic), state
            )
        )

    return decode


def audit(
    rows: Iterable[RawRow],
    witnesses: Mapping[str, Iterable[tuple[Any, str]]] | None = None,
    decode: Decoder = json_decoder,
    replay: ReadSideCheck | None = None,
    keep: Collection[int] | None = None,
) -> IntegrityReport:
    """Check raw rows (in position order) against witnesses (each sorted by position) and,
    with `replay`, the read models against a replay of the rows. `keep`: the positions the
    publications among the rows pin, when known before the walk (then only the chain hashes
    there are kept; else every position's)."""
    checker = _Audit(
        [_Witness(name, pairs) for name, pairs in (witnesses or {}).items()], decode, replay, keep
    )
    for raw in rows:
        checker.row(raw)
    return checker.finish()


def verify_log(
    ledger: Ledger,
    read_models: sqlite3.Connection,
    read_side: ReadSideFactory | None = None,
    on_row: Callable[[int], None] | None = None,
    fast: bool = True,
) -> IntegrityReport:
    """Recompute the chain from the stored rows; compare with the read side's witnesses,
    publications and positions (`read_models`: the database the event index writes), and with
    `read_side` the read models' copy of the log against a replay. `on_row` is called with 1
    for each row read (progress reports). `fast=False` skips the fast walk: the audit alone,
    the reference the fast walk is tested against.

    Reads only. A file SQLite cannot read (not a database, damaged pages) is CorruptDatabase.
    """
    try:
        return _verify(ledger, read_models, read_side, on_row, fast)
    except sqlite3.DatabaseError as error:
        raise CorruptDatabase(
            f"the database file is damaged or not a ledger: {error}", field="CITYLEDGER_DB"
        ) from None


def _verify(
    ledger: Ledger,
    read_models: sqlite3.Connection,
    read_side: ReadSideFactory | None,
    on_row: Callable[[int], None] | None,
    fast: bool,
) -> IntegrityReport:
    with ExitStack() as stack:
        witness_file = _main_file(read_models)
        witness_conn = read_models
        if witness_file is not None:
            witness_conn = stack.enter_context(_Snapshot(witness_file))
        log_conn: sqlite3.Connection | None = None
        table = ""
        log = _ledger_file(ledger)
        if log is not None:
            log_file, table = log
            same = witness_file is not None and _same_file(log_file, witness_file)
            log_conn = witness_conn if same else stack.enter_context(_Snapshot(log_file))

        decode = mapper_decoder(ledger)
        # Rows counted for progress so far: a second walk re-reads them, which is not new work.
        counted = [0]

        def walk(fast: bool) -> IntegrityReport | None:
            # Both walks read one snapshot: the witnesses' and the log's rows agree, and the
            # publications read first are those the walk meets.
            rows: Iterable[Row]
            if log_conn is None:
                rows = _recorder_rows(ledger)
                found = [r for r in _recorder_rows(ledger) if _is_publication(r[3])]
            else:
                rows = _sqlite_rows(log_conn, table)
                # The fast walk may take the event index's word for where publications are.
                hinted = _indexed_publications(log_conn, table, witness_conn) if fast else None
                found = (
                    list(_sqlite_rows(log_conn, table, topic_like=f"%{PUBLISHED}"))
                    if hinted is None
                    else hinted
                )
            publications = _publications(found, decode)
            recorded, keep = publications.recorded, publications.pinned
            check = read_side(witness_conn, recorded) if read_side is not None else None
            if fast:
                tables = [WitnessTable(name, witness_conn, t) for name, t in WITNESSES.items()]
                tick = None if on_row is None else count_into(counted, on_row)
                return fast_audit(rows, tables, ledger.mapper, check, tick, keep, publications.at)
            witnesses = {name: _pairs(witness_conn, t) for name, t in WITNESSES.items()}
            raws: Iterable[RawRow] = (RawRow(*row) for row in rows)
            if on_row is not None:
                raws = _counted(raws, on_row, skip=counted[0])
            return audit(raws, witnesses, decode, check, keep)

        # The fast walk vouches for a healthy log; anything else is walked again by the audit,
        # which names the first bad position (so both give the same verdict, word for word).
        report = (walk(fast=True) if fast else None) or walk(fast=False)
    assert report is not None  # the audit always gives a verdict
    return report


def _counted(
    rows: Iterable[RawRow], on_row: Callable[[int], None], skip: int = 0
) -> Iterator[RawRow]:
    """The rows, each counted as read, but for the first `skip` (counted already)."""
    for number, row in enumerate(rows, start=1):
        yield row
        if number > skip:
            on_row(1)


def count_into(counted: list[int], on_row: Callable[[int], None]) -> Callable[[int], None]:
    """`on_row`, also adding each count to `counted[0]`."""

    def tick(count: int) -> None:
        counted[0] += count
        on_row(count)

    return tick


def digest_of_export(lines: Iterable[str], upto: int) -> str:
    """The chain digest at position `upto`, recomputed from `cityledger events` JSON lines."""
    previous, position = GENESIS, 0
    for text in lines:
        if position >= upto:
            break
        if not text.strip():
            continue
        entry = json.loads(text)
        position += 1
        if entry["position"] != position:
            raise ValueError(f"position {position} is missing (the export has {entry['position']})")
        check_export_entry(entry)
        previous = link(
            previous,
            position,
            entry["originator_id"],
            entry["originator_version"],
            entry["topic"],
            entry["stored"],
        )
    if position < upto:
        raise ValueError(f"the export ends at position {position}, before {upto}")
    return previous


def check_export_entry(entry: Mapping[str, Any]) -> None:
    """An exported line's readable fields (type, time, data) must show its `stored` text."""
    stored = json.loads(entry["stored"])
    position = entry["position"]
    if entry["type"] != type_name(entry["topic"]):
        raise ValueError(f"position {position}: type {entry['type']!r} does not match the topic")
    stamp = stored.get("timestamp")
    if not isinstance(stamp, dict) or entry["time"] != stamp.get("_data_"):
        raise ValueError(f"position {position}: time does not match the stored event")
    if entry["data"] != {k: v for k, v in stored.items() if k not in ENVELOPE}:
        raise ValueError(f"position {position}: data does not match the stored event")


# ---- reading the stores ---------------------------------------------------------------


def _main_file(conn: sqlite3.Connection) -> str | None:
    """The file behind a connection's main database, or None when it is in memory."""
    for _, name, file in conn.execute("PRAGMA database_list").fetchall():
        if name == "main":
            return str(file) or None
    return None  # pragma: no cover


def _ledger_file(ledger: Ledger) -> tuple[str, str] | None:
    """The SQLite file and table of the ledger's stored events, or None (PostgreSQL, memory)."""
    recorder = ledger.recorder
    if not isinstance(recorder, SQLiteApplicationRecorder):
        return None
    path = file_of(str(ledger.env.get("SQLITE_DBNAME") or ""))
    if path is None or not str(path):
        return None
    return str(path), recorder.events_table_name


def _same_file(a: str, b: str) -> bool:
    """Whether two paths name the same file."""
    try:
        return Path(a).samefile(b)
    except OSError:
        return False


class _Snapshot:
    """A read-only connection holding one read transaction (one consistent snapshot)."""

    def __init__(self, path: str) -> None:
        uri = read_only_uri(Path(path))
        try:
            self.conn = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=30)
            self.conn.execute("BEGIN")
            self.conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
        except sqlite3.OperationalError:
            self.conn = sqlite3.connect(path, isolation_level=None, timeout=30)
            self.conn.execute("BEGIN")

    def __enter__(self) -> sqlite3.Connection:
        return self.conn

    def __exit__(self, *exc: object) -> None:
        self.conn.close()


def _table_exists(conn: sqlite3.Connection, table: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [table]
    ).fetchone()
    return row is not None


def _pairs(conn: sqlite3.Connection, table: str) -> Iterator[tuple[Any, str]]:
    """(position, hash) pairs of a witness table in order, positions as stored (the audit
    reads them); the query runs now, not lazily."""
    if not _table_exists(conn, table):
        return iter(())
    cursor = conn.execute(f"SELECT position, hash FROM [{table}] ORDER BY position")
    return ((p, str(h)) for p, h in cursor)


def _sqlite_rows(
    conn: sqlite3.Connection,
    table: str,
    topic_like: str | None = None,
    after: int | None = None,
    upto: int | None = None,
) -> Iterator[Row]:
    """Every stored event by rowid (or those after a position, up to another, or of a topic),
    as stored (none: no table)."""
    if not _table_exists(conn, table):
        return iter(())
    return stored_rows(conn, table, after=after, upto=upto, topic_like=topic_like)


def _indexed_publications(
    log: sqlite3.Connection, table: str, index: sqlite3.Connection
) -> list[Row] | None:
    """The publications' rows where the event index says they are, and any after what it
    indexed, without reading every row of the log (None: no index). Only a hint for the fast
    walk, which vouches only if the publications it meets are exactly these."""
    if not _table_exists(index, INDEX_TABLE):
        return None
    query = f"SELECT position FROM [{INDEX_TABLE}] WHERE type = ? ORDER BY position"
    try:
        indexed = index.execute(f"SELECT max(position) FROM [{INDEX_TABLE}]").fetchone()[0]
        positions = index.execute(query, [PUBLISHED]).fetchall()
    except sqlite3.OperationalError:  # an index of another layout: no hint
        return None
    found = [
        row
        for (position,) in positions
        if isinstance(position, int)
        for row in _sqlite_rows(log, table, after=position - 1, upto=position)
    ]
    after = indexed if isinstance(indexed, int) else 0
    return [*found, *_sqlite_rows(log, table, topic_like=f"%{PUBLISHED}", after=after)]


def _is_publication(topic: Any) -> bool:
    """Whether a stored topic is a publication's (the walk's test)."""
    return isinstance(topic, str) and type_name(topic) == PUBLISHED


@dataclass(frozen=True)
class _Publications:
    """The publications among rows of the log: where each is, those that decode (as the walk
    decodes them), and the positions they pin (only the chain hashes there are kept)."""

    at: set[Any]
    recorded: list[RecordedPublication]
    pinned: set[int]


def _publications(rows: Iterable[Row], decode: Decoder) -> _Publications:
    """The publications among the rows, each decoded once as the walk decodes it. A row that
    does not decode, or whose originator id is not one, records nothing: verify's walk names
    it."""
    found = _Publications(set(), [], set())
    for row in rows:
        raw = RawRow(*row)
        if not _is_publication(raw.topic):
            continue
        found.at.add(raw.position)
        try:
            data = dict(decode(raw))
        except Exception:  # an undecodable row pins nothing (the walk names it)
            continue
        position = data.get("position")
        if isinstance(position, int):
            found.pinned.add(position)
        try:
            found.recorded.append((int(raw.position), str(UUID(str(raw.originator_id))), data))
        except (TypeError, ValueError):
            continue
    return found


def _recorder_rows(ledger: Ledger) -> Iterator[Row]:
    """Every stored event through the recorder (for stores sqlite3 cannot open)."""
    after = 0
    while True:
        batch = ledger.recorder.select_notifications(start=after + 1, limit=BATCH)
        if not batch:
            return
        for n in batch:
            yield int(n.id), n.originator_id, n.originator_version, n.topic, bytes(n.state)
        after = int(batch[-1].id)
