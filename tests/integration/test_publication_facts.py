"""Property: what `publish` reads from the read models is what one fold of the whole log gives.

The facts a publication needs (its tables' digests, the undecided claims and open appeals that
could still change a band, a correction's band changes with their causes) are read from the
ranking timeline and the event index at the exact cut. On generated ledgers (seeded: rounds,
votes, withdrawals, supersessions, appeals, forced and corrected publications) they must equal
the old fold of events 1..cut (tests.support.publication_fold) at every publication, at the
head and at random positions, for ordinary, forced and correcting publications alike.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator

import pytest

from benchmarks import generate
from cityledger.bootstrap import Runtime, open_runtime
from ledger.errors import LedgerError
from ledger.publishing import PublicationFacts
from ledger.records import EventRecord
from projections.causes import score_path
from projections.edition_state import edition_state_at
from projections.pointintime import state_at
from projections.ranking import TABLES, has_weights, ranking
from projections.state import RankingState
from projections.whatif import (
    TableBands,
    bands,
    bands_if,
    changed,
    claim_records,
    publication_facts,
)
from tests.support.builders import EDITION, build_small_world
from tests.support.inputs import source
from tests.support.publication_fold import (
    assert_same_facts,
    cuts,
    editions,
    every_table,
    folded_facts,
    outcome,
)

#: Events generated: one edition's whole year (forced, final and correcting publications, with
#: appeals upheld and dismissed in between) and the next year's first editions.
EVENTS = 15_500


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    """A generated ledger with its read models built."""
    path = tmp_path_factory.mktemp("publication-facts") / "generated.sqlite"
    assert generate.main(["--events", str(EVENTS), "--db", str(path), "--seed", "3"]) == 0
    rt = open_runtime(path)
    rt.catch_up()
    yield rt
    rt.close()


def test_generated_ledger_facts_equal_the_fold_of_the_whole_log(generated: Runtime) -> None:
    compared = assert_same_facts(generated, seed=11)

    # Corrections with band changes, blockers and refusals were all among the comparisons.
    assert compared > 50
    facts = [
        outcome(
            publication_facts, generated.db, every_table(edition_id, published[-1], published[1])
        )
        for edition_id, (_, published) in editions(generated).items()
        if len(published) > 2
    ]
    assert any(isinstance(f, PublicationFacts) and f.changes for f in facts)


def test_blockers_are_found_at_some_cuts_of_the_generated_ledger(generated: Runtime) -> None:
    found = [
        outcome(publication_facts, generated.db, every_table(edition_id, cut))
        for edition_id in editions(generated)
        for cut in cuts(generated, edition_id, random.Random(11))
    ]

    blocked = [f for f in found if isinstance(f, PublicationFacts) and f.blockers]
    assert blocked and any("open appeal" in b for f in blocked for b in f.blockers)


def accepting_a_claim(state: RankingState, edition_id: str) -> list[list[EventRecord]]:
    """Accepting each claim not counted yet (pending or rejected), as a round would."""
    return [
        claim_records(c, edition_id, city, indicator, int(points), None)
        for c, (edition, city, indicator, points, status) in sorted(state.claims.items())
        if edition == edition_id and status in ("pending", "rejected")
    ]


def upholding_an_appeal(state: RankingState, edition_id: str) -> list[list[EventRecord]]:
    """A correcting claim (new to the state) replacing an accepted one, up or down."""
    return [
        claim_records(f"{c}-fix", edition_id, city, indicator, points, c, f"A-{c}")
        for c, (edition, city, indicator, was, status) in sorted(state.claims.items())
        if edition == edition_id and status == "accepted"
        for points in (0, int(was) + 1)
    ]


@pytest.mark.parametrize(
    ("hypotheses", "seed"), [(accepting_a_claim, 13), (upholding_an_appeal, 19)]
)
def test_a_what_if_rescoring_only_the_touched_cities_agrees_with_ranking_every_row_again(
    generated: Runtime,
    hypotheses: Callable[[RankingState, str], list[list[EventRecord]]],
    seed: int,
) -> None:
    tried = moved = 0
    for edition_id in editions(generated):
        for cut in cuts(generated, edition_id, random.Random(seed), samples=1):
            state = edition_state_at(generated.db, edition_id, cut)
            if not has_weights(state, edition_id):
                continue
            before, tables = bands(state, edition_id), TableBands.of(state, edition_id)
            for records in hypotheses(state, edition_id)[:12]:
                expected = bool(changed(before, bands_if(state, edition_id, records)))
                assert tables.moved_by(records) == expected, (edition_id, cut, records[0])
                tried, moved = tried + 1, moved + expected
    assert tried > 40 and moved > 0


def test_an_editions_own_state_ranks_and_explains_as_the_whole_state_does(
    generated: Runtime,
) -> None:
    head, compared = generated.ledger.head(), 0
    for edition_id in editions(generated):
        for cut in cuts(generated, edition_id, random.Random(17), samples=2):
            whole, own = (
                state_at(generated.db, cut),
                edition_state_at(generated.db, edition_id, cut),
            )
            if not has_weights(whole, edition_id):
                continue
            assert own.claims == {c: r for c, r in whole.claims.items() if r[0] == edition_id}
            for table in TABLES:
                assert ranking(own, edition_id, table) == ranking(whole, edition_id, table)
                # Score paths (explanations, movement) start from either state alike.
                cities = [str(c) for c in whole.editions[edition_id]["city_ids"]][:6]
                paths = score_path(generated.db, own, edition_id, table, cities, head)
                assert paths == score_path(generated.db, whole, edition_id, table, cities, head)
                compared += 1
    assert compared > 20


def test_publish_catches_the_read_models_up_before_reading_them(runtime: Runtime) -> None:
    claims = build_small_world(runtime.ledger)
    runtime.catch_up()
    first = runtime.ledger.publish(EDITION, force=True, reason="a first cut")
    # Recorded but not yet followed: a decision that moves Beijing, and a pending claim that
    # could move Tokyo.
    runtime.ledger.withdraw_claim(claims["beijing/T1"], "found wanting", "E1", as_editor=True)
    runtime.ledger.submit_claim(EDITION, "tokyo", "D2", 4, [source("ja")], "R1")
    head = runtime.ledger.head()
    assert runtime.follower.position() < head

    with pytest.raises(LedgerError, match="undecided evidence") as refused:
        runtime.ledger.publish(EDITION)
    second = runtime.ledger.publish(
        EDITION, force=True, reason="checked", corrects=first["publication_no"]
    )

    records = list(runtime.ledger.all_records())
    expected = folded_facts(records, every_table(EDITION, head, first["position"]))
    assert expected.blockers and expected.blockers[0] in str(refused.value)
    assert expected.changes and second["table_digests"] == expected.table_digests
    assert runtime.ledger.records(after=head)[0].data["changes"] == expected.changes
