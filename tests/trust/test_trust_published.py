"""What anonymous users are shown is verifiable: each publication records a digest of every
table it publishes; the API serves a table only when it matches, and `verify` recomputes every
published table, the read models' index of the log and the ranking timeline from the log."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from audit.recompute import recompute, table_digest_of
from cityledger.bootstrap import Runtime
from graphql_api.app import create_app
from ledger.errors import NoWeightsInForce
from ledger.published import table_digest
from ledger.publishing import PublicationCheck, PublicationFacts, PublicationRequest
from projections.publication_check import ReadModelCheck
from projections.replaycheck import verify_read_side
from tests.trust.trust_world import EDITION, INDICATORS, PILLARS, WEIGHTS, Cli, raw

BANDS = '{ rankings(edition: "asia-2023", table: TOTAL) { publicationNo rows { cityId band } } }'


def anonymous_bands(rt: Runtime) -> dict[str, Any]:
    """The published total table as an anonymous reader gets it over HTTP."""
    with TestClient(create_app(rt, follow=False)) as client:
        body: dict[str, Any] = client.post("/graphql", json={"query": BANDS}).json()
    return body


def round_closed_positions(db: Path) -> list[int]:
    with raw(db) as conn:
        rows = conn.execute(
            "SELECT position FROM events WHERE type = 'RoundClosed' ORDER BY position"
        ).fetchall()
    return [int(r[0]) for r in rows]


def test_each_publication_records_the_digest_of_each_table_it_publishes(world: Runtime) -> None:
    export = [json.dumps(r.to_json()) for r in world.ledger.records(limit=10_000)]
    published = [r for r in world.ledger.records(limit=10_000) if r.type == "RankingPublished"]

    assert len(published) == 2
    for record in published:
        digests = record.data["table_digests"]
        assert set(digests) == {"total", "digital_traditional", "institutional"}
        for table, digest in digests.items():
            # The stdlib-only recomputation gives the same digest from the export alone.
            rows = recompute(export, EDITION, table, record.data["position"])
            assert table_digest_of(rows) == digest
            assert table_digest((r[0], r[3]) for r in rows) == digest


def test_editing_accepted_scores_in_the_read_models_is_caught_and_not_served(
    world: Runtime, world_db: Path, cli: Cli
) -> None:
    before = anonymous_bands(world)
    assert "errors" not in before
    # The attack: the read models' score history says no accepted claim ever supported a score.
    with raw(world_db) as conn:
        first = int(conn.execute("SELECT MIN(position) FROM score_history").fetchone()[0])
        conn.execute("UPDATE score_history SET points = 0, claim_id = NULL")

    report = verify_read_side(world.ledger, world.db.conn)
    shown = anonymous_bands(world)
    result = cli(world_db, "verify")

    assert first in round_closed_positions(world_db)
    assert (report.ok, report.first_bad) == (False, first), report.summary
    assert f"the ranking timeline at position {first} differs from a replay" in report.reason
    assert result.returncode == 3 and result.stdout.startswith(f"FAILED at position {first}")
    assert [e["extensions"]["code"] for e in shown["errors"]] == ["PUBLICATION_UNVERIFIED"]
    assert shown["data"] is None
    # The log itself is intact, so a rebuild restores the read models and the table.
    assert cli(world_db, "rebuild").returncode == 0
    assert cli(world_db, "verify").returncode == 0
    assert anonymous_bands(world) == before


def test_an_edited_publication_in_the_read_models_is_not_served(
    world: Runtime, world_db: Path
) -> None:
    with raw(world_db) as conn:
        conn.execute("UPDATE publications SET position = position - 3 WHERE publication_no = 2")

    shown = anonymous_bands(world)

    assert [e["extensions"]["code"] for e in shown["errors"]] == ["PUBLICATION_UNVERIFIED"]
    assert "does not match the log" in shown["errors"][0]["message"]


def skewed(check: PublicationCheck) -> PublicationCheck:
    """A ranking engine that disagrees with the log: every digest `check` reports is wrong."""

    def wrong(request: PublicationRequest) -> PublicationFacts:
        facts = check(request)
        return replace(facts, table_digests=dict.fromkeys(facts.table_digests or {}, "0" * 64))

    return wrong


def test_a_publication_whose_digests_are_not_the_logs_tables_fails_verify_and_is_not_served(
    world: Runtime,
) -> None:
    world.ledger.publication_check = skewed(ReadModelCheck(world.follower, world.db))
    world.ledger.publish(EDITION, force=True, reason="c2 and c4 are still under review")
    world.catch_up()
    at = world.ledger.head()

    report = verify_read_side(world.ledger, world.db.conn)
    shown = anonymous_bands(world)

    assert (report.ok, report.first_bad) == (False, at), report.summary
    assert f"publication 3 recorded at position {at} records a digital_traditional table" in (
        report.reason
    )
    assert [e["extensions"]["code"] for e in shown["errors"]] == ["PUBLICATION_UNVERIFIED"]


def test_a_timeline_row_that_is_not_a_replay_fails_verify(world: Runtime) -> None:
    assert verify_read_side(world.ledger, world.db.conn).ok
    (position,) = world.db.execute(
        "SELECT MIN(position) FROM ranking_entities WHERE kind = 'weight_set' AND key = ?",
        [WEIGHTS],
    ).fetchone()
    forged = json.dumps({"weights": {"D1": "100"}, "revision": 9})
    with sqlite3.connect(world.db.conn.execute("PRAGMA database_list").fetchone()[2]) as conn:
        conn.execute(
            "UPDATE ranking_entities SET value = ? WHERE kind = 'weight_set' AND position = ?",
            [forged, position],
        )

    report = verify_read_side(world.ledger, world.db.conn)

    assert (report.ok, report.first_bad) == (False, position), report.summary
    assert f"the ranking timeline at position {position} differs from a replay" in report.reason


def test_publishing_before_weights_are_in_force_is_refused(runtime: Runtime) -> None:
    led = runtime.ledger
    led.define_framework("f", "F", PILLARS, INDICATORS)
    led.create_weight_set("w", "W", "f", 1)
    led.register_city("hue", "Hue", "顺化", "VN")
    led.create_edition("e", 2023, "E", "Asia", "f", 1, "w", "2023-06-30")
    led.include_cities("e", ["hue"])
    head = led.head()

    with pytest.raises(NoWeightsInForce):
        led.publish("e")

    assert led.head() == head
