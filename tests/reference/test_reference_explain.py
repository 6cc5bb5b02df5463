"""Movement explanations on the reference ledger: Chengdu's D1, Nagoya, Riyadh and Tianjin."""

from __future__ import annotations

import random
from fractions import Fraction

from cityledger.bootstrap import Runtime
from projections.explain import (
    MoveExplanation,
    PublicationCut,
    explain_move,
    explain_states,
    resolve_cut,
)
from projections.pointintime import state_at
from projections.rankings import band_changes, rankings

EDITION = "asia-2023"


def last_round_closure(rt: Runtime) -> int:
    """The position of the reference edition's last round closure (Chengdu's D1)."""
    row = rt.db.execute(
        "SELECT MAX(position) FROM events WHERE type = 'RoundClosed' AND edition_id = ?", [EDITION]
    ).fetchone()
    return int(row[0])


def parts_sum(e: MoveExplanation) -> Fraction:
    """Σ (rung part + weight part) over the indicators."""
    return sum((m.rung_part + m.weight_part for m in e.indicators), Fraction(0))


def test_chengdus_d1_closure_is_the_one_cause_of_its_move(loaded: Runtime) -> None:
    last = last_round_closure(loaded)
    for table in ("total", "digital_traditional"):
        e = explain_move(loaded.db, EDITION, table, "chengdu", last - 1, last)
        assert (e.start.band, e.end.band) == ("10%-30%", "top 10%")
        causes = [c for m in e.indicators for c in m.causes]
        assert [(c.position, c.type, c.indicator_id) for c in causes] == [
            (last, "RoundClosed", "D1")
        ]
        (d1,) = [m for m in e.indicators if m.rung_part or m.weight_part]
        assert d1.indicator_id == "D1" and d1.rung_part == e.delta == causes[0].score_change
        assert d1.claims_to == (causes[0].claim_id,) and d1.claims_from == ()


def test_chengdus_d1_closure_is_among_nagoyas_and_riyadhs_overtakers(loaded: Runtime) -> None:
    last = last_round_closure(loaded)
    for table, city in (("total", "nagoya"), ("digital_traditional", "riyadh")):
        e = explain_move(loaded.db, EDITION, table, city, last - 1, last)
        assert (e.start.band, e.end.band) == ("top 10%", "10%-30%") and e.delta == 0
        assert all(not m.causes for m in e.indicators)
        (chengdu,) = [c for c in e.overtaken_by if c.city_id == "chengdu"]
        assert [c.position for c in chengdu.causes] == [last]
        # The 10% line is still rank 14; the score of the last city inside it rose past ours.
        assert e.boundaries_from[0].rank_limit == e.boundaries_to[0].rank_limit == 14
        assert e.boundaries_to[0].score is not None and e.boundaries_to[0].score > e.end.score


def test_tianjin_stayed_at_its_score_and_was_overtaken(loaded: Runtime) -> None:
    e = explain_move(loaded.db, EDITION, "total", "tianjin", 13500)
    assert (e.start.rank, e.end.rank) == (7, 16) and e.delta == 0
    assert (e.start.band, e.end.band) == ("top 10%", "10%-30%")
    assert all(not m.causes and m.rung_part == m.weight_part == 0 for m in e.indicators)
    # Nine cities passed it, each explained by its own decisions, which sum to its change.
    assert len(e.overtaken_by) == 9 and e.overtook == ()
    for crossed in e.overtaken_by:
        assert crossed.score_to > e.end.score >= crossed.score_from
        assert sum((c.score_change for c in crossed.causes), Fraction(0)) == crossed.delta


def test_parts_sum_exactly_for_every_city_and_random_cut_pairs(loaded: Runtime) -> None:
    head = loaded.ledger.head()
    # Every city between the early standings and the publication (two folds shared by all).
    publication = resolve_cut(loaded.db, EDITION, PublicationCut(number=1))
    early, published = state_at(loaded.db, 6000), state_at(loaded.db, publication)
    for row in rankings(loaded.db, EDITION, "total", publication).rows:
        e = explain_states(loaded.db, early, published, EDITION, "total", row.city_id)
        assert parts_sum(e) == e.delta == e.end.score - e.start.score
    rng = random.Random(10)
    cities = [r.city_id for r in rankings(loaded.db, EDITION, "total").rows]
    # Cuts from when the edition first had weights in force (before that there is no table).
    (weighted,) = loaded.db.execute(
        "SELECT MIN(position) FROM events WHERE type IN ('WeightsAggregated', 'WeightsSet')"
    ).fetchone()
    for _ in range(6):
        start, end = sorted(rng.randrange(max(2500, weighted), head + 1) for _ in range(2))
        table = rng.choice(("total", "digital_traditional", "institutional"))
        for city in rng.sample(cities, 5):
            e = explain_move(loaded.db, EDITION, table, city, start, end)
            assert parts_sum(e) == e.delta
            causes = [c for m in e.indicators for c in m.causes]
            assert sum((c.score_change for c in causes), Fraction(0)) == e.delta


def test_band_changes_name_city_indicator_claim_and_score_change(loaded: Runtime) -> None:
    last = last_round_closure(loaded)
    changes = {c.city_id: c for c in band_changes(loaded.db, EDITION, "total", last - 1, last)}
    (cause,) = changes["nagoya"].causes
    assert (cause.city_id, cause.indicator_id, cause.position) == ("chengdu", "D1", last)
    assert cause.claim_id is not None and cause.score_change == 26
