"""The Merkle read model: tree heads and chain hashes at any position without a pass over the log.

`merkle_nodes` keeps the root of every complete aligned subtree of 1,024 events and more; a
tree head at a position combines a few of them with the leaves of fewer than 1,024 events. It
must equal the tree head and chain hash the Ledger computes from the whole log, at block
boundaries and anywhere between, after a restart in the middle of a block and after a rebuild.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks import generate
from cityledger.bootstrap import Runtime, open_runtime
from projections.merkle import BLOCK, chain_hash_at, tree_head_at

EVENTS = 3 * BLOCK + 700


@pytest.fixture(scope="module")
def ledger_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated ledger of a little more than three blocks, read models built."""
    path = tmp_path_factory.mktemp("merkle") / "g.sqlite"
    assert generate.main(["--events", str(EVENTS), "--db", str(path), "--seed", "4"]) == 0
    return path


@pytest.fixture
def opened(ledger_file: Path) -> Iterator[Runtime]:
    rt = open_runtime(ledger_file)
    rt.catch_up()
    yield rt
    rt.close()


def nodes(rt: Runtime) -> list[tuple[int, int, int, bytes]]:
    return [
        (int(a), int(b), int(c), bytes(d))
        for a, b, c, d in rt.db.execute(
            "SELECT level, idx, last_position, hash FROM merkle_nodes ORDER BY level, idx"
        ).fetchall()
    ]


def test_tree_heads_and_chain_hashes_equal_the_logs_at_any_position(opened: Runtime) -> None:
    head = opened.ledger.head()
    rng = random.Random(4)
    edges = {p + d for p in (BLOCK, 2 * BLOCK, 3 * BLOCK) for d in (-1, 0, 1)}
    positions = sorted({1, 2, 3, 5, head, *edges, *(rng.randint(1, head) for _ in range(8))})

    for position in positions:
        assert tree_head_at(opened.db, position) == opened.ledger.tree_head_at(position), position
        assert chain_hash_at(opened.db, position) == opened.ledger.digest_at(position), position
    # Three blocks, the pair of the first two, and nothing more (the third is unpaired).
    assert [(level, idx) for level, idx, _, _ in nodes(opened)] == [
        (10, 0),
        (10, 1),
        (10, 2),
        (11, 0),
    ]


def test_a_restart_in_the_middle_of_a_block_resumes_where_it_left_off(
    ledger_file: Path, tmp_path: Path
) -> None:
    rt = open_runtime(ledger_file)
    rt.catch_up()
    expected = nodes(rt)
    rt.close()
    # A copy of the log whose read models stopped half-way through the second block.
    copy = tmp_path / "copy.sqlite"
    rt = open_runtime(ledger_file)
    rt.db.execute("VACUUM INTO ?", [str(copy)])
    rt.close()
    rt = open_runtime(copy)
    try:
        rt.follower.rebuild()
        rt.db.execute("DELETE FROM merkle_nodes WHERE idx > 0 OR level > 10")
        rt.db.execute("UPDATE projection_tracking SET position = ? WHERE model = 'merkle'", [1500])
    finally:
        rt.close()

    rt = open_runtime(copy)  # a fresh model: it reads back the 476 leaves it had folded
    try:
        rt.catch_up()
        assert nodes(rt) == expected
        assert tree_head_at(rt.db, rt.ledger.head()) == rt.ledger.tree_head_at(rt.ledger.head())
    finally:
        rt.close()


def test_a_rebuild_stores_the_same_roots(opened: Runtime) -> None:
    before = nodes(opened)
    opened.follower.rebuild()
    assert nodes(opened) == before
