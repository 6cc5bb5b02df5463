"""Framework lineage: recorded with the revision, validated before the event, diffed on a chain."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cityledger.bootstrap import Runtime
from ledger.errors import AlreadyExists, InvalidInput
from projections.lineage import framework_diff, lineage_step, lineage_steps
from tests.integration.test_event_evolution import recorded_without
from tests.support.builders import PILLARS, build_frame, indicators, ladder
from tests.support.years import FRAMEWORK, LINEAGE_V2, indicators_v2


def unchanged(*ids: str) -> list[dict[str, Any]]:
    """Unchanged relations for these indicators."""
    return [{"kind": "unchanged", "from": [i], "to": [i]} for i in ids]


@pytest.fixture
def framed(runtime: Runtime) -> Runtime:
    """The test framework v1 (D2, T1, I1, I6) with weights and an edition."""
    build_frame(runtime.ledger)
    return runtime


def test_a_lineage_that_forgets_an_old_indicator_is_refused_naming_it(framed: Runtime) -> None:
    head = framed.ledger.head()
    forgetful = [r for r in LINEAGE_V2 if r["from"] != ["T1"]]
    with pytest.raises(InvalidInput, match="forgets indicator 'T1' of the old version"):
        framed.ledger.revise_framework(FRAMEWORK, PILLARS, indicators_v2(), "v2", forgetful)
    assert framed.ledger.head() == head


def test_a_lineage_that_forgets_a_new_indicator_is_refused_naming_it(framed: Runtime) -> None:
    extra = [*indicators(), {"id": "A1", "pillar": "digital", "name": "AGI", "ladder": ladder(2)}]
    with pytest.raises(InvalidInput, match="forgets indicator 'A1' of the new version"):
        framed.ledger.revise_framework(
            FRAMEWORK, PILLARS, extra, "v2", unchanged("D2", "T1", "I1", "I6")
        )
    lineage = [*unchanged("D2", "T1", "I1", "I6"), {"kind": "added", "from": [], "to": ["A1"]}]
    assert framed.ledger.revise_framework(FRAMEWORK, PILLARS, extra, "v2", lineage) == 2


@pytest.mark.parametrize(
    ("relation", "message"),
    [
        ({"kind": "unchanged", "from": ["D2"], "to": ["D2"]}, "the ladders differ"),
        ({"kind": "rescaled", "from": ["D2"], "to": ["D2"], "rung_map": [[1, 1]]},
         "must map every old rung"),
        ({"kind": "rescaled", "from": ["D2"], "to": ["D2"],
          "rung_map": [[1, 1], [2, 2], [3, 3], [4, 9]]}, "maps to rung 9"),
        ({"kind": "renamed", "from": ["D2"], "to": ["D2"]}, "the ladders differ"),
        ({"kind": "split", "from": ["D2"], "to": ["D2"]}, "two or more indicators"),
        ({"kind": "ladder_extended", "from": ["D2", "T1"], "to": ["D2"]}, "one indicator"),
        ({"kind": "invented", "from": ["D2"], "to": ["D2"]}, "'invented' is not one of"),
    ],
)  # fmt: skip
def test_a_relation_that_misstates_the_ladders_is_refused(
    framed: Runtime, relation: dict[str, Any], message: str
) -> None:
    new = indicators_v2()
    lineage = [relation, *[r for r in LINEAGE_V2 if r["from"] != ["D2"]]]
    with pytest.raises(InvalidInput, match=message):
        framed.ledger.revise_framework(FRAMEWORK, PILLARS, new, "v2", lineage)


def test_ladder_extended_must_keep_the_old_rungs_points(framed: Runtime) -> None:
    new = indicators_v2()
    new[0] = {**new[0], "ladder": [{"rung": n, "points": 2 * n, "description": "r"}
                                   for n in range(1, 6)]}  # fmt: skip
    with pytest.raises(InvalidInput, match="must keep every old rung with its points"):
        framed.ledger.revise_framework(FRAMEWORK, PILLARS, new, "v2", LINEAGE_V2)


def test_split_merged_added_and_dropped_are_recorded_and_read_back(framed: Runtime) -> None:
    pillar = {"D2": "digital", "T1": "traditional", "I1": "institutional", "I6": "institutional"}
    new = [
        {"id": "D2a", "pillar": "digital", "name": "wireless a", "ladder": ladder(2)},
        {"id": "D2b", "pillar": "digital", "name": "wireless b", "ladder": ladder(2)},
        {"id": "IX", "pillar": "institutional", "name": "I1 and I6", "ladder": ladder(3)},
        {"id": "N1", "pillar": "traditional", "name": "new", "ladder": ladder(3)},
    ]
    lineage = [
        {"kind": "split", "from": ["D2"], "to": ["D2a", "D2b"]},
        {"kind": "merged", "from": ["I1", "I6"], "to": ["IX"]},
        {"kind": "dropped", "from": ["T1"], "to": []},
        {"kind": "added", "from": [], "to": ["N1"], "note": "new in v2"},
    ]
    assert set(pillar) == {i["id"] for i in indicators()}
    framed.ledger.revise_framework(FRAMEWORK, PILLARS, new, "restructured", lineage)
    framed.catch_up()
    step = lineage_step(framed.db, FRAMEWORK, 2)
    assert step is not None and (step.predecessor_framework_id, step.predecessor_version) == (
        FRAMEWORK,
        1,
    )
    assert [r.kind for r in step.relations] == ["split", "merged", "dropped", "added"]
    diff = framework_diff(framed.db, (FRAMEWORK, 1), (FRAMEWORK, 2))
    assert all(d.rung_map is None for d in diff.derivations)  # nothing carries over rung for rung
    assert [e.detail for e in diff.entries][:2] == [
        "D2 split into D2a, D2b",
        "I1, I6 merged into IX",
    ]


def test_a_diff_follows_the_chain_and_composes_rung_maps(framed: Runtime) -> None:
    ledger = framed.ledger
    ledger.revise_framework(FRAMEWORK, PILLARS, indicators_v2(), "v2", LINEAGE_V2)
    v3 = [dict(i) for i in indicators_v2()]
    v3[1] = {**v3[1], "ladder": [{"rung": 1, "points": 5, "description": "one"},
                                 {"rung": 2, "points": 9, "description": "two"}]}  # fmt: skip
    lineage_v3 = [
        *unchanged("D2", "I1", "I9"),
        {"kind": "rescaled", "from": ["T1"], "to": ["T1"], "rung_map": [[1, 1], [2, 1], [3, 2]]},
    ]
    ledger.revise_framework(FRAMEWORK, PILLARS, v3, "v3", lineage_v3)
    framed.catch_up()
    diff = framework_diff(framed.db, (FRAMEWORK, 1), (FRAMEWORK, 3))
    assert diff.linked and diff.forward
    assert diff.derivation("T1").rung_map == ((1, 1), (2, 1), (3, 1), (4, 2))
    assert diff.derivation("I9").source == "I6"
    assert [e.to_version for e in diff.entries] == [2, 2, 2, 3]
    back = framework_diff(framed.db, (FRAMEWORK, 3), (FRAMEWORK, 1))
    assert back.linked and not back.forward and "forward" in back.reason
    assert len(lineage_steps(framed.db, FRAMEWORK)) == 2


def test_lineage_can_link_a_version_to_another_framework_once(framed: Runtime) -> None:
    ledger = framed.ledger
    ledger.define_framework("successor", "Successor", PILLARS, indicators_v2())
    ledger.state_lineage("successor", 1, FRAMEWORK, 1, LINEAGE_V2)
    with pytest.raises(AlreadyExists, match="already states its lineage"):
        ledger.state_lineage("successor", 1, FRAMEWORK, 1, LINEAGE_V2)
    with pytest.raises(InvalidInput, match="must be an earlier version"):
        ledger.state_lineage(FRAMEWORK, 1, FRAMEWORK, 1, unchanged("D2", "T1", "I1", "I6"))
    framed.catch_up()
    diff = framework_diff(framed.db, (FRAMEWORK, 1), ("successor", 1))
    assert diff.linked and diff.derivation("D2").rung_map == ((1, 1), (2, 2), (3, 3), (4, 4))
    same = framework_diff(framed.db, ("successor", 1), ("successor", 1))
    assert same.linked and same.entries == ()


def test_a_revision_recorded_before_lineage_decodes_without_one(
    framed: Runtime, tmp_path: Path
) -> None:
    framed.ledger.revise_framework(FRAMEWORK, PILLARS, indicators_v2(), "v2", LINEAGE_V2)
    with recorded_without(framed, tmp_path, "Framework.FrameworkRevised", "lineage") as rt:
        assert lineage_step(rt.db, FRAMEWORK, 2) is None
        diff = framework_diff(rt.db, (FRAMEWORK, 1), (FRAMEWORK, 2))
        assert not diff.linked and "no stated lineage" in diff.reason
        # The aggregate replays too, and takes the lineage it lacked.
        rt.ledger.state_lineage(FRAMEWORK, 2, FRAMEWORK, 1, LINEAGE_V2)
