"""Edges of the read side: ancient instants, readers of no language, open rounds, outsiders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from cityledger.bootstrap import Runtime
from ledger.errors import UnknownId
from projections import evidence
from projections.event_index import instant_text
from projections.pointintime import position_at
from projections.rankings import indicator_scores
from tests.support.builders import EDITION
from tests.support.inputs import source


def test_instants_sort_as_text_in_time_order_even_before_year_1000() -> None:
    moments = [
        datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1))),
        datetime(999, 6, 1, tzinfo=UTC),
        datetime(1000, 1, 1, tzinfo=UTC),
        datetime(2023, 6, 1, tzinfo=UTC),
        datetime(9999, 12, 31, 23, 0, tzinfo=timezone(timedelta(hours=-2))),
    ]
    texts = [instant_text(m) for m in moments]
    assert texts == sorted(texts)


def test_as_of_an_ancient_instant_is_before_every_event(world: Runtime) -> None:
    assert position_at(world.db, datetime(999, 6, 1, tzinfo=UTC)) == 0
    far = datetime(9999, 12, 31, 23, 0, tzinfo=timezone(timedelta(hours=-2)))
    assert position_at(world.db, far) == world.ledger.head()


def test_a_reader_of_no_language_reads_no_claim(world: Runtime) -> None:
    assert evidence.claims(world.db, languages=[]) == []
    assert evidence.claims(world.db, languages=["ko"])
    assert all(c.languages == ("ko",) for c in evidence.claims(world.db, languages=["ko"]))


def test_an_open_round_counts_its_votes_so_far(world: Runtime) -> None:
    claim = world.ledger.submit_claim(EDITION, "taizhou-js", "I1", 2, [source("zh")], "R1")
    world.ledger.open_round(claim)
    world.ledger.cast_vote(claim, "V1", "accept")
    world.ledger.cast_vote(claim, "V2", "reject")
    world.catch_up()
    (open_round,) = evidence.rounds_for(world.db, [claim])[claim]
    assert (open_round.accepts, open_round.rejects, open_round.outcome) == (1, 1, None)
    world.ledger.close_round(claim)
    world.catch_up()
    (closed,) = evidence.rounds_for(world.db, [claim])[claim]
    assert (closed.accepts, closed.rejects, closed.outcome) == (1, 1, "undecided")


def test_scores_of_a_city_outside_the_edition_are_refused(world: Runtime) -> None:
    world.ledger.register_city("hanoi", "Hanoi", "河内", "VN")
    world.catch_up()
    with pytest.raises(UnknownId, match="'hanoi' is not in edition"):
        indicator_scores(world.db, EDITION, ["beijing", "hanoi"])
