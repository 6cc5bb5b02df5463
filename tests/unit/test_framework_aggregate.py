"""Framework: defined once, revised into new versions, never edited in place."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from ledger.errors import InvalidInput, RungNotOnLadder, UnknownId
from ledger.framework import Framework, sub_table
from tests.support.aggregates import only_event
from tests.support.inputs import rungs


def refused_definition(
    pillars: list[dict[str, Any]], indicators: list[dict[str, Any]]
) -> InvalidInput:
    """Define framework asc from these, which must be refused as invalid input (the error)."""
    with pytest.raises(InvalidInput) as info:
        Framework.define(
            framework_id="asc", title="Title", pillars=pillars, indicators=indicators, at=None
        )
    return info.value


def test_defining_a_framework_records_normalised_version_1(
    pillars: list[dict[str, Any]], indicators: list[dict[str, Any]]
) -> None:
    framework = Framework.define(
        framework_id="asc", title="Title", pillars=pillars, indicators=indicators, at=None
    )

    event = only_event(framework, Framework.FrameworkDefined)
    # Each pillar records its sub-table (the report's mapping when the caller left it out).
    assert (event.framework_id, event.title) == ("asc", "Title")
    assert event.pillars == [{**p, "table": "digital_traditional"} for p in pillars]
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

    number = framework.revise(pillars=pillars, indicators=revised, note="add gigabit rung", at=None)

    assert number == 2
    event = only_event(framework, Framework.FrameworkRevised)
    assert (event.version_no, event.note, event.originator_version) == (2, "add gigabit rung", 2)
    assert framework.indicators_of(1) == version_1
    assert framework.points(version_no=2, indicator_id="broadband", rung=4) == 15
    with pytest.raises(RungNotOnLadder):
        framework.points(version_no=1, indicator_id="broadband", rung=4)


def test_a_second_revision_is_version_3(
    framework: Framework, pillars: list[dict[str, Any]], indicators: list[dict[str, Any]]
) -> None:
    framework.revise(pillars=pillars, indicators=indicators, note="v2", at=None)
    assert framework.revise(pillars=pillars, indicators=indicators, note="v3", at=None) == 3
    assert [e.originator_version for e in framework.collect_events()] == [2, 3]


def test_revising_with_a_broken_structure_is_refused_and_records_nothing(
    framework: Framework, pillars: list[dict[str, Any]], indicators: list[dict[str, Any]]
) -> None:
    indicators[1]["pillar"] = "spiritual"
    before = copy.deepcopy(framework.__dict__)

    with pytest.raises(InvalidInput) as info:
        framework.revise(pillars=pillars, indicators=indicators, note="bad", at=None)

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

    assert refused_definition(pillars, indicators).field == field


@pytest.mark.parametrize(
    ("ladder", "named", "says"),
    [
        (rungs(4, 3, 2, 1), 2, "rung 2 of metro is worth 3 points, not more than rung 1 (4)"),
        (rungs(1, 3, 3), 3, "rung 3 of metro is worth 3 points, not more than rung 2 (3)"),
        (rungs(1, 2, numbers=[1, 3]), 3, "rung 3 stands where rung 2 should"),
        (rungs(1, 2, numbers=[2, 3]), 2, "rung 2 stands where rung 1 should"),
    ],
)
def test_a_ladder_must_number_rungs_from_1_and_rise_in_points(
    framework: Framework,
    pillars: list[dict[str, Any]],
    indicators: list[dict[str, Any]],
    ladder: list[dict[str, Any]],
    named: int,
    says: str,
) -> None:
    indicators[1]["ladder"] = ladder

    defined = refused_definition(pillars, indicators)
    with pytest.raises(InvalidInput) as revised:
        framework.revise(pillars=pillars, indicators=indicators, note="bad ladder", at=None)

    for error in (defined, revised.value):
        assert (error.field, error.value) == ("ladder", named)
        assert says in error.message
    assert framework.collect_events() == []


def test_a_new_pillar_must_say_which_sub_table_it_belongs_to(
    framework: Framework, pillars: list[dict[str, Any]], indicators: list[dict[str, Any]]
) -> None:
    ai = {"id": "ai", "name": "Artificial intelligence"}
    indicators.append({"id": "A1", "pillar": "ai", "name": "City AGI", "ladder": rungs(1, 2)})

    with pytest.raises(InvalidInput) as info:
        framework.revise(pillars=[*pillars, ai], indicators=indicators, note="add AI", at=None)
    assert (info.value.field, info.value.value) == ("pillar.table", None)
    assert "pillar ai must say which sub-table" in info.value.message
    with pytest.raises(InvalidInput):
        framework.revise(
            pillars=[*pillars, {**ai, "table": "total"}],
            indicators=indicators,
            note="add AI",
            at=None,
        )
    assert framework.collect_events() == []

    framework.revise(
        pillars=[*pillars, {**ai, "table": "digital_traditional"}],
        indicators=indicators,
        note="AI",
        at=None,
    )

    [event] = framework.collect_events()
    assert isinstance(event, Framework.FrameworkRevised)
    assert event.pillars[-1] == {**ai, "table": "digital_traditional"}


def test_pillars_recorded_without_a_sub_table_read_with_the_reports_mapping() -> None:
    assert [sub_table({"id": p}) for p in ("digital", "traditional", "institutional", "ai")] == [
        "digital_traditional",
        "digital_traditional",
        "institutional",
        None,
    ]
    assert sub_table({"id": "digital", "table": "institutional"}) == "institutional"


def test_defining_with_a_repeated_indicator_is_refused(
    pillars: list[dict[str, Any]], indicators: list[dict[str, Any]]
) -> None:
    indicators[1]["id"] = "broadband"

    assert refused_definition(pillars, indicators).value == "broadband"


def test_points_of_a_rung_on_the_ladder(framework: Framework) -> None:
    assert framework.points(version_no=1, indicator_id="broadband", rung=2) == 5
    assert framework.points(version_no=1, indicator_id="metro", rung=1) == 0


@pytest.mark.parametrize("rung", [0, 4, 99, -1])
def test_a_rung_not_on_the_ladder_is_refused_naming_the_rung(
    framework: Framework, rung: int
) -> None:
    with pytest.raises(RungNotOnLadder) as info:
        framework.points(version_no=1, indicator_id="broadband", rung=rung)

    assert info.value.value == rung
    assert f"rung {rung}" in info.value.message
    assert "[1, 2, 3]" in info.value.message


def test_an_unknown_indicator_or_version_is_unknown_id(framework: Framework) -> None:
    with pytest.raises(UnknownId) as info:
        framework.points(version_no=1, indicator_id="parks", rung=1)
    assert info.value.value == "parks"
    with pytest.raises(UnknownId) as info:
        framework.indicators_of(2)
    assert info.value.value == 2
    with pytest.raises(UnknownId):
        framework.indicators_of(0)
