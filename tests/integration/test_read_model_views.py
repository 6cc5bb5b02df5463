"""Read models build their views by name from rows, and keep each fact in one table."""

from __future__ import annotations

import dataclasses
import importlib
import logging
import pkgutil
import sqlite3
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

import projections
from cityledger.bootstrap import Runtime
from ledger.edition import Edition
from projections import appeals, catalogue, event_index, evidence
from projections import publications as published
from projections.bands import BAND_LABELS
from projections.compare import ComparedCity
from projections.explain import Crossing
from projections.follower import default_models
from projections.ranking import NamedCity, RankingEntry, placing_pair
from projections.rankings import BandChange
from projections.view import View
from tests.trust.trust_world import EDITION, FRAMEWORK, WEIGHTS, open_rt, world_db, world_template

__all__ = ["open_rt", "world_db", "world_template"]  # fixtures this module uses

#: Modules whose dataclasses are working state (the ranking fold and its checkpoints, verify's
#: replay), not views a query returns; the ranking engine's one view is listed by name.
NOT_VIEW_MODULES = {
    "projections.pointintime",
    "projections.ranking",
    "projections.replaycheck",
    "projections.standings",
    "projections.state",
    "projections.whatif",
}


def _views() -> list[type[Any]]:
    found: list[type[Any]] = [RankingEntry]
    for info in pkgutil.iter_modules(projections.__path__, "projections."):
        if info.name in NOT_VIEW_MODULES:
            continue
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and dataclasses.is_dataclass(value)
                and value.__module__ == info.name
                and value.__dataclass_params__.frozen  # type: ignore[attr-defined]
            ):
                found.append(value)
    return found


VIEWS = _views()


def test_the_read_models_have_views() -> None:
    names = {v.__name__ for v in VIEWS}
    assert {"CityView", "ClaimView", "EventView", "Publication", "RankingView"} <= names


@pytest.mark.parametrize("view", VIEWS, ids=lambda v: f"{v.__module__}.{v.__name__}")
def test_every_view_is_built_by_name_never_by_position(view: type[Any]) -> None:
    names = [f.name for f in dataclasses.fields(view)]
    assert all(f.kw_only for f in dataclasses.fields(view)), f"{view.__name__} is positional"
    with pytest.raises(TypeError):
        view(*names)
    # By name, in any order: the reversed keywords build the same view.
    assert view(**{n: n for n in reversed(names)}) == view(**{n: n for n in names})


def test_every_view_is_a_frozen_value_by_way_of_the_one_view_base() -> None:
    assert [v.__name__ for v in VIEWS if not issubclass(v, View)] == []
    city = NamedCity(city_id="tokyo", name_en="Tokyo")
    with pytest.raises(dataclasses.FrozenInstanceError):
        city.city_id = "osaka"  # type: ignore[misc]
    same = NamedCity(name_en="Tokyo", city_id="tokyo")
    assert city == same and hash(city) == hash(same)


def _entry(band: str, rank: int, score: Fraction) -> RankingEntry:
    return RankingEntry(
        city_id="tokyo", name_en="Tokyo", name_zh="东京", band=band, rank=rank, score=score
    )


def test_a_pair_of_placings_is_named_as_a_view_names_its_two_points() -> None:
    first = _entry(BAND_LABELS[0], 1, Fraction(9, 2))
    second = _entry(BAND_LABELS[2], 7, Fraction(3))
    assert placing_pair(first, second, "before_{}", "after_{}") == {
        "before_band": BAND_LABELS[0],
        "before_rank": 1,
        "before_score": Fraction(9, 2),
        "after_band": BAND_LABELS[2],
        "after_rank": 7,
        "after_score": Fraction(3),
    }
    # The views holding a city at two points take their band, rank and score from the pair.
    for view, first_as, second_as in (
        (ComparedCity, "{}_a", "{}_b"),
        (appeals.WhatIfRow, "{}_now", "{}_if_upheld"),
        (BandChange, "before_{}", "after_{}"),
        (Crossing, "{}_from", "{}_to"),
    ):
        names = {f.name for f in dataclasses.fields(view)}
        assert set(placing_pair(first, second, first_as, second_as)) <= names, view.__name__


@pytest.fixture
def world(world_db: Path, open_rt: Callable[[Path], Runtime]) -> Runtime:
    """A caught-up copy of the trust world (claims decided and withdrawn, two publications, an
    answered appeal) with a city's feedback."""
    rt = open_rt(world_db)
    rt.ledger.give_feedback(
        edition_id=EDITION, city_id="tokyo", text="Thanks for the review.", given_by="tokyo-office"
    )
    rt.catch_up()
    return rt


def _reads(rt: Runtime) -> list[object]:
    """Every read-model query over the world, as frozen views."""
    db = rt.db
    claim_ids = [c.claim_id for c in evidence.claims(db)]
    return [
        catalogue.cities(db),
        catalogue.editions(db),
        catalogue.frameworks(db),
        catalogue.indicators(db, FRAMEWORK, 1),
        catalogue.weight_revisions(db, WEIGHTS),
        catalogue.ballots(db, WEIGHTS),
        catalogue.verifiers(db),
        evidence.claims(db),
        dict(evidence.rounds_for(db, claim_ids)),
        dict(evidence.votes_for(db, claim_ids)),
        event_index.events(db),
        published.publications(db),
        appeals.appeals(db),
        appeals.feedback(db),
    ]


def _reverse_columns(db: sqlite3.Connection, table: str) -> None:
    columns = [r[1] for r in db.execute(f"PRAGMA table_info([{table}])")]
    listed = ", ".join(f"[{c}]" for c in reversed(columns))
    db.execute(f"CREATE TABLE [{table}_reversed] AS SELECT {listed} FROM [{table}]")
    db.execute(f"DROP TABLE [{table}]")
    db.execute(f"ALTER TABLE [{table}_reversed] RENAME TO [{table}]")


def test_queries_read_rows_by_column_name_whatever_the_column_order(world: Runtime) -> None:
    before = _reads(world)
    assert all(before), "every query answers something in this world"
    real = {n for (n,) in world.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    tables = [t for model in default_models() for t in model.tables if t in real]
    with world.db.conn:
        for table in tables:
            _reverse_columns(world.db.conn, table)
    assert _reads(world) == before


def test_a_publication_is_stored_in_one_table_only(world: Runtime) -> None:
    holders = [
        name
        for (name,) in world.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        if {"publication_no", "digest"}
        <= {r[1] for r in world.db.execute(f"PRAGMA table_info([{name}])")}
    ]
    assert holders == ["publications"]
    owners = [m.name for m in default_models() if "publications" in m.tables]
    assert owners == ["publications"]
    recorded = world.db.execute(
        "SELECT COUNT(*) FROM events WHERE type = ?", [Edition.RankingPublished.__name__]
    ).fetchone()[0]
    rows = published.publications(world.db, EDITION)
    assert len(rows) == recorded == 2
    assert rows[0].forced_reason and rows[0].tables  # what both former copies held, in one row


def test_publications_kept_twice_by_the_previous_release_are_kept_once_after_upgrade(
    world_db: Path, open_rt: Callable[[Path], Runtime], caplog: pytest.LogCaptureFixture
) -> None:
    before = published.publications(open_rt(world_db).db)
    # The previous release's layout: the catalogue's copy beside the publications model's.
    with sqlite3.connect(world_db) as conn:
        conn.execute("ALTER TABLE publications RENAME TO publication_records")
        conn.execute(
            "CREATE TABLE publications AS SELECT edition_id, publication_no, position, digest, "
            "tree_head, tables, by, time, event_position FROM publication_records"
        )
        conn.execute("UPDATE projection_versions SET version = 3 WHERE model = 'catalogue'")
        conn.execute("UPDATE projection_versions SET version = 1 WHERE model = 'publications'")
    with caplog.at_level(logging.WARNING, logger="cityledger.follower"):
        rt = open_rt(world_db)
    assert " events into catalogue, publications\n" in caplog.text
    assert not rt.db["publication_records"].exists()
    assert "forced_reason" in {c.name for c in rt.db["publications"].columns}
    assert published.publications(rt.db) == before
