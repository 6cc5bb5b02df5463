"""Read models: dropping and replaying gives identical rows; positions are tracked per model."""

from __future__ import annotations

import gc
import json
import sqlite3
from collections.abc import Callable
from typing import ClassVar

import pytest
from sqlite_utils import Database

from cityledger.bootstrap import Runtime
from ledger.records import EventRecord
from projections import evidence, follower, merkle, standings
from projections.follower import default_models
from projections.model import ReadModel
from projections.timeline import Timeline
from tests.support.builders import EDITION, WEIGHT_SET
from tests.support.inputs import source
from tests.support.rows import Rows, table_rows

pytestmark = pytest.mark.both_backends


def dump(db: Database) -> Rows:
    """Every read-model table's rows, in a stable order."""
    return table_rows(db, [t for m in default_models() for t in m.tables])


def test_dropping_and_replaying_gives_identical_rows(world: Runtime) -> None:
    ledger = world.ledger
    claim = ledger.submit_claim(EDITION, "seoul", "I6", 3, [source("ko")], "R1")
    ledger.withdraw_claim(claim, "duplicate", "R1")
    ledger.publish(EDITION)
    ledger.file_appeal(
        EDITION, "taizhou-js", "Our rail network is missing", "city", "T1",
        rung=2, sources=[source("zh")],
    )  # fmt: skip
    ledger.give_feedback(EDITION, "taizhou-js", "Thanks", "city")
    world.catch_up()
    before = dump(world.db)
    assert world.follower.rebuild() == ledger.head()
    assert dump(world.db) == before


def test_standings_holding_only_a_few_claims_between_batches_give_identical_rows(
    world: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = world.ledger
    claim = ledger.submit_claim(EDITION, "seoul", "I6", 3, [source("ko")], "R1")
    ledger.withdraw_claim(claim, "duplicate", "R1")
    world.catch_up()
    before = dump(world.db)
    # Every claim let go of after each batch: each later decision reads its claim back.
    monkeypatch.setattr(standings, "HELD_CLAIMS", 0)
    monkeypatch.setattr(follower, "REBUILD_BATCH", 3)
    recalled: list[int] = []
    recall = Timeline.recall

    def counted(self: Timeline, db: Database, records: list[EventRecord]) -> None:
        held = len(self.state.claims)
        recall(self, db, records)
        recalled.append(len(self.state.claims) - held)

    monkeypatch.setattr(Timeline, "recall", counted)
    assert world.follower.rebuild() == ledger.head()
    assert dump(world.db) == before
    assert sum(recalled) > 10
    while world.follower.catch_up(limit=7) < ledger.head():
        pass
    assert dump(world.db) == before


def test_a_ballot_revised_within_one_batch_counts_each_revision(
    world: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = world.ledger
    (allocation,) = world.db.execute(
        "SELECT allocations FROM ballots WHERE weight_set_id = ? AND panelist_id = 'P01'",
        [WEIGHT_SET],
    ).fetchone()
    again = json.loads(allocation)
    for reason in ("first thoughts", "second thoughts"):
        ledger.revise_ballot(WEIGHT_SET, "P01", again, reason)
    world.catch_up()

    def revisions() -> int:
        return int(
            world.db.execute(
                "SELECT revisions FROM ballots WHERE weight_set_id = ? AND panelist_id = 'P01'",
                [WEIGHT_SET],
            ).fetchone()[0]
        )

    assert revisions() == 2
    world.follower.rebuild()  # every ballot in one batch
    assert revisions() == 2
    monkeypatch.setattr(follower, "REBUILD_BATCH", 1)  # each in its own
    world.follower.rebuild()
    assert revisions() == 2


def test_a_rebuild_leaves_the_connection_and_the_collector_as_it_found_them(
    world: Runtime,
) -> None:
    db = world.follower.db

    def settings() -> tuple[object, ...]:
        pragmas = ("cache_size", "secure_delete")
        return (*(db.execute(f"PRAGMA {p}").fetchone()[0] for p in pragmas), gc.isenabled())

    before = settings()
    world.follower.rebuild()
    assert settings() == before
    db.execute("PRAGMA secure_delete = FAST")
    gc.disable()
    try:
        world.follower.rebuild()
        assert settings() == (before[0], 2, False)
    finally:
        gc.enable()
        db.execute("PRAGMA secure_delete = ON")


def test_a_rebuild_whose_write_fails_leaves_the_read_models_as_they_were(
    world: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = dump(world.db)
    # The votes' insert, after the event index's, names a column the table lacks.
    monkeypatch.setattr(evidence, "VOTE_COLUMNS", (*evidence.VOTE_COLUMNS[:-1], "nowhere"))
    with pytest.raises(sqlite3.OperationalError, match="nowhere"):
        world.follower.rebuild()
    assert dump(world.db) == before
    assert world.follower.position() == world.ledger.head()
    assert gc.isenabled()  # paused for the rebuild only


def test_every_model_tracks_the_head_after_catching_up(world: Runtime) -> None:
    positions = world.follower.positions()
    assert set(positions.values()) == {world.ledger.head()}
    assert set(positions) == {
        "event_index",
        "catalogue",
        "evidence",
        "standings",
        "appeals",
        "publications",
        "merkle",
    }


def test_catching_up_in_small_steps_equals_one_pass(world: Runtime) -> None:
    one_pass = dump(world.db)
    world.follower.rebuild()
    world.follower.models = default_models()
    world.db.execute("DELETE FROM projection_tracking")
    for model in world.follower.models:
        model.drop(world.db)
        model.create(world.db)
    while world.follower.catch_up(limit=7) < world.ledger.head():
        pass
    assert dump(world.db) == one_pass


class FailsOnce(ReadModel):
    """Applied after every real model: fails the first batch that reaches `at`, once."""

    name = "fails_once"
    tables = ()

    def __init__(self, at: int) -> None:
        self.at, self.failed = at, False

    def create(self, db: Database) -> None:
        return None

    def apply(self, db: Database, records: list[EventRecord]) -> None:
        if not self.failed and records[-1].position >= self.at:
            self.failed = True
            raise RuntimeError("disk hiccup")


def replayed_with_failures(world: Runtime, head: int) -> int:
    """Drop every model and catch up to `head` in batches of 7, retrying each failing batch;
    how many failed."""
    world.db.execute("DELETE FROM projection_tracking")
    for model in world.follower.models:
        model.drop(world.db)
        model.create(world.db)
    failures = 0
    while True:
        try:
            if world.follower.catch_up(limit=7) >= head:
                return failures
        except RuntimeError:
            failures += 1


def test_a_batch_rolled_back_after_every_model_applied_it_is_retried_to_the_same_rows(
    world: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Blocks of four events: the Merkle model stores and pairs subtrees within a few batches.
    monkeypatch.setattr(merkle, "BLOCK_LEVEL", 2)
    monkeypatch.setattr(merkle, "BLOCK", 4)
    world.follower.rebuild()
    one_pass = dump(world.db)
    head = world.ledger.head()
    for at in range(2, head, 5):
        # The models' caches (chain tip, Merkle frontier, standings fold) ran ahead of the
        # rolled-back rows: the retry must not build on them.
        world.follower.models = [*default_models(), FailsOnce(at)]
        assert replayed_with_failures(world, head) == 1
        assert dump(world.db) == one_pass, at
        assert merkle.tree_head_at(world.db, head) == world.ledger.tree_head_at(head)


class StoreFailingOnce:
    """The Merkle model's store of a subtree, failing once, at the first block ending at or
    after `at`."""

    store = merkle.MerkleBlocks._store

    def __init__(self, at: int) -> None:
        self.at, self.armed = at, True

    def __get__(self, model: merkle.MerkleBlocks, owner: type) -> Callable[..., None]:
        def store(db: Database, level: int, idx: int, last: int, root: bytes) -> None:
            if self.armed and last >= self.at:
                self.armed = False
                raise RuntimeError("disk hiccup")
            StoreFailingOnce.store(model, db, level, idx, last, root)

        return store


def test_a_batch_failing_inside_a_model_is_retried_to_the_same_rows(
    world: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Blocks of four events; the Merkle model's insert of a block fails once, after its cache
    # took that block's leaves in, at the position where it had started the batch.
    monkeypatch.setattr(merkle, "BLOCK_LEVEL", 2)
    monkeypatch.setattr(merkle, "BLOCK", 4)
    world.follower.rebuild()
    one_pass = dump(world.db)
    head = world.ledger.head()
    for at in range(3, head, 7):
        monkeypatch.setattr(merkle.MerkleBlocks, "_store", StoreFailingOnce(at))
        assert replayed_with_failures(world, head) == 1
        assert dump(world.db) == one_pass, at
        assert merkle.tree_head_at(world.db, head) == world.ledger.tree_head_at(head)


def test_the_follow_loop_survives_a_failing_batch_and_retries_it(world: Runtime) -> None:
    import threading

    from projections.follower import Follower
    from projections.model import ReadModel

    stop = threading.Event()

    class Flaky(ReadModel):
        name = "flaky"
        tables = ()
        calls = 0
        seen: ClassVar[list[int]] = []

        def create(self, db: Database) -> None:
            return None

        def apply(self, db: Database, records: list[EventRecord]) -> None:
            Flaky.calls += 1
            if Flaky.calls == 1:
                raise RuntimeError("disk hiccup")
            Flaky.seen.extend(r.position for r in records)
            if Flaky.seen[-1] == world.ledger.head():
                stop.set()

    follower = Follower(world.ledger, world.follower.db, [Flaky()])
    follower.follow(stop, interval=0)
    assert Flaky.seen == list(range(1, world.ledger.head() + 1))
    assert follower.positions() == {"flaky": world.ledger.head()}
