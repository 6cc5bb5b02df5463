"""Appeals read side: each appeal with its evidence, review rounds and anonymised notes; feedback.

The model owns its tables; the queries return frozen views and never load aggregates. What-if
answers fold an appeal's would-be correction onto a copy of the current ranking state.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, TypeVar

from sqlite_utils import Database

from ledger.appeal import OPEN_STATES, Appeal
from ledger.city import City
from ledger.claim import Claim
from ledger.doc import Doc, Qualifier
from ledger.edition import DEFAULT_APPEAL_WINDOW_DAYS, Edition
from ledger.errors import InvalidState, UnknownId
from ledger.feedback import Feedback
from ledger.fields import AppealId, Band, CityId, EditionId, ExactScore, Rank, Table, Time
from ledger.framework import Framework
from ledger.receipt import Receipt
from ledger.records import EventRecord, events_of
from ledger.verifier import Verifier
from ledger.vocabulary import RankingTable
from ledger.weights import WeightSet
from projections.batchrows import AggregateBatch, BatchedModel, BatchRows
from projections.catalogue import edition as edition_view
from projections.edition_state import edition_state_at
from projections.event_index import EventAt, event_data
from projections.evidence import (
    SOURCES_OF,
    CastVote,
    ReviewRound,
    SourceView,
    languages_text,
    source_view,
)
from projections.model import by_name, from_row, marks, rows, tracking_position
from projections.ranking import TABLES, placing_pair
from projections.rankings import tables_at
from projections.view import View
from projections.whatif import AppealFacts, bands_if

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS appeal_cases (appeal_id TEXT PRIMARY KEY, originator_id TEXT "
    "UNIQUE, edition_id TEXT, city_id TEXT, indicator_id TEXT, claim_id TEXT, rung INTEGER, "
    "points INTEGER, text TEXT, languages TEXT, filed_by TEXT, status TEXT, "
    "reasons TEXT, decided_by TEXT, filed_at TEXT, filed_position INTEGER, decided_at TEXT, "
    "decided_position INTEGER, deadline TEXT, correction_claim_id TEXT, withdrawn_reason TEXT, "
    "updated_position INTEGER)",
    "CREATE INDEX IF NOT EXISTS idx_appeal_cases_city ON appeal_cases (edition_id, city_id)",
    "CREATE TABLE IF NOT EXISTS appeal_rounds (appeal_id TEXT, round_no INTEGER, opened_at TEXT, "
    "closed_at TEXT, outcome TEXT, accepts INTEGER, rejects INTEGER, quorum INTEGER, "
    "PRIMARY KEY (appeal_id, round_no))",
    "CREATE TABLE IF NOT EXISTS appeal_votes (appeal_id TEXT, round_no INTEGER, verifier_id TEXT, "
    "decision TEXT, note TEXT, time TEXT, position INTEGER, "
    "PRIMARY KEY (appeal_id, round_no, verifier_id))",
    "CREATE TABLE IF NOT EXISTS feedback (feedback_id TEXT PRIMARY KEY, edition_id TEXT, "
    "city_id TEXT, text TEXT, given_by TEXT, time TEXT, position INTEGER)",
)
#: Event types that change an appeal (what appealUpdates streams).
APPEAL_EVENTS = tuple(sorted(events_of(Appeal)))

CASE_COLUMNS = (
    "appeal_id", "originator_id", "edition_id", "city_id", "indicator_id", "claim_id", "rung",
    "points", "text", "languages", "filed_by", "status", "reasons", "decided_by", "filed_at",
    "filed_position", "decided_at", "decided_position", "deadline", "correction_claim_id",
    "withdrawn_reason", "updated_position",
)  # fmt: skip
#: What a later event can change in an appeal row, and in a round row.
CASE_CHANGES = (
    "status", "reasons", "decided_by", "decided_at", "decided_position", "correction_claim_id",
    "withdrawn_reason", "updated_position",
)  # fmt: skip
ROUND_COLUMNS = (
    "appeal_id", "round_no", "opened_at", "closed_at", "outcome", "accepts", "rejects", "quorum",
)  # fmt: skip
ROUND_CHANGES = ("closed_at", "outcome", "accepts", "rejects", "quorum")
VOTE_COLUMNS = ("appeal_id", "round_no", "verifier_id", "decision", "note", "time", "position")
FEEDBACK_COLUMNS = ("feedback_id", "edition_id", "city_id", "text", "given_by", "time", "position")


class _Batch(AggregateBatch):
    """A batch's appeals, rounds, votes and feedback held in memory and written once."""

    def __init__(self, db: Database, records: list[EventRecord]) -> None:
        self.cases = BatchRows("appeal_cases", CASE_COLUMNS, ("appeal_id",), CASE_CHANGES)
        self.votes = BatchRows("appeal_votes", VOTE_COLUMNS, (), ())
        self.feedback = BatchRows("feedback", FEEDBACK_COLUMNS, (), ())
        super().__init__(
            db,
            records,
            main=self.cases,
            rounds=BatchRows(
                "appeal_rounds", ROUND_COLUMNS, ("appeal_id", "round_no"), ROUND_CHANGES
            ),
            appended=(self.votes, self.feedback),
            created=FILED,
            changed_by=HANDLERS,
        )

    def case(self, r: EventRecord, appeal_id: str, **values: Any) -> None:
        """Change an appeal's row (and note the position of its latest change)."""
        self.cases[appeal_id].update(values, updated_position=r.position)


Handler = Callable[[_Batch, EventRecord, str], None]
FILED = Appeal.AppealFiled.__name__
FEEDBACK = Feedback.FeedbackGiven.__name__


def _filed(batch: _Batch, r: EventRecord) -> None:
    d = r.data
    # The sources are read from this event's stored body when asked for (no copy here).
    batch.add(
        {
            "appeal_id": d["appeal_id"], "originator_id": r.originator_id,
            "edition_id": d["edition_id"], "city_id": d["city_id"],
            "indicator_id": d["indicator_id"], "claim_id": d.get("claim_id"),
            "rung": d.get("rung"), "points": d.get("points"), "text": d["text"],
            "languages": languages_text(d.get("sources") or []),
            "filed_by": d["filed_by"], "status": "filed", "reasons": None, "decided_by": None,
            "filed_at": r.instant, "filed_position": r.position,
            "decided_at": None, "decided_position": None, "deadline": d.get("deadline"),
            "correction_claim_id": None, "withdrawn_reason": None,
            "updated_position": r.position,
        }
    )  # fmt: skip


def _feedback(batch: _Batch, r: EventRecord) -> None:
    d = r.data
    batch.feedback.append(
        (d["feedback_id"], d["edition_id"], d["city_id"], d["text"], d["given_by"], r.instant,
         r.position)
    )  # fmt: skip


def _decided(batch: _Batch, r: EventRecord, appeal_id: str) -> None:
    d = r.data
    batch.case(
        r, appeal_id, status=d["decision"], reasons=d.get("reasons", d.get("response")),
        decided_by=d["by"], decided_at=r.instant, decided_position=r.position,
        correction_claim_id=d.get("correction_claim_id"),
    )  # fmt: skip


def _withdrawn(batch: _Batch, r: EventRecord, appeal_id: str) -> None:
    batch.case(
        r, appeal_id, status="withdrawn", withdrawn_reason=r.data["reason"],
        decided_by=r.data["by"], decided_at=r.instant, decided_position=r.position,
    )  # fmt: skip


def _round_opened(batch: _Batch, r: EventRecord, appeal_id: str) -> None:
    batch.rounds.add(
        {"appeal_id": appeal_id, "round_no": r.data["round_no"], "opened_at": r.instant,
         "closed_at": None, "outcome": None, "accepts": 0, "rejects": 0, "quorum": None},
    )  # fmt: skip
    batch.case(r, appeal_id, status="under_review")


def _vote(batch: _Batch, r: EventRecord, appeal_id: str) -> None:
    d = r.data
    batch.votes.append(
        (appeal_id, d["round_no"], d["verifier_id"], d["decision"], d["note"], r.instant,
         r.position)
    )  # fmt: skip
    held = batch.rounds[appeal_id, int(d["round_no"])]
    held["accepts"] += int(d["decision"] == "accept")
    held["rejects"] += int(d["decision"] == "reject")
    batch.case(r, appeal_id)


def _round_closed(batch: _Batch, r: EventRecord, appeal_id: str) -> None:
    d = r.data
    batch.rounds[appeal_id, int(d["round_no"])].update(
        closed_at=r.instant, outcome=d["outcome"], accepts=d["accepts"], rejects=d["rejects"],
        quorum=d["quorum"],
    )  # fmt: skip
    batch.case(r, appeal_id)


HANDLERS: dict[str, Handler] = by_name({
    Appeal.AppealAnswered: _decided,
    Appeal.AppealDecided: _decided,
    Appeal.AppealWithdrawn: _withdrawn,
    Appeal.AppealReviewOpened: _round_opened,
    Appeal.AppealVoteCast: _vote,
    Appeal.AppealReviewClosed: _round_closed,
})  # fmt: skip


class AppealCases(BatchedModel[_Batch]):
    """Appeals with their evidence, review rounds and votes; cities' feedback."""

    name = "appeals"
    tables = ("appeal_cases", "appeal_rounds", "appeal_votes", "feedback")
    batch = _Batch
    handles = events_of(Appeal, Feedback)
    ignores = events_of(City, Framework, WeightSet, Verifier, Edition, Claim, Receipt)
    #: Bump on any change to the tables or handlers (the follower then replays this model).
    #: 2: no copy of an appeal's sources (read from its filing event); batched writes.
    version = 2

    def create(self, db: Database) -> None:
        """Create the appeal tables."""
        for statement in SCHEMA:
            db.execute(statement)

    def fold(self, batch: _Batch, records: list[EventRecord]) -> None:
        """Fold the batch's appeal and feedback events into its rows."""
        ids = batch.ids
        for r in records:
            kind = r.type
            if kind == FILED:
                _filed(batch, r)
            elif kind == FEEDBACK:
                _feedback(batch, r)
            else:
                handler = HANDLERS.get(kind)
                if handler is not None:
                    handler(batch, r, ids[r.originator_id])


# ---- views -------------------------------------------------------------------------------


class AppealNote(CastVote):
    """A verifier's vote and note on an appeal's evidence; the verifier is anonymised."""

    verifier: Annotated[
        str, Doc("The verifier, anonymised as 'verifier N' by the order they first voted.")
    ]


class AppealRound(ReviewRound):
    """A review round of an appeal's evidence."""

    notes: Annotated[tuple[AppealNote, ...], Doc("Votes and notes, in order.")]


class AppealCase(View):
    """An appeal as it stands: what it disputes, its evidence, its review and its decision."""

    appeal_id: AppealId
    edition_id: EditionId
    city_id: CityId
    indicator_id: Annotated[str | None, Doc("Indicator whose score is disputed.")]
    claim_id: Annotated[str | None, Doc("The claim disputed (null: no claim was counted).")]
    rung: Annotated[int | None, Doc("The rung the city believes right.")]
    points: Annotated[int | None, Doc("Points of that rung.")]
    text: Annotated[str, Doc("The city's statement.")]
    sources: Annotated[tuple[SourceView, ...], Doc("The new evidence.")]
    languages: Annotated[tuple[str, ...], Doc("Languages of the evidence.")]
    filed_by: Annotated[str, Doc("Who filed it.")]
    status: Annotated[str, Doc("filed, under_review, upheld, dismissed or withdrawn.")]
    reasons: Annotated[str | None, Doc("The editor's reasons for the decision.")]
    decided_by: Annotated[str | None, Doc("Who decided (or withdrew).")]
    filed_at: Annotated[str, Doc("When filed (ISO 8601).")]
    filed_position: int
    decided_at: Annotated[str | None, Doc("When decided or withdrawn.")]
    deadline: Annotated[str | None, Doc("End of the window it was filed in.")]
    correction_claim_id: Annotated[str | None, Doc("The accepted claim an upheld appeal recorded.")]
    withdrawn_reason: Annotated[str | None, Doc("Why the city withdrew it.")]
    updated_position: int
    rounds: Annotated[
        tuple[AppealRound, ...],
        Doc("Review rounds with the verifiers' notes (verifiers anonymised)."),
    ]

    @property
    def is_open(self) -> bool:
        """Whether the appeal awaits a decision."""
        return self.status in OPEN_STATES


class FeedbackView(View):
    """A city's feedback on an edition."""

    feedback_id: Annotated[str, Doc("Feedback id.")]
    edition_id: EditionId
    city_id: CityId
    text: Annotated[str, Doc("The feedback.")]
    given_by: Annotated[str, Doc("Who gave it.")]
    time: Time
    position: int


T = TypeVar("T")
#: A what-if row's field as it stands, or as it would stand if the appeal were upheld.
Now = Annotated[T, Qualifier("now")]
IfUpheld = Annotated[T, Qualifier("if the appeal were upheld")]


class WhatIfRow(View):
    """A city's row in one table now and if the appeal were upheld."""

    table: Table
    band_now: Now[Band]
    band_if_upheld: IfUpheld[Band]
    rank_now: Now[Rank]
    rank_if_upheld: IfUpheld[Rank]
    score_now: Now[ExactScore]
    score_if_upheld: IfUpheld[ExactScore]


class WhatIf(View):
    """What upholding an open appeal would do to its city, computed and not recorded."""

    appeal_id: AppealId
    city_id: CityId
    position: Annotated[int, Doc("Ledger position of the current state used.")]
    rows: Annotated[tuple[WhatIfRow, ...], Doc("One row per table.")]


class DocketEntry(View):
    """An open appeal on the editors' docket."""

    appeal: Annotated[AppealCase, Doc("The appeal.")]
    age_days: Annotated[int, Doc("Whole days since it was filed.")]


# ---- queries -----------------------------------------------------------------------------


def _rounds(db: Database, appeal_ids: Sequence[str]) -> dict[str, list[AppealRound]]:
    out: dict[str, list[AppealRound]] = {a: [] for a in appeal_ids}
    if not appeal_ids:
        return out
    votes = rows(
        db,
        f"SELECT * FROM appeal_votes WHERE appeal_id IN ({marks(appeal_ids)}) ORDER BY position",
        appeal_ids,
    )
    labels: dict[tuple[str, str], str] = {}
    notes: dict[tuple[str, int], list[AppealNote]] = {}
    for v in votes:
        # Verifiers are named by the order they first voted on this appeal, never by id.
        key = (v["appeal_id"], v["verifier_id"])
        label = labels.setdefault(
            key, f"verifier {sum(1 for a, _ in labels if a == v['appeal_id']) + 1}"
        )
        notes.setdefault((v["appeal_id"], v["round_no"]), []).append(
            from_row(AppealNote, v, verifier=label)
        )
    for r in rows(
        db,
        f"SELECT * FROM appeal_rounds WHERE appeal_id IN ({marks(appeal_ids)}) "
        "ORDER BY appeal_id, round_no",
        appeal_ids,
    ):
        out[r["appeal_id"]].append(
            from_row(AppealRound, r, notes=tuple(notes.get((r["appeal_id"], r["round_no"]), [])))
        )
    return out


def _case(r: dict[str, Any], rounds: list[AppealRound]) -> AppealCase:
    return from_row(
        AppealCase,
        r,
        sources=tuple(source_view(s) for s in json.loads(r["sources"])),
        languages=tuple(json.loads(r["languages"])),
        rounds=tuple(rounds),
    )


def appeals(
    db: Database,
    *,
    edition_id: str | None = None,
    city_id: str | None = None,
    appeal_id: str | None = None,
    statuses: Sequence[str] | None = None,
) -> list[AppealCase]:
    """Appeals, oldest first, filtered by edition, city, id and status."""
    where: list[str] = ["1 = 1"]
    params: list[Any] = []
    filters = (("edition_id", edition_id), ("city_id", city_id), ("appeal_id", appeal_id))
    for column, value in filters:
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    if statuses is not None:
        where.append(f"status IN ({marks(statuses) or 'NULL'})")
        params.extend(statuses)
    # The sources are read from the filing event's stored body (no copy in appeal_cases).
    found = rows(
        db,
        f"SELECT q.*, (SELECT COALESCE({SOURCES_OF}, '[]') FROM events e JOIN event_bodies b "
        "ON b.position = e.position WHERE e.position = q.filed_position) AS sources "
        f"FROM appeal_cases q WHERE {' AND '.join(where)} ORDER BY q.filed_position",
        params,
    )
    rounds = _rounds(db, [r["appeal_id"] for r in found])
    return [_case(r, rounds[r["appeal_id"]]) for r in found]


def appeal(db: Database, appeal_id: str, city_id: str | None = None) -> AppealCase:
    """One appeal, or UnknownId; with `city_id`, another city's appeal is answered as unknown."""
    found = appeals(db, appeal_id=appeal_id, city_id=city_id)
    if not found:
        raise UnknownId(f"appeal {appeal_id!r} does not exist", field="appeal_id", value=appeal_id)
    return found[0]


def docket(
    db: Database, edition_id: str | None = None, now: datetime | None = None
) -> list[DocketEntry]:
    """Open appeals, nearest deadline first, then oldest first, with their age in days."""
    moment = now or datetime.now(UTC)
    found = appeals(db, edition_id=edition_id, statuses=OPEN_STATES)
    found.sort(key=lambda a: (a.deadline or "", a.filed_position))
    return [
        DocketEntry(appeal=a, age_days=max(0, (moment - datetime.fromisoformat(a.filed_at)).days))
        for a in found
    ]


def feedback(
    db: Database, edition_id: str | None = None, city_id: str | None = None
) -> list[FeedbackView]:
    """Feedback, oldest first, optionally of one edition and one city."""
    where, params = ["1 = 1"], list[Any]()
    for column, value in (("edition_id", edition_id), ("city_id", city_id)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    return [
        FeedbackView(**r)
        for r in rows(
            db, f"SELECT * FROM feedback WHERE {' AND '.join(where)} ORDER BY position", params
        )
    ]


def what_if(db: Database, appeal_id: str, city_id: str | None = None) -> WhatIf:
    """The city's rows now and if the open appeal were upheld, on a copy of the current state."""
    case = appeal(db, appeal_id, city_id)
    if not case.is_open or case.indicator_id is None or case.points is None:
        raise InvalidState(
            f"appeal {appeal_id} is {case.status}; a what-if needs an open appeal with evidence",
            field="appeal_id",
            value=appeal_id,
        )
    position = tracking_position(db)
    facts = from_row(AppealFacts, vars(case))
    # The rows now are the standings' own; only the upheld case is folded, on a copy.
    now = {
        view.table: row
        for view in tables_at(db, case.edition_id, TABLES, position)
        for row in view.rows
        if row.city_id == case.city_id
    }
    # Only the edition's own state: the cost follows the edition, not the log.
    then = bands_if(
        edition_state_at(db, case.edition_id, position), case.edition_id, facts.records()
    )
    found = tuple(
        WhatIfRow(
            table=RankingTable(table),
            **placing_pair(now[table], then[(table, case.city_id)], "{}_now", "{}_if_upheld"),
        )
        for table in TABLES
    )
    return WhatIf(appeal_id=appeal_id, city_id=case.city_id, position=position, rows=found)


class AppealChange(EventAt):
    """An event that changed an appeal, with the appeal as it stands now."""

    appeal: Annotated[AppealCase, Doc("The appeal as it stands now.")]


def appeal_changes(
    db: Database,
    after: int,
    city_id: str | None = None,
    limit: int = 100,
    upto: int | None = None,
) -> list[AppealChange]:
    """Changes to appeals in (after, upto], in ledger order (of one city, if given)."""
    sql = (
        "SELECT e.position, e.type, c.appeal_id FROM events e JOIN appeal_cases c "
        "ON c.originator_id = e.originator_id WHERE e.position > ? "
        f"AND e.type IN ({marks(APPEAL_EVENTS)})"
    )
    params: list[Any] = [after, *APPEAL_EVENTS]
    if upto is not None:
        sql += " AND e.position <= ?"
        params.append(upto)
    if city_id is not None:
        sql += " AND c.city_id = ?"
        params.append(city_id)
    rows = db.execute(sql + " ORDER BY e.position LIMIT ?", [*params, limit]).fetchall()
    cases = {a.appeal_id: a for a in appeals(db, city_id=city_id)} if rows else {}
    return [AppealChange(position=int(p), type=str(t), appeal=cases[str(a)]) for p, t, a in rows]


class AppealWindow(View):
    """An edition's appeal window: its length and when the current one closes."""

    edition_id: EditionId
    days: Annotated[int, Doc("Days after a publication that appeals are taken.")]
    deadline: Annotated[
        str | None, Doc("When the current window closes (null: nothing published yet).")
    ]


def appeal_window(db: Database, edition_id: str) -> AppealWindow:
    """The window in force: days after the latest publication (None before any publication)."""
    edition_view(db, edition_id)
    row = db.execute(
        "SELECT b.stored, e.data FROM events e JOIN event_bodies b ON b.position = e.position "
        "WHERE e.type = 'AppealWindowSet' AND e.edition_id = ? ORDER BY e.position DESC LIMIT 1",
        [edition_id],
    ).fetchone()
    days = int(event_data(row[0], row[1])["days"]) if row else DEFAULT_APPEAL_WINDOW_DAYS
    last = db.execute(
        "SELECT time FROM publications WHERE edition_id = ? ORDER BY publication_no DESC LIMIT 1",
        [edition_id],
    ).fetchone()
    if last is None:
        return AppealWindow(edition_id=edition_id, days=days, deadline=None)
    deadline = datetime.fromisoformat(str(last[0])) + timedelta(days=days)
    return AppealWindow(edition_id=edition_id, days=days, deadline=deadline.isoformat())
