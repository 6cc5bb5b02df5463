"""Appeals end to end through the Ledger and the read side: filing, review, the correction,
the publications that are never rewritten, what-if and the publish guard."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from cityledger.bootstrap import Runtime, open_runtime
from cityledger.cli import main
from ledger.errors import InvalidInput, InvalidState, PermissionDenied
from ledger.proofs import prove_consistency, prove_inclusion
from projections import appeals as docket
from projections import evidence
from projections import publications as published
from projections.model import tracking_position
from projections.rankings import rankings
from tests.support.builders import EDITION, build_small_world
from tests.support.inputs import source
from tests.support.rows import Rows, table_rows

START = datetime(2023, 1, 2, tzinfo=UTC)


class Timed:
    """A Ledger whose every command happens one minute after the previous one, from START."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.clock = START

    def jump(self, delta: timedelta) -> None:
        """Let time pass."""
        self.clock += delta

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self.runtime.ledger, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            self.clock += timedelta(minutes=1)
            return method(*args, at=self.clock, **kwargs)

        return call


@pytest.fixture
def timed(tmp_path: Any) -> Iterator[Timed]:
    """The small world built in 2023, published once on a 30-day appeal window."""
    rt = open_runtime(tmp_path / "ledger.sqlite")
    led = Timed(rt)
    build_small_world(led)  # type: ignore[arg-type]
    led.publish(EDITION, by="E01")
    rt.catch_up()
    yield led
    rt.close()


def claim_of(rt: Runtime, city: str, indicator: str) -> str:
    (found,) = evidence.claims(rt.db, edition_id=EDITION, city_ids=[city], indicator_id=indicator)
    return found.claim_id


def file(led: Timed, appeal_id: str = "ap-1", **changes: Any) -> str:
    """Taizhou (Zhejiang) appeals its I1 score: rung 4, with new Chinese evidence."""
    args: dict[str, Any] = {
        "edition_id": EDITION, "city_id": "taizhou-zj", "text": "Our portal opened in March.",
        "filed_by": "taizhou-office", "indicator_id": "I1", "appeal_id": appeal_id, "rung": 4,
        "sources": [source("zh", "new evidence")],
        "claim_id": claim_of(led.runtime, "taizhou-zj", "I1"), "representing": "taizhou-zj",
    }  # fmt: skip
    args.update(changes)
    return str(led.file_appeal(**args))


def review(led: Timed, appeal_id: str, decision: str = "accept") -> str:
    led.open_appeal_review(appeal_id)
    led.cast_appeal_vote(appeal_id, "V1", decision, "the portal is live")
    led.cast_appeal_vote(appeal_id, "V2", decision, "checked the gazette")
    return str(led.close_appeal_review(appeal_id))


def band_of(rt: Runtime, city: str, table: str = "institutional") -> str:
    rt.catch_up()
    return next(r.band for r in rankings(rt.db, EDITION, table).rows if r.city_id == city)


def score_of(rt: Runtime, city: str, table: str = "institutional") -> Any:
    rt.catch_up()
    return next(r.score for r in rankings(rt.db, EDITION, table).rows if r.city_id == city)


def test_an_upheld_appeal_changes_the_ranking_after_the_decision_and_not_before(
    timed: Timed,
) -> None:
    rt = timed.runtime
    first = published.publication(rt.db, EDITION)
    first_rows = rankings(rt.db, EDITION, "institutional", first.position).rows
    band, score = band_of(rt, "taizhou-zj"), score_of(rt, "taizhou-zj")

    file(timed)
    assert review(timed, "ap-1") == "accepted"
    # Filed and reviewed: nothing counts yet, and the score never dipped.
    assert (band_of(rt, "taizhou-zj"), score_of(rt, "taizhou-zj")) == (band, score)
    assert docket.appeal(rt.db, "ap-1").status == "under_review"
    before_decision = tracking_position(rt.db)

    timed.answer_appeal("ap-1", "upheld", "The gazette confirms the portal.", "E01")
    rt.catch_up()

    assert band_of(rt, "taizhou-zj") == "10%-30%" != band
    assert score_of(rt, "taizhou-zj") > score
    case = docket.appeal(rt.db, "ap-1")
    assert (case.status, case.correction_claim_id) == ("upheld", "ap-1/correction")
    correction = evidence.claim(rt.db, "ap-1/correction")
    assert (correction.status, correction.supersedes, correction.rung) == (
        "accepted",
        case.claim_id,
        4,
    )
    assert evidence.claim(rt.db, str(case.claim_id)).status == "superseded"
    # As of the position just before the decision, the ranking is as it was.
    earlier = rankings(rt.db, EDITION, "institutional", before_decision).rows
    assert next(r.band for r in earlier if r.city_id == "taizhou-zj") == band
    # The publication is not rewritten: same number, position, digest, bands.
    again = published.publication(rt.db, EDITION, 1)
    assert (again.position, again.digest, again.tree_head) == (
        first.position,
        first.digest,
        first.tree_head,
    )
    assert again.digest == rt.ledger.digest_at(first.position)
    _, served = published.published_rankings(rt.db, rt.ledger, EDITION, "institutional", 1)
    assert served.rows == first_rows
    # Its proofs still hold: the log it pinned is a prefix of the corrected log.
    proof = prove_consistency(rt.ledger, first.position)
    assert proof.verify() and proof.first_root == first.tree_head
    assert prove_inclusion(rt.ledger, first.position, first.position).root == first.tree_head


def test_the_decision_and_its_correction_are_one_atomic_save(timed: Timed) -> None:
    rt = timed.runtime
    file(timed)
    review(timed, "ap-1")
    head = rt.ledger.head()
    timed.answer_appeal("ap-1", "upheld", "Confirmed.", "E01")
    new = rt.ledger.records(after=head)
    assert sorted(r.type for r in new) == [
        "AppealDecided", "ClaimAcceptedOnAppeal", "ClaimSubmitted", "ClaimSuperseded",
    ]  # fmt: skip
    # One transaction: every event of the decision has the same time.
    assert len({r.time for r in new}) == 1


def test_a_dismissed_appeal_changes_nothing(timed: Timed) -> None:
    rt = timed.runtime
    rows = rankings(rt.db, EDITION, "institutional").rows
    file(timed)
    assert review(timed, "ap-1", "reject") == "rejected"
    with pytest.raises(InvalidState):
        timed.answer_appeal("ap-1", "upheld", "Overruling the review.", "E01")
    timed.answer_appeal("ap-1", "dismissed", "The evidence postdates nothing new.", "E01")
    rt.catch_up()
    assert [
        (r.city_id, r.band, r.score) for r in rankings(rt.db, EDITION, "institutional").rows
    ] == [(r.city_id, r.band, r.score) for r in rows]
    assert docket.appeal(rt.db, "ap-1").status == "dismissed"
    assert evidence.claims(rt.db, claim_ids=["ap-1/correction"]) == []


def test_a_late_appeal_is_refused_naming_the_deadline(timed: Timed) -> None:
    rt = timed.runtime
    deadline = published.publication(rt.db, EDITION).time
    timed.jump(timedelta(days=31))
    head = rt.ledger.head()
    with pytest.raises(InvalidState) as info:
        file(timed)
    expected = (datetime.fromisoformat(deadline) + timedelta(days=30)).isoformat()
    assert expected in info.value.message
    assert info.value.value == expected
    assert rt.ledger.head() == head


def test_the_appeal_window_is_set_per_edition(timed: Timed) -> None:
    rt = timed.runtime
    opened = published.publication(rt.db, EDITION).time
    assert docket.appeal_window(rt.db, EDITION).days == 30
    timed.set_appeal_window(EDITION, 60, "E01")
    rt.catch_up()
    window = docket.appeal_window(rt.db, EDITION)
    assert (window.days, window.deadline) == (
        60,
        (datetime.fromisoformat(opened) + timedelta(days=60)).isoformat(),
    )
    timed.jump(timedelta(days=45))
    assert file(timed) == "ap-1"


def test_another_city_cannot_file_for_a_city(timed: Timed) -> None:
    head = timed.runtime.ledger.head()
    with pytest.raises(PermissionDenied):
        file(timed, representing="taizhou-js")
    assert timed.runtime.ledger.head() == head


def test_a_withdrawn_appeal_can_no_longer_be_reviewed(timed: Timed) -> None:
    file(timed)
    timed.withdraw_appeal("ap-1", "taizhou-zj", "We found our mistake.", "taizhou-office")
    with pytest.raises(InvalidState):
        timed.open_appeal_review("ap-1")
    timed.runtime.catch_up()
    assert docket.appeal(timed.runtime.db, "ap-1").status == "withdrawn"


def test_verifier_notes_reach_the_city_anonymised(timed: Timed) -> None:
    file(timed)
    review(timed, "ap-1")
    timed.runtime.catch_up()
    (round_,) = docket.appeal(timed.runtime.db, "ap-1", "taizhou-zj").rounds
    assert [(n.verifier, n.note) for n in round_.notes] == [
        ("verifier 1", "the portal is live"),
        ("verifier 2", "checked the gazette"),
    ]
    with pytest.raises(Exception, match="does not exist"):
        docket.appeal(timed.runtime.db, "ap-1", "taizhou-js")


def test_feedback_is_recorded_and_listed_per_city(timed: Timed) -> None:
    timed.give_feedback(EDITION, "seoul", "Please add metro ridership.", "seoul-office")
    timed.give_feedback(EDITION, "tokyo", "Thanks.", "tokyo-office")
    timed.runtime.catch_up()
    assert [f.text for f in docket.feedback(timed.runtime.db, EDITION, "seoul")] == [
        "Please add metro ridership."
    ]


@pytest.mark.parametrize("bad", ["", "   ", "no spaces allowed"])
def test_a_feedback_id_given_but_not_an_id_is_refused_naming_it(timed: Timed, bad: str) -> None:
    # Only a feedback id left out is made up (a UUID); one given empty is a mistake to name.
    head = timed.runtime.ledger.head()
    with pytest.raises(InvalidInput) as info:
        timed.give_feedback(EDITION, "seoul", "Thanks.", "seoul-office", feedback_id=bad)
    assert info.value.field == "feedback_id"
    assert timed.runtime.ledger.head() == head


def test_publish_refuses_while_an_open_appeal_could_change_a_band(timed: Timed) -> None:
    rt = timed.runtime
    file(timed)
    head = rt.ledger.head()
    with pytest.raises(InvalidState) as info:
        timed.publish(EDITION, by="E01")
    assert "open appeal ap-1" in info.value.message
    assert rt.ledger.head() == head

    timed.publish(EDITION, by="E01", force=True, reason="Board meeting; appeal ap-1 pending")
    rt.catch_up()
    assert published.publication(rt.db, EDITION).forced_reason == (
        "Board meeting; appeal ap-1 pending"
    )


def test_a_correction_publication_lists_exactly_the_band_changes(timed: Timed) -> None:
    rt = timed.runtime
    file(timed)
    review(timed, "ap-1")
    timed.answer_appeal("ap-1", "upheld", "Confirmed.", "E01")
    timed.publish(EDITION, by="E01", corrects=1)
    rt.catch_up()

    correction = published.publication(rt.db, EDITION)
    assert (correction.publication_no, correction.corrects) == (2, 1)
    diff = published.publication_diff(rt.db, EDITION, 1, 2)
    listed = {(c.table, c.city_id, c.before, c.after) for c in correction.changes}
    assert listed == {(c.table, c.city_id, c.before, c.after) for c in diff.changes}
    assert ("institutional", "taizhou-zj", "60%-100%", "10%-30%") in listed
    for change in correction.changes:
        assert any(c.appeal_id == "ap-1" for c in change.causes) or change.city_id != "taizhou-zj"
    # Both publications stay available, each at its own digest.
    first, second = published.publications(rt.db, EDITION)
    assert first.digest == rt.ledger.digest_at(first.position)
    assert second.digest == rt.ledger.digest_at(second.position)
    at_first = published.publication(rt.db, EDITION, at=datetime.fromisoformat(first.time))
    assert at_first.publication_no == 1


def test_what_if_shows_the_band_the_city_would_have_without_recording(timed: Timed) -> None:
    rt = timed.runtime
    file(timed)
    rt.catch_up()
    head = rt.ledger.head()
    answer = docket.what_if(rt.db, "ap-1", "taizhou-zj")
    row = next(r for r in answer.rows if r.table == "institutional")
    assert (row.band_now, row.band_if_upheld) == ("60%-100%", "10%-30%")
    assert rt.ledger.head() == head
    assert band_of(rt, "taizhou-zj") == "60%-100%"


def test_an_older_appeal_event_without_evidence_still_replays(runtime: Runtime) -> None:
    led = runtime.ledger
    build_small_world(led)
    led.publish(EDITION)
    # Written as the first release wrote it: no evidence fields.
    appeal = __import__("ledger.appeal", fromlist=["Appeal"]).Appeal.file(
        appeal_id="old",
        edition_id=EDITION,
        city_id="seoul",
        indicator_id=None,
        text="Feedback-like appeal",
        filed_by="seoul-office",
    )
    led.save(appeal)
    runtime.catch_up()
    case = docket.appeal(runtime.db, "old")
    assert (case.status, case.sources, case.rung) == ("filed", (), None)
    led.answer_appeal("old", "dismissed", "Noted.")
    with pytest.raises(InvalidState):
        led.answer_appeal("old", "upheld", "Noted.")


def test_the_command_line_prints_any_publication_and_what_changed(
    timed: Timed, monkeypatch: pytest.MonkeyPatch, tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    timed.jump(timedelta(days=2))  # publication 1 was in force on 3 January
    file(timed)
    review(timed, "ap-1")
    timed.answer_appeal("ap-1", "upheld", "Confirmed.", "E01")
    timed.publish(EDITION, by="E01", corrects=1)
    timed.runtime.close()
    monkeypatch.setenv("CITYLEDGER_DB", str(tmp_path / "ledger.sqlite"))
    table = ["rank", "--edition", EDITION, "--table", "institutional", "--format", "json"]

    def band(*args: str) -> str:
        assert main([*table, *args]) == 0
        rows = json.loads(capsys.readouterr().out)
        return next(str(r["band"]) for r in rows if r["city_id"] == "taizhou-zj")

    assert band("--publication", "1") == "60%-100%"
    assert band("--publication") == band() == "10%-30%"
    assert band("--published-at", "2023-01-03T00:00:00+00:00") == "60%-100%"
    assert band("--published-at", "2023-06-01T00:00:00+00:00") == "10%-30%"
    assert main(["publications", "--edition", EDITION]) == 0
    out = capsys.readouterr().out
    assert "#2 " in out and "corrects #1" in out
    assert "institutional taizhou-zj: 60%-100% -> 10%-30% (appeal ap-1)" in out
    assert main(["rank", *table[1:], "--publication", "9"]) != 0
    assert "has no publication 9" in capsys.readouterr().err


def test_appeals_replayed_in_batches_of_any_size_give_identical_rows(timed: Timed) -> None:
    from projections.follower import Follower

    rt = timed.runtime
    file(timed)
    review(timed, "ap-1", "reject")
    timed.answer_appeal("ap-1", "dismissed", "The portal opened after the cutoff.", "E01")
    file(timed, "ap-2", text="The gazette says otherwise.")
    timed.withdraw_appeal("ap-2", "taizhou-zj", "We found our mistake.", "taizhou-office")
    file(timed, "ap-3")
    timed.open_appeal_review("ap-3")
    timed.cast_appeal_vote("ap-3", "V1", "accept", "the portal is live")
    timed.give_feedback(EDITION, "seoul", "Please add metro ridership.", "seoul-office")
    rt.catch_up()
    tables = docket.AppealCases.tables

    def dump() -> Rows:
        return table_rows(rt.db, tables)

    before = dump()
    assert len(before["appeal_votes"]) == 3 and len(before["feedback"]) == 1
    cases = docket.appeals(rt.db)
    follower = Follower(rt.ledger, rt.follower.db, [docket.AppealCases()])
    follower.rebuild()
    assert dump() == before
    for model in follower.models:
        model.drop(rt.follower.db)
        model.create(rt.follower.db)
    rt.follower.db.execute("DELETE FROM projection_tracking WHERE model = 'appeals'")
    while follower.catch_up(limit=3) < rt.ledger.head():
        pass
    assert dump() == before
    assert docket.appeals(rt.db) == cases
    assert cases[0].sources == (evidence.source_view(source("zh", "new evidence")),)
