"""Appeal: filed with evidence, reviewed in rounds under the claims' rule, decided once."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from ledger.appeal import (
    DISMISSED,
    FILED,
    UNDER_REVIEW,
    UPHELD,
    WITHDRAWN,
    Appeal,
)
from ledger.errors import (
    AlreadyVoted,
    InvalidInput,
    InvalidState,
    LanguageNotRead,
    PermissionDenied,
)
from tests.support.aggregates import only_event, refused, vote

SOURCES: list[dict[str, Any]] = [
    {"url": None, "citation": "Yearbook", "title": "t", "language": "zh", "date": "2023-01-01",
     "excerpt": "x"},
]  # fmt: skip


def file(**changes: Any) -> Appeal:
    """Appeal ap-1 of taizhou-zj on broadband (claim c-1, rung 3) just filed, with any field
    changed (its AppealFiled event not yet collected)."""
    fields: dict[str, Any] = {
        "appeal_id": "ap-1", "edition_id": "asia-2023", "city_id": "taizhou-zj",
        "indicator_id": "broadband", "text": "Score too low", "filed_by": "city", "at": None,
        "claim_id": "c-1", "rung": 3, "points": 10, "sources": SOURCES,
    }  # fmt: skip
    return Appeal.file(**(fields | changes))


def filed() -> Appeal:
    """Appeal ap-1 filed, its events collected."""
    appeal = file()
    appeal.collect_events()
    return appeal


def reviewed(outcome_votes: list[str], quorum: int = 2) -> Appeal:
    appeal = filed()
    appeal.open_next_round(at=None)
    for n, decision in enumerate(outcome_votes):
        vote(appeal, f"v{n}", decision, {"zh", "en"}, note="read it")
    appeal.close_round(quorum=quorum, at=None)
    appeal.collect_events()
    return appeal


def test_filing_an_appeal_records_its_evidence_and_it_is_filed() -> None:
    appeal = file(text="Too low", claim_id=None, deadline="2023-08-14T09:00:00+00:00")

    event = only_event(appeal, Appeal.AppealFiled)
    assert (event.claim_id, event.rung, event.points) == (None, 3, 10)
    assert event.sources == SOURCES
    assert appeal.status == FILED
    assert appeal.languages == {"zh"}


def test_a_review_round_puts_the_appeal_under_review_and_uses_the_claims_rule() -> None:
    appeal = filed()
    assert appeal.open_next_round(at=None) == 1
    assert appeal.status == UNDER_REVIEW
    vote(appeal, "v1", "accept", {"zh"}, note="ok")

    assert appeal.close_round(quorum=2, at=None) == "undecided"  # one accept short of the quorum
    assert appeal.open_next_round(at=None) == 2
    vote(appeal, "v1", "accept", {"zh"}, note="ok")
    vote(appeal, "v2", "accept", {"zh"}, note="ok")
    assert appeal.close_round(quorum=2, at=None) == "accepted"


def test_a_verifier_must_read_the_evidence_and_vote_once() -> None:
    appeal = filed()
    appeal.open_next_round(at=None)
    with pytest.raises(LanguageNotRead):
        vote(appeal, "v-en", "accept", {"en"})
    vote(appeal, "v1", "accept", {"zh"})
    with pytest.raises(AlreadyVoted):
        vote(appeal, "v1", "reject", {"zh"})


def uphold(appeal: Appeal, reasons: str = "Agreed") -> None:
    """The editor upholds the appeal, naming its correction claim."""
    appeal.decide(
        decision=UPHELD, reasons=reasons, by="editor", correction_claim_id="ap-1/correction",
        at=None,
    )  # fmt: skip


def test_upholding_needs_a_review_that_accepted_the_evidence() -> None:
    appeal = filed()
    error = refused(appeal, lambda: uphold(appeal), InvalidState)
    assert "review" in error.message

    rejected = reviewed(["reject", "reject"])
    refused(rejected, lambda: uphold(rejected), InvalidState)


def test_an_accepted_review_lets_the_editor_uphold_naming_the_correction() -> None:
    appeal = reviewed(["accept", "accept"])

    uphold(appeal, "Yearbook confirms")

    event = only_event(appeal, Appeal.AppealDecided)
    assert (event.decision, event.reasons, event.correction_claim_id) == (
        UPHELD,
        "Yearbook confirms",
        "ap-1/correction",
    )
    assert appeal.status == UPHELD


def test_deciding_twice_is_refused_with_invalid_state() -> None:
    appeal = filed()
    appeal.decide(
        decision=DISMISSED, reasons="No new facts", by="editor", correction_claim_id=None, at=None
    )
    appeal.collect_events()

    with pytest.raises(InvalidState) as info:
        appeal.decide(
            decision=DISMISSED, reasons="No", by="editor", correction_claim_id=None, at=None
        )

    assert "already dismissed" in info.value.message


@pytest.mark.parametrize("decision", ["accepted", "", "UPHELD", FILED])
def test_deciding_with_an_unknown_decision_is_refused(decision: str) -> None:
    appeal = filed()
    before = copy.deepcopy(appeal.__dict__)

    with pytest.raises(InvalidInput) as info:
        appeal.decide(
            decision=decision, reasons="Hmm", by="editor", correction_claim_id=None, at=None
        )

    assert info.value.value == decision
    assert appeal.collect_events() == []
    assert appeal.__dict__ == before


def test_only_its_city_withdraws_an_open_appeal() -> None:
    appeal = filed()
    with pytest.raises(PermissionDenied):
        appeal.withdraw(reason="changed our mind", by="other", city_id="taizhou-js", at=None)

    appeal.withdraw(reason="changed our mind", by="city", city_id="taizhou-zj", at=None)

    assert appeal.status == WITHDRAWN
    with pytest.raises(InvalidState):
        appeal.open_next_round(at=None)
