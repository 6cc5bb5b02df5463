"""Why a city moved: exact Shapley parts, deciding events, boundaries and overtakers."""

from __future__ import annotations

import tempfile
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cityledger.bootstrap import Runtime, open_runtime
from cityledger.cli.arguments import parse_cut
from ledger.errors import InvalidInput, UnknownId
from projections.explain import (
    MoveExplanation,
    PublicationCut,
    explain_move,
    explanation_json,
)
from projections.rankings import rankings
from tests.integration.test_point_in_time import Episode, episodes, play
from tests.support.builders import EDITION, WEIGHT_SET, build_frame, verified_claim

TABLE = "total"


def parts_sum(e: MoveExplanation) -> Fraction:
    """Σ (rung part + weight part) over the indicators."""
    return sum((m.rung_part + m.weight_part for m in e.indicators), Fraction(0))


def test_parts_sum_exactly_to_the_score_change_for_every_city(world: Runtime) -> None:
    start = world.ledger.head()
    verified_claim(world.ledger, "taizhou-zj", "I1", 4)
    weights = {"D2": "61/2", "T1": "59/2", "I1": "25", "I6": "15"}
    world.ledger.set_weights(WEIGHT_SET, weights, "panel asked", "E1")
    verified_claim(world.ledger, "taizhou-js", "D2", 2)
    world.catch_up()
    for row in rankings(world.db, EDITION, TABLE).rows:
        e = explain_move(world.db, EDITION, TABLE, row.city_id, start)
        assert parts_sum(e) == e.delta == e.end.score - e.start.score
        # Each cause carries its own exact change; together they are the whole change.
        causes = [c for m in e.indicators for c in m.causes]
        assert sum((c.score_change for c in causes), Fraction(0)) == e.delta
        for m in e.indicators:
            assert m.rung_part == (m.weight_from + m.weight_to) / 2 * (m.points_to - m.points_from)
            assert m.weight_part == Fraction(m.points_from + m.points_to, 2) * (
                m.weight_to - m.weight_from
            )


def test_a_claim_decision_is_the_cause_with_claim_actor_and_hash(world: Runtime) -> None:
    start = world.ledger.head()
    claim_id = verified_claim(world.ledger, "taizhou-zj", "I1", 4)
    world.catch_up()
    e = explain_move(world.db, EDITION, TABLE, "taizhou-zj", start)
    (i1,) = [m for m in e.indicators if m.indicator_id == "I1"]
    assert (i1.points_from, i1.points_to) == (1, 4)
    assert i1.claims_to == (claim_id,)
    (cause,) = i1.causes
    assert (cause.type, cause.claim_id, cause.city_id) == ("RoundClosed", claim_id, "taizhou-zj")
    assert cause.score_change == 3 * i1.weight_to
    row = world.db.execute("SELECT hash, time FROM events WHERE position = ?", [cause.position])
    assert row.fetchone() == (cause.hash, cause.time)
    assert all(not m.causes for m in e.indicators if m.indicator_id != "I1")


def test_events_that_changed_no_score_are_not_causes(world: Runtime) -> None:
    start = world.ledger.head()
    # A rejected claim never counted; a lower rung than the one held changes nothing either.
    verified_claim(world.ledger, "tokyo", "D2", 4, accept=False)
    verified_claim(world.ledger, "tokyo", "T1", 1)
    world.catch_up()
    e = explain_move(world.db, EDITION, TABLE, "tokyo", start)
    assert e.delta == 0
    assert all(not m.causes for m in e.indicators)


def test_a_city_whose_score_did_not_move_is_explained_by_the_cities_that_overtook_it(
    world: Runtime,
) -> None:
    # Tokyo holds 2/4/2/1 throughout; Taizhou (Zhejiang) climbs past it.
    start = world.ledger.head()
    before = {r.city_id: r for r in rankings(world.db, EDITION, TABLE).rows}
    lifts = [verified_claim(world.ledger, "taizhou-zj", i, 4) for i in ("D2", "T1", "I1")]
    world.catch_up()
    e = explain_move(world.db, EDITION, TABLE, "tokyo", start)
    assert e.delta == 0 and all(m.rung_part == m.weight_part == 0 for m in e.indicators)
    assert e.end.rank > e.start.rank == before["tokyo"].rank
    (climber,) = e.overtaken_by
    assert climber.city_id == "taizhou-zj" and climber.delta > 0
    assert [c.claim_id for c in climber.causes] == lifts
    assert sum((c.score_change for c in climber.causes), Fraction(0)) == climber.delta
    assert e.overtook == ()
    # The boundaries are reported at both cuts: N = 6 gives rank limits 0, 1, 3, 6.
    assert [b.rank_limit for b in e.boundaries_to] == [0, 1, 3, 6]
    assert e.boundaries_to[0].score is None  # the top 10% of six cities holds no rank


def test_a_tie_straddling_a_boundary_is_reported(runtime: Runtime) -> None:
    build_frame(runtime.ledger)
    start = runtime.ledger.head()
    for city in ("beijing", "shanghai", "tokyo", "taizhou-zj"):
        verified_claim(runtime.ledger, city, "D2", 3)
    runtime.catch_up()
    e = explain_move(runtime.db, EDITION, TABLE, "beijing", start)
    # Four cities tie at rank 1; ranks 1..4 span the 30% line (rank 3 of 6).
    assert e.end.rank == 1 and e.end.tie_rule_matters and e.tie_rule_matters
    alone = explain_move(runtime.db, EDITION, TABLE, "taizhou-js", start)
    # Taizhou (Jiangsu) and Seoul tie at 0 for ranks 5-6, both in the bottom band; at the
    # start all six tied at 0 across every line.
    assert not alone.end.tie_rule_matters and alone.start.tie_rule_matters


def test_json_shape_is_stable_with_exact_numbers_as_strings(world: Runtime) -> None:
    start = world.ledger.head()
    verified_claim(world.ledger, "taizhou-zj", "I1", 4)
    world.catch_up()
    j = explanation_json(explain_move(world.db, EDITION, TABLE, "taizhou-zj", start))
    assert set(j) >= {"city_id", "from", "to", "delta", "indicators", "boundaries",
                      "overtaken_by", "overtook", "tie_rule_matters"}  # fmt: skip
    assert set(j["from"]) == {"position", "band", "rank", "score", "n"}
    assert isinstance(j["delta"], str) and Fraction(j["delta"]) > 0
    keys = {"indicator_id", "points_from", "points_to", "weight_from", "weight_to", "rung_part",
            "weight_part", "claims_from", "claims_to", "causes"}  # fmt: skip
    assert all(set(m) == keys for m in j["indicators"])
    (cause,) = [c for m in j["indicators"] for c in m["causes"]]
    assert set(cause) >= {"position", "type", "time", "hash", "actor", "claim_id"}
    assert set(j["boundaries"]) == {"from", "to"}


def test_cuts_are_positions_instants_or_publications(world: Runtime) -> None:
    assert parse_cut("120", "from") == 120
    assert parse_cut("publication:2", "from") == PublicationCut(number=2)
    for bad in ("publication:0", "publication:x", "yesterday", "2023-06-01T00:00:00"):
        with pytest.raises(InvalidInput):
            parse_cut(bad, "from")
    cut = world.ledger.head()
    world.ledger.publish(EDITION, "E1")
    verified_claim(world.ledger, "taizhou-zj", "I1", 4)
    world.catch_up()
    by_publication = explain_move(world.db, EDITION, TABLE, "taizhou-zj", PublicationCut(number=1))
    assert by_publication.start.position == cut
    with pytest.raises(UnknownId, match="no publication 2"):
        explain_move(world.db, EDITION, TABLE, "taizhou-zj", PublicationCut(number=2))
    with pytest.raises(InvalidInput, match="after to"):
        explain_move(world.db, EDITION, TABLE, "taizhou-zj", cut, cut - 1)
    with pytest.raises(UnknownId, match="paris"):
        explain_move(world.db, EDITION, TABLE, "paris", cut)


@settings(
    max_examples=15,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(plan=episodes, cuts=st.lists(st.tuples(st.floats(0, 1), st.floats(0, 1)), max_size=4))
def test_parts_and_causes_sum_exactly_on_generated_ledgers(
    plan: list[Episode], cuts: list[tuple[float, float]]
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        rt = open_runtime(Path(tmp) / "prop.sqlite")
        try:
            build_frame(rt.ledger)
            first = rt.catch_up()
            play(rt.ledger, plan)
            head = rt.catch_up()
            pairs = [(first, head)] + [
                tuple(sorted(first + round(f * (head - first)) for f in pair)) for pair in cuts
            ]
            for start, end in pairs:
                for table in ("total", "institutional"):
                    for city in ("beijing", "tokyo", "taizhou-zj"):
                        e = explain_move(rt.db, EDITION, table, city, start, end)
                        assert parts_sum(e) == e.delta
                        own = [c for m in e.indicators for c in m.causes]
                        assert sum((c.score_change for c in own), Fraction(0)) == e.delta
                        for crossed in (*e.overtaken_by, *e.overtook):
                            total = sum((c.score_change for c in crossed.causes), Fraction(0))
                            assert total == crossed.delta
        finally:
            rt.close()
