"""Evidence: claims with their sources, rounds and votes as they stand now: tables, views and
queries."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from typing import Annotated, Any, TypedDict, Unpack

from sqlite_utils import Database

from ledger.appeal import Appeal
from ledger.city import City
from ledger.claim import Claim
from ledger.doc import Doc
from ledger.edition import Edition
from ledger.errors import UnknownId
from ledger.feedback import Feedback
from ledger.fields import (
    CityId,
    ClaimId,
    ClosedAt,
    EditionId,
    IndicatorId,
    RoundNo,
    RoundOutcome,
    Rung,
    Title,
    VerifierId,
    Vote,
    VoteNote,
)
from ledger.framework import Framework
from ledger.receipt import Receipt
from ledger.records import EventRecord, events_of
from ledger.rounds import status_after_round
from ledger.verifier import Verifier
from ledger.vocabulary import ClaimStatus, Decision
from ledger.weights import WeightSet
from projections.batchrows import AggregateBatch, BatchedModel, BatchRows
from projections.model import by_name, from_row, grouped, marks, rows
from projections.view import View

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS claims (claim_id TEXT PRIMARY KEY, originator_id TEXT UNIQUE, "
    "edition_id TEXT, city_id TEXT, indicator_id TEXT, rung INTEGER, points INTEGER, "
    "status TEXT, languages TEXT, submitted_by TEXT, supersedes TEXT, "
    "superseded_by TEXT, withdrawn_reason TEXT, submitted_at TEXT, submitted_position INTEGER, "
    "decided_at TEXT, decided_position INTEGER)",
    "CREATE TABLE IF NOT EXISTS rounds (claim_id TEXT, round_no INTEGER, opened_at TEXT, "
    "opened_position INTEGER, closed_at TEXT, closed_position INTEGER, outcome TEXT, "
    "accepts INTEGER, rejects INTEGER, quorum INTEGER, PRIMARY KEY (claim_id, round_no)) "
    "WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS votes (claim_id TEXT, round_no INTEGER, verifier_id TEXT, "
    "decision TEXT, note TEXT, time TEXT, position INTEGER)",
)
#: Indexes that only queries use (apply reads claims by originator and id, rounds by key):
#: into empty tables (a new file, a rebuild) they are built once, by flush(), from the whole
#: table; sorting once beats growing them row by row in the order events come.
QUERY_INDEXES = (
    "CREATE INDEX IF NOT EXISTS idx_claims_city ON claims (edition_id, city_id, indicator_id)",
    "CREATE UNIQUE INDEX IF NOT EXISTS idx_votes_key ON votes (claim_id, round_no, verifier_id)",
)

Row = dict[str, Any]
Handler = Callable[["_Batch", EventRecord, str], None]
CLAIM_COLUMNS = (
    "claim_id", "originator_id", "edition_id", "city_id", "indicator_id", "rung", "points",
    "status", "languages", "submitted_by", "supersedes", "superseded_by",
    "withdrawn_reason", "submitted_at", "submitted_position", "decided_at", "decided_position",
)  # fmt: skip
#: What a later event can change in a claim row, and in a round row.
CLAIM_CHANGES = ("status", "superseded_by", "withdrawn_reason", "decided_at", "decided_position")
ROUND_COLUMNS = (
    "claim_id", "round_no", "opened_at", "opened_position", "closed_at", "closed_position",
    "outcome", "accepts", "rejects", "quorum",
)  # fmt: skip
ROUND_CHANGES = ("closed_at", "closed_position", "outcome", "accepts", "rejects", "quorum")
VOTE_COLUMNS = ("claim_id", "round_no", "verifier_id", "decision", "note", "time", "position")


class _Batch(AggregateBatch):
    """A batch's claims, rounds and votes held in memory and written once at its end."""

    def __init__(self, db: Database, records: list[EventRecord]) -> None:
        self.claims = BatchRows("claims", CLAIM_COLUMNS, ("claim_id",), CLAIM_CHANGES)
        self.votes = BatchRows("votes", VOTE_COLUMNS, (), ())
        super().__init__(
            db,
            records,
            main=self.claims,
            rounds=BatchRows("rounds", ROUND_COLUMNS, ("claim_id", "round_no"), ROUND_CHANGES),
            appended=(self.votes,),
            created=SUBMITTED,
            changed_by=HANDLERS,
        )


def languages_text(sources: Iterable[dict[str, Any]]) -> str:
    """The sorted distinct languages of the sources as JSON text (what json.dumps writes): the
    codes are joined as they are where they need no escaping, as validated codes never do."""
    codes = sorted({s["language"] for s in sources})
    if all(type(c) is str and c.isascii() and c.replace("-", "").isalnum() for c in codes):
        return "[" + ", ".join(f'"{c}"' for c in codes) + "]"
    return json.dumps(codes)


def _submitted(batch: _Batch, r: EventRecord) -> None:
    d = r.data
    batch.add(
        {
            "claim_id": d["claim_id"],
            "originator_id": r.originator_id,
            "edition_id": d["edition_id"],
            "city_id": d["city_id"],
            "indicator_id": d["indicator_id"],
            "rung": d["rung"],
            "points": d["points"],
            "status": ClaimStatus.PENDING,
            "languages": languages_text(d["sources"]),
            "submitted_by": d["submitted_by"],
            "supersedes": d["supersedes"],
            "superseded_by": None,
            "withdrawn_reason": None,
            "submitted_at": r.instant,
            "submitted_position": r.position,
            "decided_at": None,
            "decided_position": None,
        }
    )


def _decided(batch: _Batch, r: EventRecord, claim_id: str, status: str) -> Row:
    claim = batch.claims[claim_id]
    claim.update(status=status, decided_at=r.instant, decided_position=r.position)
    return claim


def _withdrawn(batch: _Batch, r: EventRecord, claim_id: str) -> None:
    _decided(batch, r, claim_id, ClaimStatus.WITHDRAWN)["withdrawn_reason"] = r.data["reason"]


def _superseded(batch: _Batch, r: EventRecord, claim_id: str) -> None:
    claim = _decided(batch, r, claim_id, ClaimStatus.SUPERSEDED)
    claim["superseded_by"] = r.data["superseded_by"]


def _round_opened(batch: _Batch, r: EventRecord, claim_id: str) -> None:
    batch.rounds.add(
        {
            "claim_id": claim_id,
            "round_no": r.data["round_no"],
            "opened_at": r.instant,
            "opened_position": r.position,
            "closed_at": None,
            "closed_position": None,
            "outcome": None,
            "accepts": 0,
            "rejects": 0,
            "quorum": None,
        }
    )


def _vote(batch: _Batch, r: EventRecord, claim_id: str) -> None:
    d = r.data
    held = batch.rounds[claim_id, int(d["round_no"])]
    held["accepts"] += int(d["decision"] == Decision.ACCEPT)
    held["rejects"] += int(d["decision"] == Decision.REJECT)
    batch.votes.append(
        (claim_id, d["round_no"], d["verifier_id"], d["decision"], d["note"],
         r.instant, r.position)
    )  # fmt: skip


def _round_closed(batch: _Batch, r: EventRecord, claim_id: str) -> None:
    d = r.data
    batch.rounds[claim_id, int(d["round_no"])].update(
        closed_at=r.instant, closed_position=r.position, outcome=d["outcome"],
        accepts=d["accepts"], rejects=d["rejects"], quorum=d["quorum"],
    )  # fmt: skip
    status = status_after_round(d["outcome"])
    if status is not None:
        _decided(batch, r, claim_id, status)


def _accepted_on_appeal(batch: _Batch, r: EventRecord, claim_id: str) -> None:
    _decided(batch, r, claim_id, ClaimStatus.ACCEPTED)


SUBMITTED = Claim.ClaimSubmitted.__name__
HANDLERS: dict[str, Handler] = by_name({
    Claim.ClaimAcceptedOnAppeal: _accepted_on_appeal,
    Claim.ClaimWithdrawn: _withdrawn,
    Claim.ClaimSuperseded: _superseded,
    Claim.RoundOpened: _round_opened,
    Claim.VoteCast: _vote,
    Claim.RoundClosed: _round_closed,
})  # fmt: skip


class Evidence(BatchedModel[_Batch]):
    """Claims, rounds and votes: what auditors trace a score back to."""

    name = "evidence"
    tables = ("claims", "rounds", "votes")
    batch = _Batch
    handles = frozenset(HANDLERS) | {SUBMITTED}
    ignores = events_of(City, Framework, WeightSet, Verifier, Edition, Appeal, Feedback, Receipt)
    #: Bump on any change to the tables or handlers (the follower then replays this model).
    #: 3: rounds WITHOUT ROWID; votes keyed by a unique index built after a rebuild's rows.
    version = 3

    def create(self, db: Database) -> None:
        """Create the evidence tables (and their query indexes, unless they are empty)."""
        for statement in SCHEMA:
            db.execute(statement)
        if db.execute("SELECT 1 FROM claims LIMIT 1").fetchone() is not None:
            self.flush(db)

    def flush(self, db: Database) -> None:
        """Create the query indexes if missing (a no-op but after create() on empty tables)."""
        for statement in QUERY_INDEXES:
            db.execute(statement)

    def fold(self, batch: _Batch, records: list[EventRecord]) -> None:
        """Fold the batch's claim events into its rows."""
        ids = batch.ids
        for r in records:
            if r.type == SUBMITTED:
                _submitted(batch, r)
                continue
            handler = HANDLERS.get(r.type)
            if handler is not None:
                handler(batch, r, ids[r.originator_id])


class CityIndicator(View):
    """One indicator of one city in one edition: what a claim or a score is about."""

    edition_id: EditionId
    city_id: CityId
    indicator_id: IndicatorId


class ReviewRound(View):
    """A round of verifiers' votes on evidence (a claim's, or an appeal's) and its tally."""

    round_no: RoundNo
    opened_at: Annotated[str, Doc("When the round opened (ISO 8601).")]
    closed_at: ClosedAt
    outcome: RoundOutcome
    accepts: Annotated[int, Doc("Accepting votes so far.")]
    rejects: Annotated[int, Doc("Rejecting votes so far.")]
    quorum: Annotated[int | None, Doc("Quorum applied at closing.")]


class CastVote(View):
    """A verifier's vote in a round: the decision, the note and when it was cast."""

    round_no: RoundNo
    decision: Vote
    note: VoteNote
    time: Annotated[str, Doc("When the vote was cast (ISO 8601).")]


class SourceView(View):
    """One source cited by a claim."""

    url: Annotated[str | None, Doc("URL, if online.")]
    citation: Annotated[str | None, Doc("Bibliographic citation, if offline.")]
    title: Title
    language: Annotated[str, Doc("ISO 639 language code.")]
    date: Annotated[str, Doc("Publication date (YYYY-MM-DD).")]
    excerpt: Annotated[str, Doc("The supporting excerpt.")]


class ClaimView(CityIndicator):
    """An evidence claim as it stands now."""

    claim_id: ClaimId
    rung: Rung
    points: Annotated[int, Doc("Points of that rung.")]
    status: Annotated[str, Doc("pending, accepted, rejected, withdrawn or superseded.")]
    sources: Annotated[tuple[SourceView, ...], Doc("The sources cited.")]
    languages: Annotated[tuple[str, ...], Doc("Languages of the sources.")]
    submitted_by: Annotated[str, Doc("Who submitted the claim.")]
    supersedes: Annotated[str | None, Doc("Claim this one replaces.")]
    superseded_by: Annotated[str | None, Doc("Claim that replaced this one.")]
    withdrawn_reason: Annotated[str | None, Doc("Why it was withdrawn.")]
    submitted_at: Annotated[str, Doc("When it was submitted (ISO 8601).")]
    submitted_position: Annotated[int, Doc("Ledger position of submission.")]
    decided_at: Annotated[str | None, Doc("When it was decided.")]
    decided_position: Annotated[int | None, Doc("Ledger position of decision.")]


class RoundView(ReviewRound):
    """A verification round of a claim."""

    claim_id: ClaimId
    opened_position: Annotated[int, Doc("Ledger position it opened at.")]
    closed_position: Annotated[int | None, Doc("Ledger position it closed at.")]


class VoteView(CastVote):
    """A verifier's vote."""

    claim_id: str
    verifier_id: VerifierId
    position: Annotated[int, Doc("Ledger position of the vote.")]


def source_view(source: dict[str, Any]) -> SourceView:
    """A source as a claim event (or the claims table) stores it; url and citation optional."""
    return from_row(SourceView, {"url": None, "citation": None} | source)


#: A claim's sources from its ClaimSubmitted event: the index's `data` where it keeps it (an
#: upcast event), else the stored body (JSON text either way).
SOURCES_OF = "COALESCE(json_extract(e.data, '$.sources'), json_extract(b.stored, '$.sources'))"


def _claim_view(r: dict[str, Any]) -> ClaimView:
    return from_row(
        ClaimView,
        r,
        sources=tuple(source_view(s) for s in json.loads(r["sources"])),
        languages=tuple(json.loads(r["languages"])),
    )


class ClaimFilter(TypedDict, total=False):
    """What `claims` and `claim_count` filter on; every filter given must match."""

    edition_id: str | None
    city_ids: Sequence[str] | None
    indicator_id: str | None
    status: str | None
    #: Claims readable in these languages (every source's language among them).
    languages: Sequence[str] | None
    claim_ids: Sequence[str] | None


def _claim_filter(f: ClaimFilter) -> tuple[str, list[Any]]:
    """The WHERE clause and parameters of a claim filter."""
    where: list[str] = ["1 = 1"]
    params: list[Any] = []
    for column in ("edition_id", "indicator_id", "status"):
        value = f.get(column)
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    for column, values in (("city_id", f.get("city_ids")), ("claim_id", f.get("claim_ids"))):
        if values is not None:
            where.append(f"{column} IN ({marks(values) or 'NULL'})")
            params.extend(values)
    languages = f.get("languages")
    if languages is not None and not languages:
        where.append("0 = 1")  # a reader of no language can read no claim
    elif languages is not None:
        # A claim is readable when every language of its sources is among the reader's.
        where.append(
            "NOT EXISTS (SELECT 1 FROM json_each(claims.languages) j "
            f"WHERE j.value NOT IN ({marks(languages)}))"
        )
        params.extend(languages)
    return " AND ".join(where), params


def claims(
    db: Database, *, limit: int | None = None, offset: int = 0, **filters: Unpack[ClaimFilter]
) -> list[ClaimView]:
    """Claims matching every filter given, in submission order (a page with `limit`)."""
    where, params = _claim_filter(filters)
    sql = f"SELECT * FROM claims WHERE {where} ORDER BY submitted_position"
    if limit is not None:
        sql += " LIMIT ? OFFSET ?"
        params.extend([limit, offset])
    # The sources are read from the submission's stored body (no copy in the claims table).
    sql = (
        f"SELECT q.*, (SELECT {SOURCES_OF} FROM events e JOIN event_bodies b "
        f"ON b.position = e.position WHERE e.position = q.submitted_position) AS sources "
        f"FROM ({sql}) q ORDER BY q.submitted_position"
    )
    return [_claim_view(r) for r in rows(db, sql, params)]


def claim_count(db: Database, **filters: Unpack[ClaimFilter]) -> int:
    """How many claims match the filters (as `claims` takes them)."""
    where, params = _claim_filter(filters)
    return int(db.execute(f"SELECT COUNT(*) FROM claims WHERE {where}", params).fetchone()[0])


def claim(db: Database, claim_id: str) -> ClaimView:
    """One claim, or UnknownId."""
    found = claims(db, claim_ids=[claim_id])
    if not found:
        raise UnknownId(f"claim {claim_id!r} does not exist", field="claim_id", value=claim_id)
    return found[0]


def rounds_for(db: Database, claim_ids: Sequence[str]) -> dict[str, list[RoundView]]:
    """Rounds per claim, in one statement."""
    ids = list(dict.fromkeys(claim_ids))
    sql = f"SELECT * FROM rounds WHERE claim_id IN ({marks(ids)}) ORDER BY claim_id, round_no"
    found = [from_row(RoundView, r) for r in rows(db, sql, ids)] if ids else []
    return grouped(found, lambda v: v.claim_id)


def votes_for(db: Database, claim_ids: Sequence[str]) -> dict[tuple[str, int], list[VoteView]]:
    """Votes per (claim, round), in one statement."""
    ids = list(dict.fromkeys(claim_ids))
    sql = f"SELECT * FROM votes WHERE claim_id IN ({marks(ids)}) ORDER BY position"
    found = [from_row(VoteView, r) for r in rows(db, sql, ids)] if ids else []
    return grouped(found, lambda v: (v.claim_id, v.round_no))
