"""Edition: cities included once each, quorum changes, numbered publications."""

from __future__ import annotations

import pytest

from ledger.edition import TABLES, Edition
from ledger.errors import AlreadyExists, InvalidInput, UnknownId
from tests.support.aggregates import created_edition, only_event, refused


def edition(*city_ids: str) -> Edition:
    """asia-2023 with the given cities included, its events collected."""
    agg = created_edition()
    if city_ids:
        agg.include_cities(city_ids=list(city_ids), at=None)
    agg.collect_events()
    return agg


def test_creating_an_edition_records_edition_created() -> None:
    agg = created_edition()

    event = only_event(agg, Edition.EditionCreated)
    assert (event.edition_id, event.year, event.framework_id, event.framework_version) == (
        "asia-2023",
        2023,
        "asc",
        1,
    )
    assert (event.weight_set_id, event.evidence_cutoff, event.quorum) == ("ws", "2023-06-30", 2)
    assert (agg.city_ids, agg.publications) == ([], [])


def test_including_cities_records_cities_included() -> None:
    agg = edition("a")

    agg.include_cities(city_ids=["b", "c"], at=None)

    event = only_event(agg, Edition.CitiesIncluded)
    assert event.city_ids == ["b", "c"]
    assert agg.city_ids == ["a", "b", "c"]


def test_including_an_already_included_city_is_refused_naming_it() -> None:
    agg = edition("a", "b")

    error = refused(agg, lambda: agg.include_cities(city_ids=["c", "b"], at=None), AlreadyExists)

    assert error.value == "b"
    assert "'b'" in error.message


def test_changing_the_quorum_records_quorum_changed() -> None:
    agg = edition()

    agg.change_quorum(quorum=3, at=None)

    event = only_event(agg, Edition.QuorumChanged)
    assert event.quorum == 3
    assert agg.quorum == 3


def test_require_city_names_a_city_not_in_the_edition() -> None:
    agg = edition("a")

    agg.require_city("a")
    with pytest.raises(UnknownId) as info:
        agg.require_city("z")
    assert info.value.value == "z"


def test_publishing_records_numbered_ranking_published_events() -> None:
    agg = edition("a")

    first = agg.publish(
        position=7, digest="d" * 64, tree_head="f" * 64, tables=list(TABLES), by="editor", at=None
    )
    second = agg.publish(
        position=9, digest="e" * 64, tree_head="f" * 64, tables=["total"], by="editor", at=None
    )

    events = agg.collect_events()
    assert (first, second) == (1, 2)
    assert [type(e) for e in events] == [Edition.RankingPublished] * 2
    event = events[1]
    assert isinstance(event, Edition.RankingPublished)
    assert (event.publication_no, event.position, event.digest, event.tables) == (
        2,
        9,
        "e" * 64,
        ["total"],
    )
    assert agg.publications == [7, 9]


def test_publishing_an_unknown_table_is_refused_naming_it() -> None:
    agg = edition("a")

    error = refused(
        agg,
        lambda: agg.publish(
            position=1,
            digest="d" * 64,
            tree_head="f" * 64,
            tables=["total", "vibes"],
            by="editor",
            at=None,
        ),
        InvalidInput,
    )

    assert error.value == "vibes"
    assert "'vibes'" in error.message


def test_publishing_no_tables_is_refused() -> None:
    agg = edition("a")

    refused(
        agg,
        lambda: agg.publish(
            position=1, digest="d" * 64, tree_head="f" * 64, tables=[], by="editor", at=None
        ),
        InvalidInput,
    )


def test_publishing_an_edition_without_cities_is_refused() -> None:
    agg = edition()

    refused(
        agg,
        lambda: agg.publish(
            position=1, digest="d" * 64, tree_head="f" * 64, tables=["total"], by="editor", at=None
        ),
        InvalidInput,
    )
