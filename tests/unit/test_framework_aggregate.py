"""Framework: defined once, revised into new versions, never edited in place."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from ledger.errors import InvalidInput, RungNotOnLadder, UnknownId
from ledger.framework import Framework


def test_defining_a_framework_records_normalised_version_1(
    pillars: list[dict[str, Any]], indicators: list[dict[str, Any]]
) -> None:
    framework = Framework.define("asc", "Title", pillars, indicators, None)

    events = framework.collect_events()

    assert [type(e) for e in events] == [Framework.FrameworkDefined]
    event = events[0]
    assert isinstance(event, Framework.FrameworkDefined)
    assert (event.framework_id, event.title, event.pillars) == ("asc", "Title", pillars)
    assert [i["id"] for i in event.indicators] == ["broadband", "metro"]
    assert all(i["proposed"] is False for i in event.indicators)
    assert event.indicators[1]["ladder"] == indicators[1]["ladder"]
    assert len(framework.versions) == 1


def test_revising_creates_version_2_and_leaves_version_1_intact(
    framework: Framework, pillars: list[dict[str, Any]], indicators: list[dict[str, Any]]
) -> None:
    version_1 = copy.deepcopy(framework.indicators_of(1))
    revised = copy.deepcopy(indicators)
    revised[0]["ladder"].append({"rung": 4, "points": 15, "description": "Gigabit"})

    number = framework.revise(pillars, revised, "add gigabit rung", None)

    events = framework.collect_events()
    assert number == 2
    assert [type(e) for e in events] == [Framework.FrameworkRevised]
    event = events[0]
    assert isinstance(event, Framework.FrameworkRevised)
    assert (event.version_no, event.note, event.originator_version) == (2, "add gigabit rung", 2)
    assert framework.indicators_of(1) == version_1
    assert framework.points(2, "broadband", 4) == 15
    with pytest.raises(RungNotOnLadder):
        framework.points(1, "broadband", 4)


def test_a_second_revision_is_version_3(
    framework: Framework, pillars: list[dict[str, Any]], indicators: list[dict[str, Any]]
) -> None:
    framework.revise(pillars, indicators, "v2", None)
    assert framework.revise(pillars, indicators, "v3", None) == 3
    assert [e.originator_version for e in framework.collect_events()] == [2, 3]


def test_revising_with_a_broken_structure_is_refused_and_records_nothing(
    framework: Framework, pillars: list[dict[str, Any]], indicators: list[dict[str, Any]]
) -> None:
    indicators[1]["pillar"] = "spiritual"
    before = copy.deepcopy(framework.__dict__)

    with pytest.raises(InvalidInput) as info:
        framework.revise(pillars, indicators, "bad", None)

    assert info.value.value == "spiritual"
    assert framework.collect_events() == []
    assert framework.__dict__ == before


@pytest.mark.parametrize(
    ("ladder", "field"),
    [
        ([], "indicator.ladder"),
        ([{"rung": 2, "points": 1, "description": "a"}] * 2, "ladder"),
        (
            [
                {"rung": 2, "points": 1, "description": "a"},
                {"rung": 1, "points": 0, "description": "b"},
            ],
            "ladder",
        ),
        ([{"rung": 0, "points": 1, "description": "a"}], "metro rung"),
        ([{"rung": 1, "points": 101, "description": "a"}], "metro points"),
        ([{"rung": True, "points": 1, "description": "a"}], "metro rung"),
        ([{"rung": 1, "points": 1, "description": ""}], "metro rung description"),
    ],
)
def test_defining_with_a_bad_ladder_is_refused(
    pillars: list[dict[str, Any]],
    indicators: list[dict[str, Any]],
    ladder: list[dict[str, Any]],
    field: str,
) -> None:
    indicators[1]["ladder"] = ladder

    with pytest.raises(InvalidInput) as info:
        Framework.define("asc", "Title", pillars, indicators, None)

    assert info.value.field == field


def test_defining_with_a_repeated_indicator_is_refused(
    pillars: list[dict[str, Any]], indicators: list[dict[str, Any]]
) -> None:
    indicators[1]["id"] = "broadband"

    with pytest.raises(InvalidInput) as info:
        Framework.define("asc", "Title", pillars, indicators, None)

    assert info.value.value == "broadband"


def test_points_of_a_rung_on_the_ladder(framework: Framework) -> None:
    assert framework.points(1, "broadband", 2) == 5
    assert framework.points(1, "metro", 1) == 0


@pytest.mark.parametrize("rung", [0, 4, 99, -1])
def test_a_rung_not_on_the_ladder_is_refused_naming_the_rung(
    framework: Framework, rung: int
) -> None:
    with pytest.raises(RungNotOnLadder) as info:
        framework.points(1, "broadband", rung)

    assert info.value.value == rung
    assert f"rung {rung}" in info.value.message
    assert "[1, 2, 3]" in info.value.message


def test_an_unknown_indicator_or_version_is_unknown_id(framework: Framework) -> None:
    with pytest.raises(UnknownId) as info:
        framework.points(1, "parks", 1)
    assert info.value.value == "parks"
    with pytest.raises(UnknownId) as info:
        framework.indicators_of(2)
    assert info.value.value == 2
    with pytest.raises(UnknownId):
        framework.indicators_of(0)
