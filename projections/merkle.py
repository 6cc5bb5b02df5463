"""MerkleBlocks: the roots of the log's complete Merkle subtrees of 1,024 events and more.

A tree head (RFC 9162) over the first n events is the right fold of the roots of the aligned
subtrees that the binary digits of n name. Every subtree of 1,024 leaves or more that is
complete is stored here once, so a tree head at any position needs at most about twenty stored
roots and the leaves of fewer than 1,024 events: its cost does not grow with the log.
"""

from __future__ import annotations

from sqlite_utils import Database

from ledger.chain import canonical
from ledger.proofs import Frontier, leaf_hash, node_hash, tree_head
from ledger.records import EventRecord
from projections.model import EVERY_EVENT, ReadModel

#: Subtrees of 2**BLOCK_LEVEL leaves and more are stored.
BLOCK_LEVEL = 10
BLOCK = 1 << BLOCK_LEVEL

SCHEMA = (
    # The root of the idx-th aligned subtree of 2**level leaves (0-based, in log order), and
    # the position of its last event.
    "CREATE TABLE IF NOT EXISTS merkle_nodes (level INTEGER NOT NULL, idx INTEGER NOT NULL, "
    "last_position INTEGER NOT NULL, hash BLOB NOT NULL, PRIMARY KEY (level, idx)) WITHOUT ROWID",
)


def leaf_of(position: int, originator_id: str, version: int, topic: str, stored: str) -> bytes:
    """The leaf hash of one stored event (what ledger.proofs hashes for the tree)."""
    return leaf_hash(canonical(position, originator_id, version, topic, stored))


def leaves_between(db: Database, after: int, upto: int) -> list[tuple[int, bytes]]:
    """(position, leaf hash) of the events in (after, upto], from the event index's bodies."""
    found = db.execute(
        "SELECT e.position, e.originator_id, e.originator_version, b.topic, b.stored "
        "FROM events e JOIN event_bodies b ON b.position = e.position "
        "WHERE e.position > ? AND e.position <= ? ORDER BY e.position",
        [after, upto],
    ).fetchall()
    return [
        (int(p), leaf_of(int(p), str(oid), int(v), str(topic), _text(stored)))
        for p, oid, v, topic, stored in found
    ]


def _text(stored: str | bytes) -> str:
    return stored.decode("utf-8") if isinstance(stored, bytes) else str(stored)


def _blocks(db: Database, upto: int) -> tuple[int, int]:
    """(complete blocks whose events are all at or before `upto`, position where they end)."""
    row = db.execute(
        "SELECT idx, last_position FROM merkle_nodes WHERE level = ? AND last_position <= ? "
        "ORDER BY idx DESC LIMIT 1",
        [BLOCK_LEVEL, upto],
    ).fetchone()
    return (0, 0) if row is None else (int(row[0]) + 1, int(row[1]))


class MerkleBlocks(ReadModel):
    """`merkle_nodes`: the root of every complete aligned subtree of at least BLOCK events."""

    name = "merkle"
    tables = ("merkle_nodes",)
    handles = EVERY_EVENT
    version = 1

    def __init__(self) -> None:
        #: Leaves of the block being filled, and the position of the last event folded.
        self._tail: list[bytes] = []
        self._last: int | None = None
        self._blocks = 0
        #: The latest left child stored at each level, (idx, hash), whose right one is to come.
        self._lefts: dict[int, tuple[int, bytes]] = {}

    def create(self, db: Database) -> None:
        """Create `merkle_nodes`."""
        for statement in SCHEMA:
            db.execute(statement)

    def reset(self) -> None:
        """Forget the block being filled."""
        self._tail, self._last, self._blocks, self._lefts = [], None, 0, {}

    def prepare(self, db: Database, records: list[EventRecord], after: int) -> None:
        """Read back the block being filled, unless the one held ends at `after`."""
        if records and self._last != after:
            self._read_back(db, records[0].position)
            self._last = after

    def _read_back(self, db: Database, first: int) -> None:
        """The block being filled just before `first`, read back from the stored leaves."""
        self._blocks, end = _blocks(db, first - 1)
        self._tail = [leaf for _, leaf in leaves_between(db, end, first - 1)]
        self._lefts = {}

    def apply(self, db: Database, records: list[EventRecord]) -> None:
        """Hash each event's leaf; store each block that completes, and the subtrees it closes."""
        if not records:
            return
        tail = self._tail
        for r in records:
            tail.append(leaf_hash(r.canonical))
            if len(tail) == BLOCK:
                self._store(db, BLOCK_LEVEL, self._blocks, r.position, tree_head(tail))
                self._blocks += 1
                tail.clear()
        self._last = records[-1].position

    def _store(self, db: Database, level: int, idx: int, last: int, root: bytes) -> None:
        """Store a subtree's root; a right child also completes its parent, and so on up."""
        lefts = self._lefts
        while True:
            db.execute(
                "INSERT INTO merkle_nodes (level, idx, last_position, hash) VALUES (?, ?, ?, ?)",
                [level, idx, last, root],
            )
            if idx % 2 == 0:
                lefts[level] = (idx, root)
                return
            held = lefts.pop(level, None)
            if held is not None and held[0] == idx - 1:
                left = held[1]
            else:  # stored before this model's cache began: read it back
                (left,) = db.execute(
                    "SELECT hash FROM merkle_nodes WHERE level = ? AND idx = ?", [level, idx - 1]
                ).fetchone()
            level, idx, root = level + 1, idx // 2, node_hash(bytes(left), root)


def tree_head_at(db: Database, upto: int) -> str:
    """The tree head (hex) over the events at or before `upto` (the model must have reached
    it): stored roots for the complete blocks, leaves hashed for the rest."""
    blocks, end = _blocks(db, upto)
    tree = Frontier()
    for level in range(blocks.bit_length() - 1, -1, -1):  # the largest subtree first
        if blocks >> level & 1:
            size = 1 << level
            (root,) = db.execute(
                "SELECT hash FROM merkle_nodes WHERE level = ? AND idx = ?",
                [BLOCK_LEVEL + level, tree.size // BLOCK // size],
            ).fetchone()
            tree.add_subtree(bytes(root), size * BLOCK)
    tree.extend([leaf for _, leaf in leaves_between(db, end, upto)])
    return tree.root().hex()


def chain_hash_at(db: Database, upto: int) -> str | None:
    """The chain hash (hex) of the log's prefix up to `upto`, as the event index chained it
    (None before the first event)."""
    row = db.execute(
        "SELECT hash FROM events WHERE position <= ? ORDER BY position DESC LIMIT 1", [upto]
    ).fetchone()
    return None if row is None else str(row[0])
