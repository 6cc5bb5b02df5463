"""The ranking timeline: a row per change at its position, the state at any position read back
from it, and an event index that keeps no second copy of the log."""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cityledger.bootstrap import Runtime, open_runtime
from projections.event_index import events
from projections.evidence import claims, source_view
from projections.pointintime import edition_at, position_at, state_at
from projections.ranking import NO_SUPPORT, TABLES, best_of, indicator_support, ranking
from projections.rankings import rankings
from projections.state import RankingState
from tests.support.builders import EDITION, verified_claim

pytestmark = pytest.mark.both_backends

OLD = Path(__file__).parent / "data" / "before-schema-versions.sqlite"


def score_rows(rt: Runtime, city_id: str, indicator_id: str) -> list[tuple[int, int, str | None]]:
    return [
        (int(p), int(x), c)
        for p, x, c in rt.db.execute(
            "SELECT position, points, claim_id FROM score_history WHERE edition_id = ? "
            "AND city_id = ? AND indicator_id = ? ORDER BY position",
            [EDITION, city_id, indicator_id],
        ).fetchall()
    ]


def test_the_score_history_records_each_change_of_the_supporting_claim_once(
    world: Runtime,
) -> None:
    ledger = world.ledger
    world.catch_up()
    before = score_rows(world, "beijing", "I6")
    lower = verified_claim(ledger, "beijing", "I6", 1)  # accepted, but fewer points: no change
    higher = verified_claim(ledger, "beijing", "I6", 3)  # takes over
    taken_over = world.catch_up()
    ledger.withdraw_claim(higher, "duplicate", "R1")  # the earlier claim supports it again
    withdrawn = world.catch_up()

    rows = score_rows(world, "beijing", "I6")

    assert lower not in [c for _, _, c in rows]
    assert rows[: len(before)] == before
    assert [(p, c) for p, _, c in rows[len(before) :]] == [
        (taken_over, higher),
        (withdrawn, before[-1][2]),
    ]


def test_the_supporting_claim_has_the_most_points_then_the_smallest_id() -> None:
    assert best_of({}) == NO_SUPPORT
    assert best_of({"c1": 0}) == NO_SUPPORT  # 0 points support nothing, as in a fold
    assert best_of({"c9": 3, "c2": 3, "c5": 1}).claim_id == "c2"
    assert best_of({"c9": 4, "c2": 3}).claim_id == "c9"


def test_the_state_read_back_at_every_position_equals_a_replay(world: Runtime) -> None:
    head = world.catch_up()
    records = world.ledger.records(limit=100_000)
    replayed = RankingState()
    for record in records:
        replayed.apply(record)
        got = state_at(world.db, record.position)
        assert got == replayed, record.position
    assert head == records[-1].position


def test_an_edition_read_alone_ranks_as_the_whole_state_does(world: Runtime) -> None:
    head = world.catch_up()
    for position in range(head - 20, head + 1):
        whole = state_at(world.db, position)
        alone = edition_at(world.db, EDITION, position)
        assert alone is not None
        assert alone.support == indicator_support(whole, EDITION)
        for table in TABLES:
            assert ranking(alone.state, EDITION, table, alone.support) == ranking(
                whole, EDITION, table
            )
    assert edition_at(world.db, "no-such-edition", head) is None


def test_the_events_query_decodes_each_body_as_the_log_holds_it(world: Runtime) -> None:
    head = world.catch_up()
    page = events(world.db, after=head - 100, first=100)
    logged = {r.position: r for r in world.ledger.records(after=head - 100, limit=100)}
    assert [e.position for e in page.events] == list(logged)
    for event in page.events:
        assert json.loads(event.data) == logged[event.position].data


def test_the_event_index_keeps_no_copy_of_a_log_in_the_same_file(runtime: Runtime) -> None:
    columns = {c.name for c in runtime.db["events"].columns}
    assert not {"stored", "topic"} & columns
    kind = runtime.db.execute(
        "SELECT type FROM sqlite_master WHERE name = 'event_bodies'"
    ).fetchone()[0]
    shares_the_file = runtime.db["stored_events"].exists()
    # On PostgreSQL the read models are a file of their own: there the index keeps the bodies.
    assert kind == ("view" if shares_the_file else "table")


def test_an_old_file_loses_its_checkpoints_and_answers_as_of_from_the_timeline(
    tmp_path: Path,
) -> None:
    path = Path(shutil.copyfile(OLD, tmp_path / "old.sqlite"))
    rt = open_runtime(path)
    try:
        head = rt.catch_up()
        records = rt.ledger.records(limit=head)
        with sqlite3.connect(path) as conn:
            names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        assert "checkpoints" not in names
        assert "score_history" in names
        state = RankingState().apply_all(records)
        edition_id = next(iter(state.editions))
        assert rankings(rt.db, edition_id, "total", head - 1).rows == tuple(
            ranking(RankingState().apply_all(records[:-1]), edition_id, "total")
        )
    finally:
        rt.close()


def test_as_of_an_instant_binary_searches_to_the_longest_prefix_at_or_before_it(
    world: Runtime,
) -> None:
    head = world.catch_up()
    records = world.ledger.records(limit=head)
    instants = sorted({r.time for r in records})
    moments = [instants[0] - timedelta(seconds=1), *instants, instants[-1] + timedelta(days=1)]
    for moment in [*moments, *(t + timedelta(microseconds=1) for t in instants)]:
        latest = datetime.min.replace(tzinfo=UTC)
        expected = 0
        for r in records:
            latest = max(latest, r.time)
            if latest <= moment:
                expected = r.position
        assert position_at(world.db, moment) == expected, moment


def test_the_event_filters_and_evidence_queries_are_indexed_after_a_catch_up_and_a_rebuild(
    world: Runtime,
) -> None:
    def indexes() -> set[str]:
        rows = world.db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' "
            "AND tbl_name IN ('events', 'claims', 'votes')"
        ).fetchall()
        return {str(r[0]) for r in rows}

    expected = {f"idx_events_{c}" for c in ("type", "edition_id", "city_id", "time")}
    expected |= {"idx_claims_city", "idx_votes_key"}
    world.catch_up()
    assert expected <= indexes()
    world.follower.rebuild()
    assert expected <= indexes()


def test_a_claims_sources_are_read_from_its_submission_as_the_log_holds_it(
    world: Runtime,
) -> None:
    head = world.catch_up()
    submitted = {
        r.data["claim_id"]: r.data["sources"]
        for r in world.ledger.records(limit=head)
        if r.type == "ClaimSubmitted"
    }
    found = claims(world.db)
    assert "sources" not in {c.name for c in world.db["claims"].columns}
    assert [c.claim_id for c in found] and {c.claim_id for c in found} == set(submitted)
    for claim in found:
        assert [source_view(s) for s in submitted[claim.claim_id]] == list(claim.sources)
