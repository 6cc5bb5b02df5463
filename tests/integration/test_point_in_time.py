"""Point-in-time rankings: checkpoints plus a short replay equal a replay from scratch."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

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
from tests.support.builders import CITIES, EDITION, INDICATORS, LANGUAGE, build_frame, source

VERIFIERS = ("V1", "V2", "V3")

# One random step of evidence work: (kind, city index, indicator index, rung, verifier, choice).
steps = st.lists(
    st.tuples(
        st.sampled_from(["submit", "open", "vote", "close", "withdraw", "supersede", "reweigh"]),
        st.integers(0, len(CITIES) - 1),
        st.integers(0, len(INDICATORS) - 1),
        st.integers(1, 4),
        st.sampled_from(VERIFIERS),
        st.booleans(),
    ),
    min_size=5,
    max_size=60,
)


def play(ledger: Ledger, plan: list[tuple[str, int, int, int, str, bool]]) -> None:
    """Run the steps; commands that the ledger refuses are simply refused (and write nothing)."""
    claims: list[str] = []
    for kind, c, i, rung, verifier, choice in plan:
        city_id, country = CITIES[c][0], CITIES[c][3]
        indicator_id = INDICATORS[i][0]
        target = claims[(c + i + rung) % len(claims)] if claims else "none"
        try:
            if kind == "submit":
                claims.append(
                    ledger.submit_claim(
                        EDITION, city_id, indicator_id, rung, [source(LANGUAGE[country])], "R1"
                    )
                )
            elif kind == "open":
                ledger.open_round(target)
            elif kind == "vote":
                ledger.cast_vote(target, verifier, "accept" if choice else "reject")
            elif kind == "close":
                ledger.close_round(target)
            elif kind == "withdraw":
                ledger.withdraw_claim(target, "withdrawn in test", "R1")
            elif kind == "supersede" and claims:
                claims.append(
                    ledger.submit_claim(
                        EDITION, city_id, indicator_id, rung, [source(LANGUAGE[country])], "R1",
                        supersedes=target,
                    )
                )  # fmt: skip
            elif kind == "reweigh":
                share = 10 * rung
                ledger.set_weights(
                    "test-weights",
                    {"D2": str(share), "T1": str(100 - share), "I1": "0", "I6": "0"},
                    "test", "editor",
                )  # fmt: skip
        except LedgerError:
            pass


@settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(plan=steps)
def test_rankings_as_of_k_equal_a_replay_of_the_first_k_events(
    plan: list[tuple[str, int, int, int, str, bool]],
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        rt = open_runtime(Path(tmp) / "prop.sqlite")
        try:
            # Checkpoint every 7 positions so that most as-of answers start from a checkpoint.
            models = [EventIndex(), Catalogue(), Evidence(), Standings(checkpoint_every=7)]
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
