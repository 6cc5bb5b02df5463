"""Claim: submission, withdrawal, supersession and rounds of verification votes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.claim import ACCEPTED, PENDING, REJECTED, SUPERSEDED, WITHDRAWN, Claim, decide
from ledger.errors import (
    AlreadyVoted,
    ClaimNotOpen,
    InvalidInput,
    LanguageNotRead,
    RoundNotOpen,
)
from ledger.vocabulary import RoundOutcome
from tests.support.aggregates import only_event, refused, submitted_claim, vote
from tests.support.inputs import source

ZH_EN = {"zh", "en"}


def claim(*languages: str, open_round: bool = False) -> Claim:
    """A pending claim with sources in these languages (zh by default)."""
    agg = submitted_claim(sources=[source(lang) for lang in (languages or ("zh",))])
    if open_round:
        agg.open_next_round(at=None)
    agg.collect_events()
    return agg


def ended(how: str) -> Claim:
    """The claim withdrawn by an editor ("withdraw") or superseded by c2, events collected."""
    agg = claim()
    if how == "withdraw":
        agg.withdraw(reason="gone", by="researcher", as_editor=True, at=None)
    else:
        agg.supersede(by_claim="c2", at=None)
    agg.collect_events()
    return agg


# ---- submission, withdrawal, supersession -------------------------------------------


def test_submitting_a_claim_records_claim_submitted_and_is_pending() -> None:
    agg = submitted_claim(submitted_by="r", supersedes="c0")

    event = only_event(agg, Claim.ClaimSubmitted)
    assert (event.claim_id, event.city_id, event.indicator_id, event.rung, event.points) == (
        "c1",
        "taizhou-zj",
        "broadband",
        2,
        5,
    )
    assert (event.submitted_by, event.supersedes) == ("r", "c0")
    assert (agg.status, agg.open_round, agg.rounds) == (PENDING, None, [])
    assert agg.languages == {"zh"}


def test_withdrawing_records_claim_withdrawn_and_closes_the_open_round() -> None:
    agg = claim(open_round=True)

    agg.withdraw(reason="duplicate", by="researcher", as_editor=True, at=None)

    event = only_event(agg, Claim.ClaimWithdrawn)
    assert (event.reason, event.by) == ("duplicate", "researcher")
    assert (agg.status, agg.open_round) == (WITHDRAWN, None)


def test_withdrawing_twice_is_refused_with_claim_not_open() -> None:
    agg = claim()
    agg.withdraw(reason="duplicate", by="researcher", as_editor=True, at=None)
    agg.collect_events()

    error = refused(
        agg,
        lambda: agg.withdraw(reason="again", by="editor", as_editor=True, at=None),
        ClaimNotOpen,
    )

    assert error.value == "c1"
    assert "already withdrawn" in error.message


def test_superseding_records_claim_superseded() -> None:
    agg = claim(open_round=True)

    agg.supersede(by_claim="c2", at=None)

    event = only_event(agg, Claim.ClaimSuperseded)
    assert event.superseded_by == "c2"
    assert (agg.status, agg.open_round) == (SUPERSEDED, None)


@pytest.mark.parametrize("first", ["withdraw", "supersede"])
def test_superseding_a_withdrawn_or_superseded_claim_is_refused(first: str) -> None:
    agg = ended(first)

    error = refused(agg, lambda: agg.supersede(by_claim="c3", at=None), ClaimNotOpen)

    assert error.value == "c1"


def test_withdrawing_a_superseded_claim_is_refused() -> None:
    agg = ended("supersede")

    refused(
        agg,
        lambda: agg.withdraw(reason="late", by="researcher", as_editor=True, at=None),
        ClaimNotOpen,
    )


# ---- rounds --------------------------------------------------------------------------


def test_opening_a_round_records_round_opened_with_number_1() -> None:
    agg = claim()

    number = agg.open_next_round(at=None)

    assert number == 1
    event = only_event(agg, Claim.RoundOpened)
    assert event.round_no == 1
    assert (agg.open_round, agg.rounds) == (1, [{}])


def test_opening_a_round_while_one_is_open_is_refused() -> None:
    agg = claim(open_round=True)

    refused(agg, lambda: agg.open_next_round(at=None), RoundNotOpen)


@pytest.mark.parametrize("end", ["withdraw", "supersede"])
def test_opening_a_round_on_a_closed_claim_is_refused(end: str) -> None:
    agg = ended(end)

    refused(agg, lambda: agg.open_next_round(at=None), ClaimNotOpen)


def test_a_vote_records_vote_cast_in_the_open_round() -> None:
    agg = claim("zh", "en", open_round=True)

    vote(agg, "v1", "accept", ZH_EN, note="fine")

    event = only_event(agg, Claim.VoteCast)
    assert (event.round_no, event.verifier_id, event.decision, event.note) == (
        1,
        "v1",
        "accept",
        "fine",
    )
    assert agg.rounds == [{"v1": "accept"}]


def test_a_vote_without_an_open_round_is_refused_with_round_not_open() -> None:
    agg = claim()

    error = refused(
        agg,
        lambda: vote(agg, "v1", "accept", ZH_EN),
        RoundNotOpen,
    )

    assert error.value == "c1"


def test_a_vote_on_a_closed_round_is_refused_with_round_not_open() -> None:
    agg = claim(open_round=True)
    vote(agg, "v1", "accept", ZH_EN)
    assert agg.close_round(quorum=2, at=None) == "undecided"
    agg.collect_events()

    refused(
        agg,
        lambda: vote(agg, "v2", "accept", ZH_EN),
        RoundNotOpen,
    )


def test_a_vote_by_a_verifier_not_reading_the_language_is_refused_naming_it() -> None:
    agg = claim("zh", "en", open_round=True)

    error = refused(
        agg,
        lambda: vote(agg, "v1", "accept", {"en"}),
        LanguageNotRead,
    )

    assert "'zh'" in error.message
    assert error.value == "v1"


def test_a_verifier_reading_more_languages_may_vote() -> None:
    agg = claim("en", open_round=True)

    vote(agg, "v1", "reject", {"en", "zh", "ja"})

    assert [type(e) for e in agg.collect_events()] == [Claim.VoteCast]


def test_a_second_vote_in_a_round_is_refused_with_already_voted() -> None:
    agg = claim(open_round=True)
    vote(agg, "v1", "accept", ZH_EN)
    agg.collect_events()

    error = refused(
        agg,
        lambda: vote(agg, "v1", "reject", ZH_EN),
        AlreadyVoted,
    )

    assert error.value == "v1"


@pytest.mark.parametrize("decision", ["abstain", "Accept", "", "accepted"])
def test_a_vote_with_an_unknown_decision_is_refused(decision: str) -> None:
    agg = claim(open_round=True)

    error = refused(
        agg,
        lambda: vote(agg, "v1", decision, ZH_EN),
        InvalidInput,
    )

    assert error.value == decision


def test_a_vote_after_the_claim_is_decided_is_refused_with_claim_not_open() -> None:
    agg = claim(open_round=True)
    vote(agg, "v1", "accept", ZH_EN)
    vote(agg, "v2", "accept", ZH_EN)
    assert agg.close_round(quorum=2, at=None) == ACCEPTED
    agg.collect_events()

    error = refused(
        agg,
        lambda: vote(agg, "v3", "accept", ZH_EN),
        ClaimNotOpen,
    )

    assert "accepted" in error.message
    refused(agg, lambda: agg.open_next_round(at=None), ClaimNotOpen)
    refused(agg, lambda: agg.close_round(quorum=2, at=None), ClaimNotOpen)


def test_closing_without_an_open_round_is_refused() -> None:
    agg = claim()

    refused(agg, lambda: agg.close_round(quorum=2, at=None), RoundNotOpen)


@pytest.mark.parametrize(
    ("votes", "quorum", "outcome", "status"),
    [
        (["accept", "accept"], 2, ACCEPTED, ACCEPTED),
        (["accept", "accept", "reject"], 2, ACCEPTED, ACCEPTED),
        (["accept"], 1, ACCEPTED, ACCEPTED),
        (["reject"], 2, REJECTED, REJECTED),
        (["accept", "reject", "reject"], 2, REJECTED, REJECTED),
        (["accept"], 2, "undecided", PENDING),
        (["accept", "accept", "reject", "reject"], 2, "undecided", PENDING),
        ([], 1, "undecided", PENDING),
    ],
)
def test_closing_a_round_records_its_outcome(
    votes: list[str], quorum: int, outcome: str, status: str
) -> None:
    agg = claim(open_round=True)
    for n, decision in enumerate(votes):
        vote(agg, f"v{n}", decision, ZH_EN)
    agg.collect_events()

    result = agg.close_round(quorum=quorum, at=None)

    assert result == outcome
    event = only_event(agg, Claim.RoundClosed)
    assert (event.round_no, event.outcome, event.quorum) == (1, outcome, quorum)
    assert (event.accepts, event.rejects) == (votes.count("accept"), votes.count("reject"))
    assert (agg.status, agg.open_round) == (status, None)


def test_an_undecided_round_allows_another_round_where_the_same_verifier_votes_again() -> None:
    agg = claim(open_round=True)
    vote(agg, "v1", "accept", ZH_EN)
    agg.close_round(quorum=2, at=None)
    agg.collect_events()

    assert agg.open_next_round(at=None) == 2
    vote(agg, "v1", "accept", ZH_EN)
    vote(agg, "v2", "accept", ZH_EN)

    assert agg.close_round(quorum=2, at=None) == ACCEPTED
    events = agg.collect_events()
    assert [type(e) for e in events] == [
        Claim.RoundOpened,
        Claim.VoteCast,
        Claim.VoteCast,
        Claim.RoundClosed,
    ]
    assert {vars(e)["round_no"] for e in events} == {2}
    assert agg.rounds == [{"v1": "accept"}, {"v1": "accept", "v2": "accept"}]


@pytest.mark.parametrize(
    ("accepts", "rejects", "quorum", "outcome"),
    [
        (2, 0, 2, ACCEPTED),
        (2, 1, 2, ACCEPTED),
        (1, 0, 2, "undecided"),
        (2, 2, 2, "undecided"),
        (0, 0, 1, "undecided"),
        (0, 1, 3, REJECTED),
        (2, 3, 1, REJECTED),
        (3, 3, 1, "undecided"),
    ],
)
def test_decide_table(accepts: int, rejects: int, quorum: int, outcome: str) -> None:
    assert decide(accepts, rejects, quorum) == outcome


@given(
    accepts=st.integers(min_value=0, max_value=50),
    rejects=st.integers(min_value=0, max_value=50),
    quorum=st.integers(min_value=1, max_value=100),
)
def test_decide_follows_the_rule(accepts: int, rejects: int, quorum: int) -> None:
    outcome = decide(accepts, rejects, quorum)

    if accepts >= quorum and accepts > rejects:
        assert outcome == RoundOutcome.ACCEPTED
    elif rejects > accepts:
        assert outcome == RoundOutcome.REJECTED
    else:
        assert outcome == RoundOutcome.UNDECIDED
