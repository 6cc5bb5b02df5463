"""Appeal: filed once, answered once (upheld or dismissed)."""

from __future__ import annotations

import copy

import pytest

from ledger.appeal import DISMISSED, OPEN, UPHELD, Appeal
from ledger.errors import InvalidInput, InvalidState


def filed() -> Appeal:
    appeal = Appeal.file(
        "ap-1", "asia-2023", "taizhou-zj", "broadband", "Score too low", "city", None
    )
    appeal.collect_events()
    return appeal


def test_filing_an_appeal_records_appeal_filed_and_is_open() -> None:
    appeal = Appeal.file("ap-1", "asia-2023", "taizhou-zj", None, "Feedback", "city", None)

    events = appeal.collect_events()

    assert [type(e) for e in events] == [Appeal.AppealFiled]
    event = events[0]
    assert isinstance(event, Appeal.AppealFiled)
    assert (event.appeal_id, event.edition_id, event.city_id, event.indicator_id) == (
        "ap-1",
        "asia-2023",
        "taizhou-zj",
        None,
    )
    assert (event.text, event.filed_by) == ("Feedback", "city")
    assert appeal.status == OPEN


@pytest.mark.parametrize("decision", [UPHELD, DISMISSED])
def test_answering_an_open_appeal_records_appeal_answered(decision: str) -> None:
    appeal = filed()

    appeal.answer(decision, "Checked the yearbook", "editor", None)

    events = appeal.collect_events()
    assert [type(e) for e in events] == [Appeal.AppealAnswered]
    event = events[0]
    assert isinstance(event, Appeal.AppealAnswered)
    assert (event.decision, event.response, event.by) == (
        decision,
        "Checked the yearbook",
        "editor",
    )
    assert appeal.status == decision


def test_answering_an_appeal_twice_is_refused_with_invalid_state() -> None:
    appeal = filed()
    appeal.answer(UPHELD, "Yes", "editor", None)
    appeal.collect_events()
    before = copy.deepcopy(appeal.__dict__)

    with pytest.raises(InvalidState) as info:
        appeal.answer(DISMISSED, "No", "editor", None)

    assert info.value.value == "ap-1"
    assert "already upheld" in info.value.message
    assert appeal.collect_events() == []
    assert appeal.__dict__ == before


@pytest.mark.parametrize("decision", ["accepted", "", "UPHELD", OPEN])
def test_answering_with_an_unknown_decision_is_refused(decision: str) -> None:
    appeal = filed()
    before = copy.deepcopy(appeal.__dict__)

    with pytest.raises(InvalidInput) as info:
        appeal.answer(decision, "Hmm", "editor", None)

    assert info.value.value == decision
    assert appeal.collect_events() == []
    assert appeal.__dict__ == before
