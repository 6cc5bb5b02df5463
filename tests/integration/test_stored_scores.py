"""Scores at the current position come from the standings rows, equal to a fold of the log."""

from __future__ import annotations

import pytest

from cityledger.bootstrap import Runtime
from projections.pointintime import state_at
from projections.ranking import indicator_support
from projections.rankings import ScoreView, indicator_points, indicator_scores
from tests.support.builders import EDITION

pytestmark = pytest.mark.both_backends


def folded(rt: Runtime, position: int) -> dict[str, list[ScoreView]]:
    """Every city's scores folded from a checkpoint and the events after it."""
    support = indicator_support(state_at(rt.db, position), EDITION)
    return {
        c: [
            ScoreView(
                edition_id=EDITION, city_id=c, indicator_id=i, points=s.points, claim_id=s.claim_id
            )
            for i, s in per.items()
        ]
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


@pytest.mark.parametrize("back", [0, 7])
def test_indicator_points_are_the_scores_as_plain_rows(world: Runtime, back: int) -> None:
    position = world.catch_up() - back
    expected = folded(world, position)
    cities = [*reversed(expected), "no-such-city"]

    got = indicator_points(world.db, EDITION, cities, position)

    assert list(got) == cities[:-1]  # a city outside the edition is left out
    assert got == {
        c: [(s.indicator_id, s.points, s.claim_id) for s in expected[c]] for c in cities[:-1]
    }
