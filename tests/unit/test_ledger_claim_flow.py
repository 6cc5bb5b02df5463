"""Claims, verification, supersession, weights, appeals and publication through the Ledger."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from ledger.application import Ledger
from ledger.claim import ACCEPTED, PENDING, SUPERSEDED, Claim
from ledger.errors import (
    ClaimNotOpen,
    InvalidInput,
    InvalidState,
    LanguageNotRead,
    PermissionDenied,
    RungNotOnLadder,
)
from ledger.weights import WeightSet

pytestmark = pytest.mark.both_backends

E = "asia-2023"
CITY = "taizhou-zj"


def submit(led: Ledger, claim_id: str, sources: list[dict[str, Any]], **changes: Any) -> str:
    args: dict[str, Any] = {
        "edition_id": E,
        "city_id": CITY,
        "indicator_id": "broadband",
        "rung": 2,
        "sources": sources,
        "submitted_by": "researcher",
        "claim_id": claim_id,
    }
    args.update(changes)
    return led.submit_claim(**args)


def get_claim(led: Ledger, claim_id: str) -> Claim:
    found: Claim = led.repository.get(Claim.key(claim_id))
    assert isinstance(found, Claim)
    return found


def test_a_submitted_claim_records_the_ladder_points_and_clean_sources(
    ledger: Ledger, en_source: dict[str, Any]
) -> None:
    head = ledger.head()

    assert submit(ledger, "c1", [en_source], rung=3) == "c1"

    [record] = ledger.records(after=head)
    assert record.type == "ClaimSubmitted"
    assert (record.data["rung"], record.data["points"], record.data["supersedes"]) == (3, 10, None)
    assert record.data["sources"] == [{**en_source, "url": None}]


def test_a_claim_without_an_id_gets_a_fresh_one(ledger: Ledger, zh_source: dict[str, Any]) -> None:
    first = ledger.submit_claim(E, CITY, "broadband", 2, [zh_source], "r")
    second = ledger.submit_claim(E, CITY, "broadband", 2, [zh_source], "r")

    assert first != second
    assert get_claim(ledger, first).status == PENDING


def decide_claim(led: Ledger, claim_id: str, decision: str = "accept") -> str:
    """One round on a Chinese-language claim, both zh readers voting alike; the outcome."""
    led.open_round(claim_id)
    led.cast_vote(claim_id, "v-zh-en", decision)
    led.cast_vote(claim_id, "v-en-zh", decision)
    return led.close_round(claim_id)


def accepted_claim(led: Ledger, claim_id: str, source: dict[str, Any]) -> None:
    """The researcher's claim on taizhou-zj's broadband at rung 2, submitted and accepted."""
    submit(led, claim_id, [source])
    decide_claim(led, claim_id)


def test_a_pending_correction_leaves_the_old_claim_counting(
    ledger: Ledger, zh_source: dict[str, Any]
) -> None:
    accepted_claim(ledger, "c1", zh_source)
    head = ledger.head()

    submit(ledger, "c2", [zh_source], rung=3, supersedes="c1")

    assert [r.type for r in ledger.records(after=head)] == ["ClaimSubmitted"]
    assert get_claim(ledger, "c1").status == ACCEPTED
    assert get_claim(ledger, "c2").supersedes == "c1"


def test_accepting_a_correction_supersedes_the_old_claim_in_the_same_save(
    ledger: Ledger, zh_source: dict[str, Any]
) -> None:
    accepted_claim(ledger, "c1", zh_source)
    submit(ledger, "c2", [zh_source], rung=3, supersedes="c1")
    ledger.open_round("c2")
    ledger.cast_vote("c2", "v-zh-en", "accept")
    ledger.cast_vote("c2", "v-en-zh", "accept")
    head = ledger.head()

    assert ledger.close_round("c2") == ACCEPTED

    records = ledger.records(after=head)
    # The round closes first, so no position shows the city without either claim.
    assert [(r.type, r.originator_id) for r in records] == [
        ("RoundClosed", str(Claim.key("c2"))),
        ("ClaimSuperseded", str(Claim.key("c1"))),
    ]
    assert records[1].data["superseded_by"] == "c2"
    assert get_claim(ledger, "c1").status == SUPERSEDED


@pytest.mark.parametrize("end", ["reject", "withdraw"])
def test_a_rejected_or_withdrawn_correction_changes_nothing(
    ledger: Ledger, zh_source: dict[str, Any], end: str
) -> None:
    accepted_claim(ledger, "c1", zh_source)
    submit(ledger, "c2", [zh_source], rung=3, supersedes="c1")

    if end == "reject":
        assert decide_claim(ledger, "c2", "reject") == "rejected"
    else:
        ledger.withdraw_claim("c2", "second thoughts", "researcher")

    assert get_claim(ledger, "c1").status == ACCEPTED
    assert "ClaimSuperseded" not in [r.type for r in ledger.records()]


def test_superseding_another_researchers_claim_is_refused_and_writes_nothing(
    ledger: Ledger, zh_source: dict[str, Any]
) -> None:
    accepted_claim(ledger, "c1", zh_source)
    head = ledger.head()

    with pytest.raises(PermissionDenied) as info:
        submit(ledger, "c2", [zh_source], submitted_by="stranger", supersedes="c1")

    assert (info.value.field, info.value.value) == ("supersedes", "c1")
    assert "only its submitter (researcher) or an editor" in info.value.message
    assert ledger.head() == head
    assert get_claim(ledger, "c1").status == ACCEPTED


def test_an_editor_may_supersede_anyones_claim(ledger: Ledger, zh_source: dict[str, Any]) -> None:
    accepted_claim(ledger, "c1", zh_source)

    submit(ledger, "c2", [zh_source], submitted_by="E01", supersedes="c1", as_editor=True)
    decide_claim(ledger, "c2")

    assert get_claim(ledger, "c1").status == SUPERSEDED


def test_a_correction_of_a_claim_withdrawn_meanwhile_is_accepted_without_superseding(
    ledger: Ledger, zh_source: dict[str, Any]
) -> None:
    submit(ledger, "c1", [zh_source])
    submit(ledger, "c2", [zh_source], rung=3, supersedes="c1")
    ledger.withdraw_claim("c1", "wrong", "researcher")

    assert decide_claim(ledger, "c2") == ACCEPTED

    assert get_claim(ledger, "c1").status == "withdrawn"
    assert "ClaimSuperseded" not in [r.type for r in ledger.records()]


def test_superseding_a_claim_about_another_indicator_is_refused(
    ledger: Ledger, zh_source: dict[str, Any]
) -> None:
    submit(ledger, "c1", [zh_source])
    head = ledger.head()

    with pytest.raises(InvalidInput) as info:
        submit(ledger, "c2", [zh_source], indicator_id="metro", supersedes="c1")

    assert info.value.value == "c1"
    assert ledger.head() == head
    assert get_claim(ledger, "c1").status == PENDING


def test_superseding_a_superseded_claim_is_refused(
    ledger: Ledger, zh_source: dict[str, Any]
) -> None:
    submit(ledger, "c1", [zh_source])
    submit(ledger, "c2", [zh_source], supersedes="c1")
    decide_claim(ledger, "c2")
    head = ledger.head()

    with pytest.raises(ClaimNotOpen):
        submit(ledger, "c3", [zh_source], supersedes="c1")

    assert ledger.head() == head


@pytest.mark.parametrize("verifier", ["v-zh-en", "v-en-zh"])
def test_a_verifier_reading_zh_and_en_may_vote_on_zh_and_en_sources(
    ledger: Ledger, zh_source: dict[str, Any], en_source: dict[str, Any], verifier: str
) -> None:
    submit(ledger, "c1", [zh_source, en_source])
    ledger.open_round("c1")

    assert ledger.cast_vote("c1", verifier, "accept") == 1

    assert get_claim(ledger, "c1").rounds == [{verifier: "accept"}]


@pytest.mark.parametrize(
    ("verifier", "sources", "missing"),
    [("v-en", ["zh"], "zh"), ("v-en", ["zh", "en"], "zh"), ("v-zh", ["zh", "en"], "en")],
)
def test_a_verifier_may_not_vote_on_a_source_in_a_language_they_do_not_read(
    ledger: Ledger,
    zh_source: dict[str, Any],
    en_source: dict[str, Any],
    verifier: str,
    sources: list[str],
    missing: str,
) -> None:
    by_language = {"zh": zh_source, "en": en_source}
    submit(ledger, "c1", [by_language[lang] for lang in sources])
    ledger.open_round("c1")
    head = ledger.head()

    with pytest.raises(LanguageNotRead) as info:
        ledger.cast_vote("c1", verifier, "accept")

    assert f"{missing!r}" in info.value.message
    assert ledger.head() == head


def test_a_verifier_who_learns_the_language_may_then_vote(
    ledger: Ledger, zh_source: dict[str, Any]
) -> None:
    submit(ledger, "c1", [zh_source])
    ledger.open_round("c1")

    ledger.change_verifier_languages("v-en", ["en", "zh"])

    assert ledger.verifier_languages("v-en") == ["en", "zh"]
    assert ledger.cast_vote("c1", "v-en", "accept") == 1


def test_two_accepts_under_quorum_2_accept_the_claim_and_close_it(
    ledger: Ledger, zh_source: dict[str, Any]
) -> None:
    submit(ledger, "c1", [zh_source])
    ledger.open_round("c1")
    ledger.cast_vote("c1", "v-zh", "accept")
    ledger.cast_vote("c1", "v-zh-en", "accept", "matches the yearbook")

    assert ledger.close_round("c1") == ACCEPTED

    head = ledger.head()
    with pytest.raises(ClaimNotOpen):
        ledger.cast_vote("c1", "v-en-zh", "reject")
    assert ledger.head() == head
    closed = ledger.records(after=head - 1)[0]
    assert (closed.type, closed.data["outcome"], closed.data["quorum"]) == (
        "RoundClosed",
        ACCEPTED,
        2,
    )


def test_a_round_short_of_the_quorum_is_undecided_and_a_second_round_can_open(
    ledger: Ledger, zh_source: dict[str, Any]
) -> None:
    submit(ledger, "c1", [zh_source])
    ledger.change_quorum(E, 3)
    ledger.open_round("c1")
    ledger.cast_vote("c1", "v-zh", "accept")
    ledger.cast_vote("c1", "v-zh-en", "accept")

    assert ledger.close_round("c1") == "undecided"
    assert ledger.open_round("c1") == 2
    assert ledger.cast_vote("c1", "v-zh", "reject") == 2
    assert ledger.close_round("c1") == "rejected"


def test_a_rung_only_in_a_later_framework_version_is_not_on_the_edition_ladder(
    ledger: Ledger,
    pillars: list[dict[str, Any]],
    indicators: list[dict[str, Any]],
    zh_source: dict[str, Any],
) -> None:
    revised = copy.deepcopy(indicators)
    revised[0]["ladder"].append({"rung": 4, "points": 15, "description": "Gigabit"})

    assert ledger.revise_framework("asc", pillars, revised, "gigabit") == 2

    head = ledger.head()
    with pytest.raises(RungNotOnLadder) as info:
        submit(ledger, "c1", [zh_source], rung=4)
    assert info.value.value == 4
    assert ledger.head() == head


def test_weights_aggregate_to_the_exact_mean_of_the_ballots(ledger: Ledger) -> None:
    ledger.enrol_panelist("asc-weights", "p1", "public-administration")
    ledger.enrol_panelist("asc-weights", "p2", "digital-infrastructure")
    ledger.cast_ballot("asc-weights", "p1", {"broadband": 33, "metro": 67})
    ledger.cast_ballot("asc-weights", "p2", {"broadband": 34, "metro": 66})

    assert ledger.aggregate_weights("asc-weights") == 1

    weights: WeightSet = ledger.repository.get(WeightSet.key("asc-weights"))
    assert isinstance(weights, WeightSet)
    assert weights.weights == {"broadband": "67/2", "metro": "133/2"}
    assert ledger.set_weights("asc-weights", {"broadband": "40", "metro": "60"}, "tidy") == 2


def test_an_appeal_is_answered_once(ledger: Ledger) -> None:
    ledger.publish(E)
    appeal_id = ledger.file_appeal(
        E, CITY, "Broadband is higher", "city", "broadband", rung=3,
        sources=[{"url": "https://example.org/a", "title": "t", "language": "en",
                  "date": "2023-03-01", "excerpt": "x"}],
    )  # fmt: skip
    ledger.answer_appeal(appeal_id, "dismissed", "Not new")
    head = ledger.head()

    with pytest.raises(InvalidState):
        ledger.answer_appeal(appeal_id, "dismissed", "Changed our mind")

    assert ledger.head() == head


def test_a_publication_records_the_digest_of_its_position(ledger: Ledger) -> None:
    head = ledger.head()

    first = ledger.publish(E)
    second = ledger.publish(E, tables=["total"], position=head)

    # A Ledger opened without the read side's ranking engine records no table digests.
    assert first == {
        "edition_id": E,
        "publication_no": 1,
        "position": head,
        "digest": ledger.digest_at(head),
        "tree_head": ledger.tree_head_at(head),
        "table_digests": None,
    }
    assert (second["publication_no"], second["digest"]) == (2, ledger.digest_at(head))
    assert second["tree_head"] == first["tree_head"] != ledger.tree_head_at(head - 1)
    assert [r.type for r in ledger.records(after=head)] == ["RankingPublished"] * 2


def test_a_publication_at_a_position_past_the_head_is_refused(ledger: Ledger) -> None:
    head = ledger.head()

    with pytest.raises(InvalidInput) as info:
        ledger.publish(E, position=head + 1)

    assert info.value.value == head + 1
    assert ledger.head() == head


def test_evidence_dated_after_the_edition_cut_off_is_refused(
    ledger: Ledger, zh_source: dict[str, Any]
) -> None:
    head = ledger.head()
    late = dict(zh_source, date="2023-07-01")

    with pytest.raises(InvalidInput) as info:
        ledger.submit_claim(E, "taizhou-zj", "broadband", 1, [zh_source, late], "r")

    assert info.value.value == "2023-07-01"
    assert "cut-off 2023-06-30" in info.value.message
    assert ledger.head() == head
    on_the_day = dict(zh_source, date="2023-06-30")
    assert ledger.submit_claim(E, "taizhou-zj", "broadband", 1, [on_the_day], "r")


def test_a_publication_cut_before_the_edition_had_cities_is_refused(ledger: Ledger) -> None:
    created = next(r.position for r in ledger.records() if r.type == "EditionCreated")
    head = ledger.head()

    with pytest.raises(InvalidInput, match="before edition asia-2023 had any cities") as info:
        ledger.publish(E, position=created)

    assert info.value.value == created
    assert ledger.head() == head


def test_a_publication_never_goes_back_before_the_previous_one(ledger: Ledger) -> None:
    ledger.publish(E)
    head = ledger.head()

    with pytest.raises(InvalidInput, match="before the previous publication"):
        ledger.publish(E, position=head - 2)

    assert ledger.head() == head
    assert ledger.publish(E, position=head)["publication_no"] == 2
