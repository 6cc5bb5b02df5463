"""Every event records who recorded it; events stored before actors were recorded still decode."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from cityledger.bootstrap import Runtime, open_runtime
from projections.explain import explain_move
from tests.support.builders import CITIES, EDITION, WEIGHT_SET, indicators
from tests.support.inputs import source

# The data key that names each event type's actor.
ACTOR_KEYS = {
    "ClaimSubmitted": "submitted_by",
    "VoteCast": "verifier_id",
    "BallotCast": "panelist_id",
    "BallotRevised": "panelist_id",
    "AppealFiled": "filed_by",
    "AppealVoteCast": "verifier_id",
    "FeedbackGiven": "given_by",
}
ADDED = (
    "CityRegistered", "FrameworkDefined", "FrameworkRevised", "WeightSetCreated",
    "PanelistEnrolled", "EditionCreated", "CitiesIncluded", "QuorumChanged", "VerifierEnrolled",
    "VerifierLanguagesChanged", "RoundOpened", "RoundClosed", "ClaimSuperseded",
)  # fmt: skip
PILLARS = [{"id": p, "name": p} for p in ("digital", "traditional", "institutional")]


def play_every_command(rt: Runtime) -> str:
    """One of each command, each naming its caller; returns the superseding claim's id."""
    lg = rt.ledger
    lg.define_framework("fw", "Framework", PILLARS, indicators(), by="E1")
    lg.revise_framework("fw", PILLARS, indicators(), "same again", by="E1")
    lg.create_weight_set(WEIGHT_SET, "Weights", "fw", 1, by="E1")
    lg.enrol_panelist(WEIGHT_SET, "P1", "digital-infrastructure", by="E1")
    lg.cast_ballot(WEIGHT_SET, "P1", {"D2": 40, "T1": 20, "I1": 20, "I6": 20})
    lg.revise_ballot(WEIGHT_SET, "P1", {"D2": 30, "T1": 30, "I1": 20, "I6": 20}, "rethought")
    lg.aggregate_weights(WEIGHT_SET, by="E1")
    for city_id, name_en, name_zh, country in CITIES[:2]:
        lg.register_city(city_id, name_en, name_zh, country, by="E1")
    lg.create_edition(EDITION, 2023, "T", "Asia", "fw", 1, WEIGHT_SET, "2023-06-01", 1, by="E1")
    lg.include_cities(EDITION, [c[0] for c in CITIES[:2]], by="E1")
    lg.change_quorum(EDITION, 1, by="E1")
    lg.enrol_verifier("V1", ["en"], by="E1")
    lg.change_verifier_languages("V1", ["zh", "en"], by="E1")
    first = lg.submit_claim(EDITION, "beijing", "D2", 2, [source("zh")], "R1")
    lg.open_round(first, by="E1")
    lg.cast_vote(first, "V1", "accept")
    lg.close_round(first, by="E2")
    newer = lg.submit_claim(EDITION, "beijing", "D2", 3, [source("zh")], "R1", supersedes=first)
    lg.open_round(newer, by="E1")
    lg.cast_vote(newer, "V1", "accept")
    lg.close_round(newer, by="E3")  # accepting the correction supersedes the first claim
    lg.withdraw_claim(newer, "mistake", "R1")
    lg.publish(EDITION, by="E1")
    lg.set_appeal_window(EDITION, 45, by="E1")
    evidence: dict[str, Any] = {"rung": 3, "sources": [source("zh")]}
    lg.file_appeal(EDITION, "beijing", "Please look again.", "beijing-office", "D2", "a1",
                   **evidence)  # fmt: skip
    lg.open_appeal_review("a1", by="E1")
    lg.cast_appeal_vote("a1", "V1", "accept", "confirmed")
    lg.close_appeal_review("a1", by="E1")
    lg.answer_appeal("a1", "upheld", "Looked again.", by="E1")
    lg.file_appeal(EDITION, "beijing", "And this.", "beijing-office", "T1", "a2", **evidence)
    lg.withdraw_appeal("a2", "beijing", "Never mind.", "beijing-office")
    lg.file_appeal(EDITION, "beijing", "And that.", "beijing-office", "I1", "a3", **evidence)
    lg.answer_appeal("a3", "dismissed", "No.", by="E1")
    lg.give_feedback(EDITION, "beijing", "Thanks.", "beijing-office")
    lg.publish(EDITION, by="E1", corrects=1)
    rt.catch_up()
    return newer


def test_every_event_names_its_actor(runtime: Runtime) -> None:
    play_every_command(runtime)
    for record in runtime.ledger.records(limit=1000):
        if record.type == "ReceiptIssued":
            continue  # the idempotency bookkeeping of a command, not a command
        actor = record.data.get(ACTOR_KEYS.get(record.type, "by"))
        assert actor, f"{record.type} at {record.position} names no actor"
    closed = [r for r in runtime.ledger.records(limit=1000) if r.type == "RoundClosed"]
    assert [r.data["by"] for r in closed] == ["E2", "E3"]
    superseded = [r for r in runtime.ledger.records(limit=1000) if r.type == "ClaimSuperseded"]
    assert [r.data["by"] for r in superseded] == ["E3"]


def test_events_stored_before_actors_decode_with_none(runtime: Runtime, tmp_path: Path) -> None:
    play_every_command(runtime)
    runtime.close()
    path = tmp_path / "ledger.sqlite"
    with sqlite3.connect(path) as conn:
        for topic_type in ADDED:
            rows = conn.execute(
                "SELECT rowid, state FROM stored_events WHERE topic LIKE ?", [f"%.{topic_type}"]
            ).fetchall()
            assert rows, topic_type
            for rowid, state in rows:
                data = json.loads(state)
                del data["by"]
                compact = json.dumps(data, separators=(",", ":")).encode()
                conn.execute("UPDATE stored_events SET state = ? WHERE rowid = ?", [compact, rowid])
    rt = open_runtime(path)
    try:
        rt.follower.rebuild()
        # The aggregates still load and take commands; the explanation names no actor.
        later = rt.ledger.submit_claim(EDITION, "shanghai", "T1", 2, [source("zh")], "R1")
        rt.ledger.open_round(later)
        rt.catch_up()
        (start,) = rt.db.execute("SELECT position FROM events WHERE type = 'QuorumChanged'")
        e = explain_move(rt.db, EDITION, "total", "beijing", int(start[0]))
        closures = [c for m in e.indicators for c in m.causes if c.type == "RoundClosed"]
        assert closures and all(c.actor is None for c in closures)
    finally:
        rt.close()
