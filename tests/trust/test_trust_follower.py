"""The follower: restarted from its tracking position it never skips or repeats an event."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlite_utils import Database

from cityledger.bootstrap import Runtime
from ledger.application import Ledger
from projections.follower import Follower
from projections.store import open_db
from tests.support.databases import closing_all
from tests.support.rows import Rows, table_rows

Opener = Callable[[Path], Database]


@pytest.fixture
def open_read_db() -> Iterator[Opener]:
    """Opens separate read-model databases (closed after the test)."""
    with closing_all(open_db) as opener:
        yield opener


def dump(db: Database) -> Rows:
    """Every row of every table, sorted."""
    return table_rows(db)


def positions(db: Database) -> list[int]:
    """The positions the event index holds, in order."""
    return [row[0] for row in db.execute("SELECT position FROM events ORDER BY position")]


def one_shot(ledger: Ledger, path: Path, opener: Opener) -> Rows:
    """The read models from a single rebuild."""
    db = opener(path)
    Follower(ledger, db).rebuild()
    return dump(db)


@pytest.fixture
def rebuilt(world: Runtime, tmp_path: Path, open_read_db: Opener) -> Rows:
    """The world's read models from a single rebuild: what any way of following must give."""
    return one_shot(world.ledger, tmp_path / "once.sqlite", open_read_db)


def test_restarting_at_the_tracking_position_never_skips_or_repeats(
    world: Runtime, tmp_path: Path, open_read_db: Opener, rebuilt: Rows
) -> None:
    head = world.ledger.head()
    path = tmp_path / "steps.sqlite"
    rng = random.Random(7)
    reached, steps = 0, 0

    while reached < head:
        step = rng.randint(1, 6)
        follower = Follower(world.ledger, open_read_db(path))  # a fresh follower each time
        assert follower.position() == reached
        reached = follower.catch_up(limit=step)
        steps += 1
        assert positions(follower.db) == list(range(1, reached + 1))
        follower.db.close()

    assert steps > 5
    assert dump(open_read_db(path)) == rebuilt


def test_two_followers_interleaved_on_one_database_agree_with_a_rebuild(
    world: Runtime, tmp_path: Path, open_read_db: Opener, rebuilt: Rows
) -> None:
    head = world.ledger.head()
    path = tmp_path / "two.sqlite"
    followers = [Follower(world.ledger, open_read_db(path)) for _ in range(2)]
    rng = random.Random(11)

    while min(f.position() for f in followers) < head:
        follower = rng.choice(followers)
        follower.catch_up(limit=rng.randint(1, 5))
        assert positions(follower.db) == list(range(1, follower.position() + 1))

    assert dump(followers[0].db) == dump(followers[1].db) == rebuilt


def test_two_followers_in_threads_while_the_ledger_grows(
    world: Runtime, tmp_path: Path, open_read_db: Opener
) -> None:
    path = tmp_path / "threads.sqlite"
    followers = [Follower(world.ledger, open_read_db(path)) for _ in range(2)]
    stop = threading.Event()
    failures: list[BaseException] = []

    def follow(follower: Follower) -> None:
        try:
            while not stop.is_set():
                follower.catch_up(limit=3)
        except BaseException as error:  # reported by the main thread
            failures.append(error)

    threads = [threading.Thread(target=follow, args=(f,)) for f in followers]
    for thread in threads:
        thread.start()
    try:
        for n in range(30):
            world.ledger.register_city(f"city-{n}", f"City {n}", "城市", "CN")
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    for follower in followers:
        follower.catch_up()

    head = world.ledger.head()
    expected = one_shot(world.ledger, tmp_path / "once.sqlite", open_read_db)
    assert failures == []
    assert positions(followers[0].db) == list(range(1, head + 1))
    assert dump(followers[0].db) == expected
