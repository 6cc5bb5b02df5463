"""Events stored by an earlier release, before a field was added, still decode and project."""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest

from cityledger.bootstrap import Runtime, open_runtime
from ledger.claim import Claim
from ledger.errors import InvalidState, UnknownEventType
from projections.appeals import appeal
from projections.evidence import claim
from projections.follower import ProblemLog
from projections.publications import Publication, publications
from projections.published import published_rankings
from projections.rankings import indicator_scores, rankings
from tests.support.builders import EDITION, verified_claim
from tests.support.cli import run
from tests.support.inputs import source


def strip_field(path: Path, topic_suffix: str, field: str) -> None:
    """Rewrite stored events of one type as an earlier release stored them (without a field)."""
    with sqlite3.connect(path) as conn:
        rows = conn.execute(
            "SELECT rowid, state FROM stored_events WHERE topic LIKE ?", [f"%{topic_suffix}"]
        ).fetchall()
        for rowid, state in rows:
            data = json.loads(state)
            del data[field]
            compact = json.dumps(data, separators=(",", ":")).encode()
            conn.execute("UPDATE stored_events SET state = ? WHERE rowid = ?", [compact, rowid])


@contextmanager
def recorded_without(rt: Runtime, folder: Path, topic: str, *fields: str) -> Iterator[Runtime]:
    """Close the ledger (ledger.sqlite in `folder`), rewrite its events of one type as an earlier
    release stored them (without the fields), and reopen it with its read models rebuilt."""
    rt.close()
    path = folder / "ledger.sqlite"
    for field in fields:
        strip_field(path, topic, field)
    with closing(open_runtime(path)) as reopened:
        reopened.follower.rebuild()
        yield reopened


@contextmanager
def published_without(
    rt: Runtime, folder: Path, *fields: str
) -> Iterator[tuple[Runtime, Publication]]:
    """Publish the edition once as an earlier release recorded it (without the fields); the
    reopened runtime and that publication."""
    rt.ledger.publish(EDITION)
    with recorded_without(rt, folder, "Edition.RankingPublished", *fields) as reopened:
        (publication,) = publications(reopened.db, EDITION)
        yield reopened, publication


def test_a_publication_recorded_before_tree_heads_decodes_with_none(
    world: Runtime, tmp_path: Path
) -> None:
    with published_without(world, tmp_path, "tree_head") as (rt, publication):
        assert publication.tree_head is None
        assert publication.digest == rt.ledger.digest_at(publication.position)


def test_a_receipt_recorded_before_fingerprints_still_answers_its_retry(
    runtime: Runtime, tmp_path: Path
) -> None:
    runtime.ledger.register_city("hue", "Hue", "顺化", "VN", idempotency_key="k1")
    with recorded_without(runtime, tmp_path, "Receipt.ReceiptIssued", "fingerprint") as rt:
        head = rt.ledger.head()
        assert rt.ledger.register_city("hue", "Hue", "顺化", "VN", idempotency_key="k1") == "hue"
        assert rt.ledger.head() == head


def test_a_log_that_superseded_at_submission_replays_as_it_was_recorded(world: Runtime) -> None:
    """Earlier releases recorded ClaimSuperseded when the correction was submitted."""
    ledger = world.ledger
    old = verified_claim(ledger, "taizhou-js", "T1", 4)
    # Record what the earlier release recorded: the correction and the supersession together.
    old_claim: Claim = ledger.repository.get(Claim.key(old))
    new = Claim.submit(
        claim_id="fix",
        edition_id=EDITION,
        city_id="taizhou-js",
        indicator_id="T1",
        rung=1,
        points=1,
        sources=[source("zh")],
        submitted_by="R1",
        supersedes=old,
        at=ledger.head_time(),
    )
    old_claim.supersede(by_claim="fix", at=ledger.head_time())
    ledger.save(new, old_claim)
    submitted_at = ledger.head()
    world.catch_up()
    scores = indicator_scores(world.db, EDITION, ["taizhou-js"], submitted_at)["taizhou-js"]
    assert next(s.points for s in scores if s.indicator_id == "T1") == 0
    # Accepting it later records no second supersession, and replay gives the same rows.
    ledger.open_round("fix")
    ledger.cast_vote("fix", "V1", "accept")
    ledger.cast_vote("fix", "V2", "accept")
    head = ledger.head()
    assert ledger.close_round("fix") == "accepted"
    assert [r.type for r in ledger.records(after=head)] == ["RoundClosed"]
    world.catch_up()
    current = rankings(world.db, EDITION, "total")
    world.follower.rebuild()
    assert rankings(world.db, EDITION, "total") == current
    assert claim(world.db, old).status == "superseded"


def test_a_publication_recorded_before_table_digests_is_still_served(
    world: Runtime, tmp_path: Path
) -> None:
    with published_without(world, tmp_path, "table_digests") as (rt, publication):
        (recorded,) = [r for r in rt.ledger.records(limit=10_000) if r.type == "RankingPublished"]
        assert recorded.data.get("table_digests") is None
        view = published_rankings(rt.db, publication, "total", recorded)
        assert view.position == publication.position and len(view.rows) == 6


def test_a_publication_recorded_before_corrections_decodes_as_no_correction(
    world: Runtime, tmp_path: Path
) -> None:
    with published_without(world, tmp_path, "corrects", "changes", "forced_reason") as (
        rt,
        publication,
    ):
        assert (publication.corrects, publication.changes, publication.forced_reason) == (
            None,
            (),
            None,
        )
        # The edition replays too: a second publication numbers on from it.
        assert rt.ledger.publish(EDITION)["publication_no"] == 2


def test_an_appeal_recorded_before_evidence_decodes_and_can_still_be_answered(
    world: Runtime, tmp_path: Path
) -> None:
    world.ledger.publish(EDITION)
    world.ledger.file_appeal(
        EDITION,
        "seoul",
        "Please look again.",
        "seoul-office",
        "T1",
        "old",
        rung=2,
        sources=[source("ko")],
    )  # fmt: skip
    with recorded_without(
        world, tmp_path, "Appeal.AppealFiled", "claim_id", "rung", "points", "sources", "deadline"
    ) as rt:
        case = appeal(rt.db, "old")
        assert (case.status, case.rung, case.sources, case.deadline) == ("filed", None, (), None)
        with pytest.raises(InvalidState):
            rt.ledger.open_appeal_review("old")  # nothing to review
        rt.ledger.answer_appeal("old", "dismissed", "Answered as before.")
        rt.catch_up()
        assert appeal(rt.db, "old").status == "dismissed"


def test_an_event_type_a_newer_release_recorded_is_named_with_what_to_do(
    world: Runtime,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    head = world.ledger.head()
    claim_id = verified_claim(world.ledger, "taizhou-js", "T1", 4)
    world.catch_up()
    world.close()
    path = tmp_path / "ledger.sqlite"
    # A newer release adds an event type to a claim: this code has no class for it.
    topic = "ledger.claim:Claim.Annotated"
    with closing(sqlite3.connect(path)) as conn, conn:
        owner, version = conn.execute(
            "SELECT originator_id, max(originator_version) FROM stored_events "
            "WHERE rowid = (SELECT max(rowid) FROM stored_events)"
        ).fetchone()
        state = json.dumps(
            {"timestamp": {"_type_": "datetime_iso", "_data_": "2030-01-01T00:00:00+00:00"}}
        )
        conn.execute(
            "INSERT INTO stored_events VALUES (?, ?, ?, ?)",
            [owner, version + 1, topic, state.encode()],
        )
        (position,) = conn.execute("SELECT max(rowid) FROM stored_events").fetchone()
    assert position > head

    rt = open_runtime(path)
    try:
        with pytest.raises(UnknownEventType) as refused:
            rt.catch_up()
        assert f"position {position} " in refused.value.message and topic in refused.value.message
        assert "upgrade cityledger" in refused.value.message
        assert rt.follower.position() == position - 1  # all before it is read, nothing after
        with pytest.raises(UnknownEventType):
            rt.ledger.withdraw_claim(claim_id, reason="x", by="editor", as_editor=True)
        assert rt.ledger.head() == position  # nothing recorded
        # A server's follower says so in one line, no traceback, once.
        with caplog.at_level(logging.ERROR):
            problems = ProblemLog(logging.getLogger("test.follow"), "catching up")
            for _ in range(3):
                with pytest.raises(UnknownEventType) as again:
                    rt.catch_up()
                problems.failed(again.value)
        assert len(caplog.records) == 1 and caplog.records[0].exc_info is None
        assert "UNKNOWN_EVENT_TYPE" in caplog.records[0].getMessage()
    finally:
        rt.close()

    for args in (("rank", "--edition", EDITION, "--table", "total"), ("events",)):
        monkeypatch.setenv("CITYLEDGER_DB", str(path))
        code, _, err = run(capsys, *args)
        assert code == 2 and len(err.strip().splitlines()) == 1, err
        assert err.startswith(f"cityledger: UNKNOWN_EVENT_TYPE: position {position} ")
