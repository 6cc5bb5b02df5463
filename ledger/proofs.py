"""Merkle tree over event leaves (RFC 9162 §2.1): tree heads, inclusion and consistency proofs."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

HASH_SIZE = 32
#: MTH({}) = SHA-256 of the empty string.
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    """SHA-256(0x00 || data): the hash of one leaf."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right): the hash of an interior node."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def _mth(leaves: Sequence[bytes], lo: int, hi: int) -> bytes:
    """MTH of leaves[lo:hi], whose items are already leaf hashes."""
    n = hi - lo
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaves[lo]
    k = _split(n)
    return node_hash(_mth(leaves, lo, lo + k), _mth(leaves, lo + k, hi))


def _size(leaves: Sequence[bytes], size: int | None) -> int:
    """The tree size asked for, checked against the leaves available."""
    n = len(leaves) if size is None else size
    if not 0 <= n <= len(leaves):
        raise ValueError(f"tree size {n} is outside 0..{len(leaves)}")
    return n


def tree_head(leaves: Sequence[bytes], size: int | None = None) -> bytes:
    """The Merkle tree hash of the first `size` leaf hashes (all of them by default)."""
    n = _size(leaves, size)
    frontier = Frontier()
    frontier.extend(leaves[:n])
    return frontier.root()


def _perfect(nodes: Sequence[bytes]) -> bytes:
    """The root of a perfect subtree over a power-of-two number of nodes, level by level."""
    sha256, level = hashlib.sha256, list(nodes)
    while len(level) > 1:
        pairs = iter(level)
        level = [
            sha256(b"\x01" + left + right).digest()
            for left, right in zip(pairs, pairs, strict=True)
        ]
    return level[0]


class Frontier:
    """A growing Merkle tree kept as its compact range: the roots of the perfect subtrees the
    leaves so far split into (one per bit of the leaf count, largest first), O(log n) hashes.

    MTH splits n leaves at the largest power of two below n, so the tree is those perfect
    subtrees joined from the right: root() gives MTH without keeping the leaves.
    """

    def __init__(self) -> None:
        self.size = 0
        self._roots: list[bytes] = []

    def add_subtree(self, node: bytes, count: int) -> None:
        """Append the root of a perfect subtree of `count` leaves (a power of two that divides
        the size so far: a subtree aligned where MTH splits)."""
        if count < 1 or count & (count - 1) or self.size % count:
            raise ValueError(f"a subtree of {count} leaves is not aligned after {self.size}")
        self._push(node, count)

    def _push(self, node: bytes, count: int) -> None:
        """Append a perfect subtree of `count` (a power of two dividing size) leaves."""
        roots, carry = self._roots, self.size // count
        while carry & 1:  # a subtree of the same size is last: join them (binary addition)
            node = node_hash(roots.pop(), node)
            carry >>= 1
        roots.append(node)
        self.size += count

    def add(self, leaf: bytes) -> None:
        """Append one leaf hash."""
        self._push(leaf, 1)

    def extend(self, leaves: Sequence[bytes]) -> None:
        """Append leaf hashes in order (aligned runs hashed as whole subtrees, level by level)."""
        done, n = 0, len(leaves)
        while done < n:
            size = self.size
            # The largest perfect subtree that starts here and fits in what is left.
            count = 1 << ((n - done).bit_length() - 1)
            if size:
                count = min(count, size & -size)
            self._push(_perfect(leaves[done : done + count]), count)
            done += count

    def root(self) -> bytes:
        """MTH of the leaves so far (EMPTY_ROOT when there are none)."""
        if not self._roots:
            return EMPTY_ROOT
        node = self._roots[-1]
        for left in reversed(self._roots[:-1]):
            node = node_hash(left, node)
        return node


class KeptTree:
    """A growing Merkle tree (a Frontier) that keeps its head at chosen sizes as leaves stream
    past in log order (the positions publications pin): verify's tree."""

    def __init__(self, keep: Iterable[int] = ()) -> None:
        self.frontier = Frontier()
        self._keep = sorted({p for p in keep if p > 0}, reverse=True)  # popped in order
        #: The tree head (hex) at each kept size reached so far.
        self.heads: dict[int, str] = {}

    def add(self, leaves: Sequence[bytes]) -> list[int]:
        """Append the next leaf hashes; return the kept sizes they reach, in order (where a
        walk beside the tree keeps what it has at the same positions)."""
        frontier, keep, done = self.frontier, self._keep, 0
        start = frontier.size
        reached: list[int] = []
        while keep and keep[-1] <= start + len(leaves):
            position = keep.pop()
            frontier.extend(leaves[done : position - start])
            done = position - start
            self.heads[position] = frontier.root().hex()
            reached.append(position)
        frontier.extend(leaves[done:])
        return reached

    def finish(self) -> tuple[str, dict[int, str]]:
        """The tree head (hex) over the leaves, and the heads at the kept sizes reached."""
        return self.frontier.root().hex(), self.heads


def inclusion_proof(leaves: Sequence[bytes], index: int, size: int | None = None) -> list[bytes]:
    """PATH(index, D[size]): the audit path of the leaf at 0-based `index` in the first `size`."""
    n = _size(leaves, size)
    if not 0 <= index < n:
        raise ValueError(f"leaf index {index} is outside 0..{n - 1}")

    def path(m: int, lo: int, hi: int) -> list[bytes]:
        if hi - lo == 1:
            return []
        k = _split(hi - lo)
        if m < k:
            return [*path(m, lo, lo + k), _mth(leaves, lo + k, hi)]
        return [*path(m - k, lo + k, hi), _mth(leaves, lo, lo + k)]

    return path(index, 0, n)


def consistency_proof(
    leaves: Sequence[bytes], first: int, second: int | None = None
) -> list[bytes]:
    """PROOF(first, D[second]): the first `first` leaves are a prefix of the first `second`."""
    n = _size(leaves, second)
    if not 0 < first <= n:
        raise ValueError(f"first tree size {first} is outside 1..{n}")

    def subproof(m: int, lo: int, hi: int, whole: bool) -> list[bytes]:
        if m == hi - lo:
            return [] if whole else [_mth(leaves, lo, hi)]
        k = _split(hi - lo)
        if m <= k:
            return [*subproof(m, lo, lo + k, whole), _mth(leaves, lo + k, hi)]
        return [*subproof(m - k, lo + k, hi, False), _mth(leaves, lo, lo + k)]

    return subproof(first, 0, n, True)


def _hashes(*values: bytes) -> bool:
    """Whether every value is a 32-byte hash."""
    return all(isinstance(v, bytes) and len(v) == HASH_SIZE for v in values)


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """RFC 9162 §2.1.3.2: whether `proof` shows leaf hash `leaf` at `index` in the tree `root`."""
    if not _hashes(leaf, root, *proof) or not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2: whether `proof` shows tree `first_root` is a prefix of `second_root`."""
    if not _hashes(first_root, second_root, *proof) or not 0 <= first <= second:
        return False
    if first == second:  # the empty proof: both heads must be the same tree
        return not proof and first_root == second_root
    if first == 0:  # the empty tree is a prefix of every tree
        return not proof and first_root == EMPTY_ROOT
    if not proof:
        return False
    path = [first_root, *proof] if first & (first - 1) == 0 else list(proof)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == first_root and sr == second_root and sn == 0


# ---- over the ledger ------------------------------------------------------------------


@dataclass(frozen=True)
class InclusionProof:
    """Event `position` (1-based) is leaf position-1 of the tree of the first `size` events."""

    position: int
    size: int
    leaf: str
    path: tuple[str, ...]
    root: str

    def verify(self) -> bool:
        """Check the proof against its own root (compare `root` with a head you trust)."""
        return verify_inclusion(
            bytes.fromhex(self.leaf),
            self.position - 1,
            self.size,
            [bytes.fromhex(p) for p in self.path],
            bytes.fromhex(self.root),
        )


@dataclass(frozen=True)
class ConsistencyProof:
    """The tree of the first `first` events is a prefix of the tree of the first `second`."""

    first: int
    second: int
    first_root: str
    second_root: str
    path: tuple[str, ...]

    def verify(self) -> bool:
        """Check the proof against its own roots (compare them with heads you trust)."""
        return verify_consistency(
            self.first,
            self.second,
            bytes.fromhex(self.first_root),
            bytes.fromhex(self.second_root),
            [bytes.fromhex(p) for p in self.path],
        )


class _Leaves(Protocol):
    @property
    def leaves(self) -> list[bytes]:
        """Leaf hashes in position order."""
        ...


class Log(Protocol):
    """A log that yields the leaf hashes of its prefixes (the Ledger is one)."""

    def prefix(self, position: int | None = None) -> _Leaves:
        """One pass over the events 1..position (all by default)."""
        ...


def event_leaves(log: Log, upto: int | None = None) -> list[bytes]:
    """Leaf hashes of the recorded events 1..upto (all by default), from the canonical bytes."""
    return log.prefix(upto).leaves


def ledger_tree_head(log: Log, size: int | None = None) -> str:
    """The tree head (hex) over the first `size` events of the ledger (default: all)."""
    return tree_head(event_leaves(log, size), size).hex()


def prove_inclusion(log: Log, position: int, size: int | None = None) -> InclusionProof:
    """An inclusion proof for the event at `position` in the tree of the first `size` events."""
    leaves = event_leaves(log, size)
    n = _size(leaves, size)
    path = inclusion_proof(leaves, position - 1, n)
    return InclusionProof(
        position,
        n,
        leaves[position - 1].hex(),
        tuple(p.hex() for p in path),
        tree_head(leaves, n).hex(),
    )


def prove_consistency(log: Log, first: int, second: int | None = None) -> ConsistencyProof:
    """A consistency proof that the first `first` events are a prefix of the first `second`."""
    leaves = event_leaves(log, second)
    n = _size(leaves, second)
    path = consistency_proof(leaves, first, n)
    return ConsistencyProof(
        first,
        n,
        tree_head(leaves, first).hex(),
        tree_head(leaves, n).hex(),
        tuple(p.hex() for p in path),
    )
