"""Scores at the current position come from the standings rows, equal to a fold of the log."""

from __future__ import annotations

import pytest

from cityledger.bootstrap import Runtime
from projections.pointintime import state_at
from projections.ranking import indicator_support
from projections.rankings import ScoreView, indicator_scores
from tests.support.builders import EDITION

pytestmark = pytest.mark.both_backends


def folded(rt: Runtime, position: int) -> dict[str, list[ScoreView]]:
    """Every city's scores folded from a checkpoint and the events after it."""
    support = indicator_support(state_at(rt.db, position), EDITION)
    return {
        c: [ScoreView(EDITION, c, i, s.points, s.claim_id) for i, s in per.items()]
        for c, per in support.items()
    }


def test_current_scores_read_from_the_standings_equal_a_fold(world: Runtime) -> None:
    head = world.catch_up()
    expected = folded(world, head)
    cities = list(reversed(expected))
    got = indicator_scores(world.db, EDITION, cities)
    assert list(got) == cities
    assert got == {c: expected[c] for c in cities}
    assert any(s.claim_id for per in got.values() for s in per)


def test_scores_as_of_an_earlier_position_are_folded(world: Runtime) -> None:
    head = world.catch_up()
    earlier = head - 7
    expected = folded(world, earlier)
    assert indicator_scores(world.db, EDITION, list(expected), earlier) == expected
