"""verify's Merkle tree folded by a child process: the same verdict, or the audit's."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from cityledger.bootstrap import Runtime
from ledger import treework
from ledger.integrity import verify_log
from ledger.proofs import LineTree
from ledger.treework import TreeWorker, fold
from projections.replaycheck import verify_read_side
from tests.trust.test_trust_chain import EVERY_TAMPER, HEAD
from tests.trust.trust_world import raw


@pytest.fixture
def worker_always(monkeypatch: pytest.MonkeyPatch) -> list[TreeWorker]:
    """Every verify of a log file folds its tree in a child process (the started ones)."""
    started: list[TreeWorker] = []
    start = TreeWorker.__init__

    def counted(worker: TreeWorker, *args: object) -> None:
        start(worker, *args)  # type: ignore[arg-type]
        started.append(worker)

    monkeypatch.setattr(treework, "WORKER_FROM", 0)
    monkeypatch.setattr(TreeWorker, "__init__", counted)
    return started


def test_a_tree_folded_by_the_worker_gives_the_same_verdict_word_for_word(
    world: Runtime, worker_always: list[TreeWorker]
) -> None:
    for verify in (verify_log, verify_read_side):
        folded = verify(world.ledger, world.db.conn)
        here = verify(world.ledger, world.db.conn, fast=False)

        assert folded.ok and folded == here, folded.summary
    assert len(worker_always) == 2
    assert all(worker.process.returncode is not None for worker in worker_always)


@pytest.mark.parametrize("kind", list(EVERY_TAMPER))
def test_the_worker_never_lets_the_fast_walk_vouch_for_a_tampered_log(
    kind: str, world: Runtime, world_db: Path, worker_always: list[TreeWorker]
) -> None:
    tamper, first_bad = EVERY_TAMPER[kind]
    with raw(world_db) as conn:
        tamper(conn)

    report = verify_log(world.ledger, world.db.conn)

    assert not report.ok, report.summary
    assert report == verify_log(world.ledger, world.db.conn, fast=False)
    if first_bad is not None:
        assert report.first_bad == first_bad


def test_the_worker_folds_what_the_walk_folds(world: Runtime, world_db: Path) -> None:
    with raw(world_db) as conn:
        answer = fold(conn, "stored_events", HEAD, [28, 33])
    report = verify_log(world.ledger, world.db.conn)

    assert answer["size"] == HEAD
    assert f"chain head {answer['chain']}" in report.summary
    assert f"tree head {answer['head']} over 1..{HEAD}" in report.summary
    assert answer["heads"] == {
        28: world.ledger.tree_head_at(28),
        33: world.ledger.tree_head_at(33),
    }


def test_an_answer_over_other_events_is_not_taken(world_db: Path) -> None:
    # The child read a different log (another file, or the file changed under it): its
    # chain head is not the walk's, so verify leaves the verdict to the audit.
    with raw(world_db) as conn:
        chain = fold(conn, "stored_events", HEAD, [])["chain"]

    shorter = TreeWorker(str(world_db), "stored_events", HEAD - 1, [])
    other = TreeWorker(str(world_db), "stored_events", HEAD, [])
    same = TreeWorker(str(world_db), "stored_events", HEAD, [])

    assert shorter.finish(HEAD, chain) is None
    assert other.finish(HEAD, "0" * 64) is None
    assert same.finish(HEAD, chain) is not None


def test_a_worker_that_cannot_read_the_file_leaves_the_verdict_to_the_audit(
    tmp_path: Path,
) -> None:
    missing = TreeWorker(str(tmp_path / "none.sqlite"), "stored_events", 5, [])
    not_a_log = tmp_path / "other.sqlite"
    sqlite3.connect(not_a_log).close()
    empty = TreeWorker(str(not_a_log), "stored_events", 5, [])

    assert missing.finish(5, "0" * 64) is None
    assert empty.finish(5, "0" * 64) is None
    assert missing.process.returncode != 0 and empty.process.returncode != 0


def test_a_short_log_folds_its_tree_here(world: Runtime, world_db: Path) -> None:
    with treework.worker_tree((str(world_db), "stored_events"), HEAD, []) as tree:
        assert tree is None  # the world is far shorter than WORKER_FROM
    with treework.worker_tree(None, treework.WORKER_FROM, []) as tree:
        assert tree is None  # a log that is not a file (PostgreSQL, memory)


def test_a_line_tree_keeps_its_head_at_each_kept_size() -> None:
    lines = [str(i).encode() for i in range(10)]
    whole, streamed = LineTree([3, 4, 10]), LineTree([3, 4, 10])

    whole.grow(lines)
    for start in range(0, 10, 3):
        streamed.grow(lines[start : start + 3])
    prefixes = {size: LineTree() for size in (3, 4)}
    for size, tree in prefixes.items():
        tree.grow(lines[:size])

    assert whole.finish() == streamed.finish()
    assert whole.heads == {3: prefixes[3].head(), 4: prefixes[4].head(), 10: whole.head()}
