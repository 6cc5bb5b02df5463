"""Point-in-time rankings: the ranking timeline at a position equals a replay from scratch."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cityledger.bootstrap import Runtime, open_runtime
from ledger.application import Ledger
from ledger.errors import LedgerError
from projections.catalogue import Catalogue
from projections.event_index import EventIndex
from projections.evidence import Evidence
from projections.follower import Follower
from projections.ranking import TABLES, ranking
from projections.rankings import rankings
from projections.standings import Standings
from projections.state import RankingState
from tests.support.builders import CITIES, EDITION, INDICATORS, LANGUAGE, build_frame
from tests.support.inputs import source

pytestmark = pytest.mark.both_backends

READERS = {"zh": ("V1", "V2", "V3"), "ja": ("V2", "V3"), "ko": ("V3",)}
THEN = ("keep", "keep", "withdraw", "supersede", "reweigh")

# One episode of evidence work: a claim (city, indicator, rung) goes through a round with
# these votes (True = accept), then is kept, withdrawn or superseded, or the weights change.
Episode = tuple[int, int, int, tuple[bool, ...], str]
episodes = st.lists(
    st.tuples(
        st.integers(0, len(CITIES) - 1),
        st.integers(0, len(INDICATORS) - 1),
        st.integers(1, 4),
        st.lists(st.booleans(), max_size=3).map(tuple),
        st.sampled_from(THEN),
    ),
    min_size=1,
    max_size=12,
)


def play(
    ledger: Ledger, plan: list[Episode], after_each: Callable[[], None] = lambda: None
) -> None:
    """Run the episodes command by command; a command the ledger refuses writes nothing."""
    for episode in plan:
        for step in episode_steps(ledger, episode):
            try:
                step()
            except (LedgerError, IndexError):
                continue
            after_each()


def episode_steps(ledger: Ledger, episode: Episode) -> list[Callable[[], object]]:
    """The commands of one episode; each acts on the episode's latest claim."""
    c, i, rung, votes, then = episode
    city_id, country = CITIES[c][0], CITIES[c][3]
    indicator_id, language = INDICATORS[i][0], LANGUAGE[country]
    readers = READERS[language]
    made: list[str] = []

    def submit(supersedes: str | None = None, rung: int = rung) -> None:
        made.append(
            ledger.submit_claim(
                EDITION, city_id, indicator_id, rung, [source(language)], "R1",
                supersedes=supersedes,
            )
        )  # fmt: skip

    def vote(n: int, accept: bool) -> Callable[[], object]:
        return lambda: ledger.cast_vote(
            made[-1], readers[n % len(readers)], "accept" if accept else "reject"
        )

    steps: list[Callable[[], object]] = [
        submit,
        lambda: ledger.open_round(made[-1]),
        *(vote(n, accept) for n, accept in enumerate(votes)),
        lambda: ledger.close_round(made[-1]),
    ]
    if then == "withdraw":
        steps.append(lambda: ledger.withdraw_claim(made[-1], "withdrawn in test", "R1"))
    elif then == "supersede":
        steps.append(lambda: submit(made[-1], max(1, rung - 1)))
    elif then == "reweigh":
        share = 10 * rung
        weights = {"D2": str(share), "T1": str(100 - share), "I1": "0", "I6": "0"}
        steps.append(lambda: ledger.set_weights("test-weights", weights, "test", "editor"))
    return steps


@settings(
    max_examples=20,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(plan=episodes)
def test_rankings_as_of_k_equal_a_replay_of_the_first_k_events(plan: list[Episode]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        rt = open_runtime(Path(tmp) / "prop.sqlite")
        try:
            models = [EventIndex(), Catalogue(), Evidence(), Standings()]
            rt.follower = Follower(rt.ledger, rt.db, models)
            build_frame(rt.ledger)
            play(rt.ledger, plan)
            head = rt.follower.catch_up()
            records = rt.ledger.records(limit=100_000)
            first_edition = next(r.position for r in records if r.type == "EditionCreated")
            for k in range(first_edition, head + 1):
                scratch = RankingState().apply_all(records[:k])
                for table in TABLES:
                    expected = [
                        (r.city_id, r.score, r.rank, r.band)
                        for r in ranking(scratch, EDITION, table)
                    ]
                    got = [
                        (r.city_id, r.score, r.rank, r.band)
                        for r in rankings(rt.db, EDITION, table, as_of=k).rows
                    ]
                    assert got == expected, (k, table)
        finally:
            rt.close()


def test_as_of_an_instant_takes_the_events_that_occurred_at_or_before_it(runtime: Runtime) -> None:
    ledger = runtime.ledger
    build_frame(ledger)
    claim = ledger.submit_claim(EDITION, "beijing", "D2", 3, [source("zh")], "R1")
    ledger.open_round(claim)
    ledger.cast_vote(claim, "V1", "accept")
    ledger.cast_vote(claim, "V2", "accept")
    ledger.close_round(claim)
    runtime.catch_up()
    closed = ledger.records(after=ledger.head() - 1)[0]
    assert closed.type == "RoundClosed"
    just_before = closed.time - timedelta(microseconds=1)
    before = rankings(runtime.db, EDITION, "total", as_of=just_before)
    after = rankings(runtime.db, EDITION, "total", as_of=closed.time)
    score = {
        v.position: next(r.score for r in v.rows if r.city_id == "beijing") for v in (before, after)
    }
    assert (before.position, after.position) == (closed.position - 1, closed.position)
    assert score == {closed.position - 1: 0, closed.position: 90}


def test_as_of_an_instant_before_the_first_event_is_position_zero(world: Runtime) -> None:
    from projections.pointintime import position_at

    assert position_at(world.db, datetime(2000, 1, 1, tzinfo=UTC)) == 0


def test_historical_times_are_kept_and_must_not_go_back(runtime: Runtime) -> None:
    import pytest

    from ledger.errors import BackdatedEvent

    when = datetime(2023, 1, 5, 9, 30, tzinfo=UTC)
    runtime.ledger.register_city("hanoi", "Hanoi", "河内", "VN", at=when)
    assert runtime.ledger.records()[-1].time == when
    head = runtime.ledger.head()
    with pytest.raises(BackdatedEvent, match="2023-01-04"):
        runtime.ledger.register_city("hue", "Hue", "顺化", "VN", at=when - timedelta(days=1))
    assert runtime.ledger.head() == head


def test_a_position_beyond_the_head_is_refused(world: Runtime) -> None:
    import pytest

    from ledger.errors import InvalidInput

    with pytest.raises(InvalidInput, match="beyond the ledger's head"):
        rankings(world.db, EDITION, "total", as_of=10**9)
    assert rankings(world.db, EDITION, "total", as_of=world.ledger.head()).position > 0


def test_standings_caught_up_after_every_command_equal_a_replay(runtime: Runtime) -> None:
    import random

    rng = random.Random(5)
    plan = [
        (
            rng.randrange(len(CITIES)),
            rng.randrange(len(INDICATORS)),
            rng.randint(1, 4),
            tuple(rng.random() < 0.8 for _ in range(rng.randint(1, 3))),
            rng.choice(THEN),
        )
        for _ in range(25)
    ]
    build_frame(runtime.ledger)
    outcomes: list[str] = []

    def compare() -> None:
        head = runtime.catch_up()
        records = runtime.ledger.records(limit=100_000)
        if records[-1].type == "RoundClosed":
            outcomes.append(records[-1].data["outcome"])
        scratch = RankingState().apply_all(records)
        for table in TABLES:
            expected = [(r.city_id, r.score, r.rank) for r in ranking(scratch, EDITION, table)]
            current = rankings(runtime.db, EDITION, table)
            assert current.position == head
            assert [(r.city_id, r.score, r.rank) for r in current.rows] == expected

    play(runtime.ledger, plan, after_each=compare)
    # The plan really decides rounds both ways, so standings really had to change.
    assert {"accepted", "rejected"} <= set(outcomes)
