"""The shipped reference ledger reproduces the published 2023 report: 432 of 432 bands."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from cityledger import reference
from cityledger.bootstrap import Runtime
from ledger.errors import NoWeightsInForce
from ledger.published import table_digest
from projections.ranking import TABLES
from projections.rankings import rankings

CSV = Path(reference.DATA) / "asia-2023-cities.csv"


def published() -> dict[str, dict[str, str]]:
    """Published band per table per city, from the report's city list."""
    with CSV.open(encoding="utf-8") as handle:
        return {
            row["city_id"]: {t: row[f"band_{t}"] for t in TABLES} for row in csv.DictReader(handle)
        }


def test_all_432_city_band_assignments_match_the_report(loaded: Runtime) -> None:
    expected = published()
    matches = 0
    for table in TABLES:
        view = rankings(loaded.db, "asia-2023", table)
        assert len(view.rows) == 144
        matches += sum(expected[r.city_id][table] == r.band for r in view.rows)
    assert matches == 432


def test_the_publication_pins_the_position_the_tables_were_cut_from(loaded: Runtime) -> None:
    from projections.publications import publications

    (publication,) = publications(loaded.db, "asia-2023")
    assert publication.time.startswith("2023-07")
    assert publication.digest == loaded.ledger.digest_at(publication.position)
    expected = published()
    for table in TABLES:
        view = rankings(loaded.db, "asia-2023", table, as_of=publication.position)
        assert all(expected[r.city_id][table] == r.band for r in view.rows)


def test_before_the_last_round_closed_chengdu_was_not_yet_in_the_top_band(loaded: Runtime) -> None:
    last_close = max(
        p for (p,) in loaded.db.execute(
            "SELECT position FROM events WHERE type = 'RoundClosed' AND edition_id = 'asia-2023'"
        ).fetchall()
    )  # fmt: skip
    before = {
        t: {r.city_id: r.band for r in rankings(loaded.db, "asia-2023", t, last_close - 1).rows}
        for t in TABLES
    }
    after = {
        t: {r.city_id: r.band for r in rankings(loaded.db, "asia-2023", t, last_close).rows}
        for t in TABLES
    }
    moved = {
        (t, c, before[t][c], after[t][c])
        for t in TABLES
        for c in after[t]
        if before[t][c] != after[t][c]
    }
    # Accepting Chengdu's D1 rung-4 claim lifts it into the top 10% in two tables, pushing
    # Nagoya (total) and Riyadh (digital + traditional) down; the institutional table is untouched.
    assert moved == {
        ("total", "chengdu", "10%-30%", "top 10%"),
        ("total", "nagoya", "top 10%", "10%-30%"),
        ("digital_traditional", "chengdu", "10%-30%", "top 10%"),
        ("digital_traditional", "riyadh", "top 10%", "10%-30%"),
    }


def test_band_changes_name_the_closure_that_caused_the_move(loaded: Runtime) -> None:
    from datetime import UTC, datetime

    from projections.rankings import band_changes

    june = datetime(2023, 6, 2, tzinfo=UTC)
    changes = {c.city_id: c for c in band_changes(loaded.db, "asia-2023", "total", june)}
    assert set(changes) == {"chengdu", "nagoya"}
    chengdu = changes["chengdu"]
    assert (chengdu.before_band, chengdu.after_band) == ("10%-30%", "top 10%")
    assert [e.type for e in chengdu.causes] == ["RoundClosed"]
    assert '"outcome": "accepted"' in chengdu.causes[0].data
    # Nagoya's own evidence did not change: Chengdu overtaking it is what moved it down.
    assert changes["nagoya"].causes == chengdu.causes


def test_loading_twice_adds_no_events(loaded: Runtime) -> None:
    head = loaded.ledger.head()
    said = reference.load(loaded)
    assert "asia-2023: already loaded" in said and "g20-2023: already loaded" in said
    assert "asia-2022: already loaded" in said and "asia-2024: already loaded" in said
    assert loaded.ledger.head() == head


def test_the_g20_edition_reuses_the_asian_weight_set(loaded: Runtime) -> None:
    from projections.catalogue import edition

    assert edition(loaded.db, "g20-2023").weight_set_id == "asia-2023-weights"
    assert edition(loaded.db, "asia-2023").weight_set_id == "asia-2023-weights"
    view = rankings(loaded.db, "g20-2023", "total")
    assert {r.city_id for r in view.rows} >= {"beijing", "paris"}


def test_before_the_weights_are_in_force_there_is_no_table(loaded: Runtime) -> None:
    (weighted,) = loaded.db.execute(
        "SELECT MIN(position) FROM events WHERE type IN ('WeightsAggregated', 'WeightsSet')"
    ).fetchone()
    (created,) = loaded.db.execute(
        "SELECT position FROM events WHERE type = 'CitiesIncluded' AND edition_id = 'asia-2023'"
    ).fetchone()
    # Once the cities were in, and until the weights: no "every city rank 1, top 10%".
    for position in (created, (created + weighted) // 2, weighted - 1):
        with pytest.raises(NoWeightsInForce):
            rankings(loaded.db, "asia-2023", "total", as_of=position)
    assert len(rankings(loaded.db, "asia-2023", "total", as_of=weighted).rows) == 144


def test_the_publication_records_the_digest_of_each_published_table(loaded: Runtime) -> None:
    from projections.publications import publications

    (publication,) = publications(loaded.db, "asia-2023")
    (recorded,) = loaded.ledger.records(after=publication.event_position - 1, limit=1)
    for table in TABLES:
        view = rankings(loaded.db, "asia-2023", table, as_of=publication.position)
        bands = ((r.city_id, r.band) for r in view.rows)
        assert recorded.data["table_digests"][table] == table_digest(bands)
