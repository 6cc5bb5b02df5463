"""Evidence: claims with their sources, rounds and votes, as they stand now."""

from __future__ import annotations

import json
from collections.abc import Callable

from sqlite_utils import Database

from ledger.appeal import Appeal
from ledger.city import City
from ledger.claim import Claim, status_after_round
from ledger.edition import Edition
from ledger.feedback import Feedback
from ledger.framework import Framework
from ledger.receipt import Receipt
from ledger.records import EventRecord, events_of
from ledger.verifier import Verifier
from ledger.vocabulary import ClaimStatus, Decision
from ledger.weights import WeightSet
from projections.event_index import instant_text
from projections.model import ReadModel, by_name, insert_row

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS claims (claim_id TEXT PRIMARY KEY, originator_id TEXT UNIQUE, "
    "edition_id TEXT, city_id TEXT, indicator_id TEXT, rung INTEGER, points INTEGER, "
    "status TEXT, sources TEXT, languages TEXT, submitted_by TEXT, supersedes TEXT, "
    "superseded_by TEXT, withdrawn_reason TEXT, submitted_at TEXT, submitted_position INTEGER, "
    "decided_at TEXT, decided_position INTEGER)",
    "CREATE INDEX IF NOT EXISTS idx_claims_city ON claims (edition_id, city_id, indicator_id)",
    "CREATE TABLE IF NOT EXISTS rounds (claim_id TEXT, round_no INTEGER, opened_at TEXT, "
    "opened_position INTEGER, closed_at TEXT, closed_position INTEGER, outcome TEXT, "
    "accepts INTEGER, rejects INTEGER, quorum INTEGER, PRIMARY KEY (claim_id, round_no))",
    "CREATE TABLE IF NOT EXISTS votes (claim_id TEXT, round_no INTEGER, verifier_id TEXT, "
    "decision TEXT, note TEXT, time TEXT, position INTEGER, "
    "PRIMARY KEY (claim_id, round_no, verifier_id))",
)

Handler = Callable[[Database, EventRecord, str], None]


def _claim_ids(db: Database, records: list[EventRecord]) -> dict[str, str]:
    """Claim ids of the batch's claims submitted earlier (one query per 500, not one per event)."""
    wanted = sorted({r.originator_id for r in records if r.type in HANDLERS})
    out: dict[str, str] = {}
    for i in range(0, len(wanted), 500):
        chunk = wanted[i : i + 500]
        rows = db.execute(
            "SELECT originator_id, claim_id FROM claims "
            f"WHERE originator_id IN ({','.join('?' * len(chunk))})",
            chunk,
        ).fetchall()
        out.update((str(o), str(c)) for o, c in rows)
    return out


def _submitted(db: Database, r: EventRecord, _: str) -> None:
    d = r.data
    insert_row(
        db,
        "claims",
        {
            "claim_id": d["claim_id"],
            "originator_id": r.originator_id,
            "edition_id": d["edition_id"],
            "city_id": d["city_id"],
            "indicator_id": d["indicator_id"],
            "rung": d["rung"],
            "points": d["points"],
            "status": ClaimStatus.PENDING,
            "sources": json.dumps(d["sources"], ensure_ascii=False),
            "languages": json.dumps(sorted({s["language"] for s in d["sources"]})),
            "submitted_by": d["submitted_by"],
            "supersedes": d["supersedes"],
            "superseded_by": None,
            "withdrawn_reason": None,
            "submitted_at": instant_text(r.time),
            "submitted_position": r.position,
            "decided_at": None,
            "decided_position": None,
        },
    )


def _decided(db: Database, r: EventRecord, claim_id: str, status: str) -> None:
    db.execute(
        "UPDATE claims SET status = ?, decided_at = ?, decided_position = ? WHERE claim_id = ?",
        [status, instant_text(r.time), r.position, claim_id],
    )


def _withdrawn(db: Database, r: EventRecord, claim_id: str) -> None:
    _decided(db, r, claim_id, ClaimStatus.WITHDRAWN)
    db.execute(
        "UPDATE claims SET withdrawn_reason = ? WHERE claim_id = ?", [r.data["reason"], claim_id]
    )


def _superseded(db: Database, r: EventRecord, claim_id: str) -> None:
    _decided(db, r, claim_id, ClaimStatus.SUPERSEDED)
    db.execute(
        "UPDATE claims SET superseded_by = ? WHERE claim_id = ?",
        [r.data["superseded_by"], claim_id],
    )


def _round_opened(db: Database, r: EventRecord, claim_id: str) -> None:
    insert_row(
        db,
        "rounds",
        {
            "claim_id": claim_id,
            "round_no": r.data["round_no"],
            "opened_at": instant_text(r.time),
            "opened_position": r.position,
            "closed_at": None,
            "closed_position": None,
            "outcome": None,
            "accepts": 0,
            "rejects": 0,
            "quorum": None,
        },
    )


def _vote(db: Database, r: EventRecord, claim_id: str) -> None:
    d = r.data
    db.execute(
        "UPDATE rounds SET accepts = accepts + ?, rejects = rejects + ? "
        "WHERE claim_id = ? AND round_no = ?",
        [
            int(d["decision"] == Decision.ACCEPT),
            int(d["decision"] == Decision.REJECT),
            claim_id,
            d["round_no"],
        ],
    )
    insert_row(
        db,
        "votes",
        {
            "claim_id": claim_id,
            "round_no": d["round_no"],
            "verifier_id": d["verifier_id"],
            "decision": d["decision"],
            "note": d["note"],
            "time": instant_text(r.time),
            "position": r.position,
        },
    )


def _round_closed(db: Database, r: EventRecord, claim_id: str) -> None:
    d = r.data
    db.execute(
        "UPDATE rounds SET closed_at = ?, closed_position = ?, outcome = ?, accepts = ?, "
        "rejects = ?, quorum = ? WHERE claim_id = ? AND round_no = ?",
        [instant_text(r.time), r.position, d["outcome"], d["accepts"], d["rejects"], d["quorum"],
         claim_id, d["round_no"]],
    )  # fmt: skip
    status = status_after_round(d["outcome"])
    if status is not None:
        _decided(db, r, claim_id, status)


def _accepted_on_appeal(db: Database, r: EventRecord, claim_id: str) -> None:
    _decided(db, r, claim_id, "accepted")


HANDLERS: dict[str, Handler] = by_name({
    Claim.ClaimAcceptedOnAppeal: _accepted_on_appeal,
    Claim.ClaimWithdrawn: _withdrawn,
    Claim.ClaimSuperseded: _superseded,
    Claim.RoundOpened: _round_opened,
    Claim.VoteCast: _vote,
    Claim.RoundClosed: _round_closed,
})  # fmt: skip


class Evidence(ReadModel):
    """Claims, rounds and votes: what auditors trace a score back to."""

    name = "evidence"
    tables = ("claims", "rounds", "votes")
    handles = frozenset(HANDLERS) | {Claim.ClaimSubmitted.__name__}
    ignores = events_of(City, Framework, WeightSet, Verifier, Edition, Appeal, Feedback, Receipt)
    #: Bump on any change to the tables or handlers (the follower then replays this model).
    version = 1

    def create(self, db: Database) -> None:
        """Create the evidence tables."""
        for statement in SCHEMA:
            db.execute(statement)

    def apply(self, db: Database, records: list[EventRecord]) -> None:
        """Dispatch each claim event to its handler."""
        claim_ids = _claim_ids(db, records)
        for r in records:
            if r.type == Claim.ClaimSubmitted.__name__:
                _submitted(db, r, "")
                claim_ids[r.originator_id] = str(r.data["claim_id"])
                continue
            handler = HANDLERS.get(r.type)
            if handler is not None:
                handler(db, r, claim_ids[r.originator_id])
