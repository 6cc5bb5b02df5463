"""Appeals and feedback: a city's appeals with their review, the docket, what-ifs and the
appeal window."""

from __future__ import annotations

import strawberry

from graphql_api.arguments import Id
from graphql_api.context import Info
from graphql_api.features.claims import Source
from graphql_api.fields import field as query
from graphql_api.inputs import (
    AppealStatus,
)
from graphql_api.permissions import (
    CanAskWhatIf,
    CanSeeAppeals,
    CanSeeDocket,
    Public,
)
from graphql_api.scalars import Exact, RankingTableName
from ledger.errors import PermissionDenied
from projections import appeals as docket
from projections.appeals import (
    AppealCase,
    AppealNote,
    AppealRound,
    AppealWindow,
    DocketEntry,
    FeedbackView,
    WhatIf,
    WhatIfRow,
)
from projections.model import tracking_position


@strawberry.type(description="A verifier's vote and note on an appeal's evidence (anonymised).")
class AppealVerifierNote:
    """A note."""

    round_no: int = strawberry.field(description="Review round.")
    verifier: str = strawberry.field(
        description="The verifier, anonymised as 'verifier N' by the order they first voted."
    )
    decision: str = strawberry.field(description="accept or reject.")
    note: str = strawberry.field(description="The verifier's note.")
    time: str = strawberry.field(description="When the vote was cast (ISO 8601).")

    @classmethod
    def from_view(cls, v: AppealNote) -> AppealVerifierNote:
        """From the read view."""
        return cls(
            round_no=v.round_no, verifier=v.verifier, decision=v.decision, note=v.note, time=v.time
        )


@strawberry.type(description="A verification round on an appeal's evidence.")
class AppealReviewRound:
    """A review round."""

    round_no: int = strawberry.field(description="Round number, from 1.")
    opened_at: str = strawberry.field(description="When it opened (ISO 8601).")
    closed_at: str | None = strawberry.field(description="When it closed, if it has.")
    outcome: str | None = strawberry.field(description="accepted, rejected or undecided.")
    accepts: int = strawberry.field(description="Accepting votes.")
    rejects: int = strawberry.field(description="Rejecting votes.")
    quorum: int | None = strawberry.field(description="Quorum applied at closing.")
    notes: list[AppealVerifierNote] = strawberry.field(description="Votes and notes, in order.")

    @classmethod
    def from_view(cls, v: AppealRound) -> AppealReviewRound:
        """From the read view."""
        return cls(
            round_no=v.round_no, opened_at=v.opened_at, closed_at=v.closed_at,
            outcome=v.outcome, accepts=v.accepts, rejects=v.rejects, quorum=v.quorum,
            notes=[AppealVerifierNote.from_view(n) for n in v.notes],
        )  # fmt: skip


@strawberry.type(description="A city's appeal against an indicator score, its review and decision.")
class Appeal:
    """An appeal."""

    appeal_id: str = strawberry.field(description="Appeal id.")
    edition_id: str = strawberry.field(description="Edition id.")
    city_id: str = strawberry.field(description="City id.")
    indicator_id: str | None = strawberry.field(description="Indicator whose score is disputed.")
    claim_id: str | None = strawberry.field(
        description="The claim disputed (null: no claim was counted)."
    )
    rung: int | None = strawberry.field(description="The rung the city believes right.")
    points: int | None = strawberry.field(description="Points of that rung.")
    text: str = strawberry.field(description="The city's statement.")
    sources: list[Source] = strawberry.field(description="The new evidence.")
    languages: list[str] = strawberry.field(description="Languages of the evidence.")
    filed_by: str = strawberry.field(description="Who filed it.")
    status: str = strawberry.field(
        description="filed, under_review, upheld, dismissed or withdrawn."
    )
    reasons: str | None = strawberry.field(description="The editor's reasons for the decision.")
    decided_by: str | None = strawberry.field(description="Who decided (or withdrew).")
    filed_at: str = strawberry.field(description="When filed (ISO 8601).")
    decided_at: str | None = strawberry.field(description="When decided or withdrawn.")
    deadline: str | None = strawberry.field(description="End of the window it was filed in.")
    correction_claim_id: str | None = strawberry.field(
        description="The accepted claim an upheld appeal recorded."
    )
    withdrawn_reason: str | None = strawberry.field(description="Why the city withdrew it.")
    review: list[AppealReviewRound] = strawberry.field(
        description="Review rounds with the verifiers' notes (verifiers anonymised)."
    )

    @classmethod
    def from_view(cls, v: AppealCase) -> Appeal:
        """From the read view."""
        return cls(
            appeal_id=v.appeal_id, edition_id=v.edition_id, city_id=v.city_id,
            indicator_id=v.indicator_id, claim_id=v.claim_id, rung=v.rung, points=v.points,
            text=v.text, sources=[Source.from_view(s) for s in v.sources],
            languages=list(v.languages), filed_by=v.filed_by, status=v.status,
            reasons=v.reasons, decided_by=v.decided_by, filed_at=v.filed_at,
            decided_at=v.decided_at, deadline=v.deadline,
            correction_claim_id=v.correction_claim_id, withdrawn_reason=v.withdrawn_reason,
            review=[AppealReviewRound.from_view(r) for r in v.rounds],
        )  # fmt: skip


@strawberry.type(description="Appeals and the position they were read at.")
class Appeals:
    """A list of appeals."""

    position: int = strawberry.field(description="Read-model position of the answer.")
    items: list[Appeal] = strawberry.field(description="Appeals, oldest first.")


@strawberry.type(description="An open appeal on the editors' docket.")
class DocketItem:
    """A docket entry."""

    appeal: Appeal = strawberry.field(description="The appeal.")
    age_days: int = strawberry.field(description="Whole days since it was filed.")

    @classmethod
    def from_view(cls, v: DocketEntry) -> DocketItem:
        """From the read view."""
        return cls(appeal=Appeal.from_view(v.appeal), age_days=v.age_days)


@strawberry.type(description="A city's row in one table now and if its appeal were upheld.")
class WhatIfTableRow:
    """A what-if row."""

    table: RankingTableName = strawberry.field(description="Which table.")
    band_now: str = strawberry.field(description="The city's band now.")
    band_if_upheld: str = strawberry.field(description="Its band if the appeal were upheld.")
    rank_now: int = strawberry.field(description="Its rank now.")
    rank_if_upheld: int = strawberry.field(description="Its rank if upheld.")
    score_now: Exact = strawberry.field(description="Its exact score now.")
    score_if_upheld: Exact = strawberry.field(description="Its exact score if upheld.")

    @classmethod
    def from_view(cls, v: WhatIfRow) -> WhatIfTableRow:
        """From the read view."""
        return cls(
            table=RankingTableName(v.table), band_now=v.band_now,
            band_if_upheld=v.band_if_upheld, rank_now=v.rank_now,
            rank_if_upheld=v.rank_if_upheld, score_now=Exact(value=v.score_now),
            score_if_upheld=Exact(value=v.score_if_upheld),
        )  # fmt: skip


@strawberry.type(description="What upholding an open appeal would do, computed and not recorded.")
class AppealWhatIf:
    """A what-if."""

    appeal_id: str = strawberry.field(description="Appeal id.")
    city_id: str = strawberry.field(description="City id.")
    position: int = strawberry.field(description="Ledger position of the current state used.")
    rows: list[WhatIfTableRow] = strawberry.field(description="One row per table.")

    @classmethod
    def from_view(cls, v: WhatIf) -> AppealWhatIf:
        """From the read view."""
        return cls(
            appeal_id=v.appeal_id, city_id=v.city_id, position=v.position,
            rows=[WhatIfTableRow.from_view(r) for r in v.rows],
        )  # fmt: skip


@strawberry.type(description="A city's plain feedback on an edition (not an appeal).")
class Feedback:
    """Feedback."""

    feedback_id: str = strawberry.field(description="Feedback id.")
    edition_id: str = strawberry.field(description="Edition id.")
    city_id: str = strawberry.field(description="City id.")
    text: str = strawberry.field(description="The feedback.")
    given_by: str = strawberry.field(description="Who gave it.")
    time: str = strawberry.field(description="When (ISO 8601).")

    @classmethod
    def from_view(cls, v: FeedbackView) -> Feedback:
        """From the read view."""
        return cls(
            feedback_id=v.feedback_id, edition_id=v.edition_id, city_id=v.city_id,
            text=v.text, given_by=v.given_by, time=v.time,
        )  # fmt: skip


@strawberry.type(description="An edition's appeal window.")
class AppealWindowInfo:
    """An appeal window."""

    edition_id: str = strawberry.field(description="Edition id.")
    days: int = strawberry.field(description="Days after a publication that appeals are taken.")
    deadline: str | None = strawberry.field(
        description="When the current window closes (null: nothing published yet)."
    )

    @classmethod
    def from_view(cls, v: AppealWindow) -> AppealWindowInfo:
        """From the read view."""
        return cls(edition_id=v.edition_id, days=v.days, deadline=v.deadline)


@strawberry.type(description="A change to an appeal, streamed to its city and to editors.")
class AppealUpdate:
    """An appeal update."""

    position: int = strawberry.field(description="Ledger position of the change.")
    type: str = strawberry.field(description="Event type, like AppealReviewClosed.")
    appeal: Appeal = strawberry.field(description="The appeal as it stands now.")


def _own_city(info: Info) -> str | None:
    """The city a city token confines reads to (None for other roles)."""
    v = info.context.viewer
    return (v.city_id or "") if v.role == "city" else None


@strawberry.type
class AppealsQuery:
    """The appeals fields of the Query root."""

    @query("Appeals, oldest first, optionally by status; a city sees its own.", CanSeeAppeals)
    def appeals(
        self, info: Info, edition: str | None = None, status: AppealStatus | None = None
    ) -> Appeals:
        """Appeals."""
        db = info.context.db
        found = docket.appeals(
            db, edition_id=edition, city_id=_own_city(info),
            statuses=None if status is None else [status.value],
        )  # fmt: skip
        return Appeals(position=tracking_position(db), items=[Appeal.from_view(a) for a in found])

    @query(
        "One appeal with its review and the verifiers' notes (anonymised); another city's "
        "appeal is answered like an unknown id.",
        CanSeeAppeals,
    )
    def appeal(self, info: Info, id: Id) -> Appeal:
        """An appeal."""
        return Appeal.from_view(docket.appeal(info.context.db, id, _own_city(info)))

    @query("An edition's appeal window and when the current one closes.", Public)
    def appeal_window(self, info: Info, edition: Id) -> AppealWindowInfo:
        """The appeal window."""
        return AppealWindowInfo.from_view(docket.appeal_window(info.context.db, edition))

    @query("The docket: open appeals, nearest deadline first, then oldest.", CanSeeDocket)
    def appeal_docket(self, info: Info, edition: str | None = None) -> list[DocketItem]:
        """The docket."""
        return [DocketItem.from_view(d) for d in docket.docket(info.context.db, edition)]

    @query(
        "The band, rank and score the appeal's city would have in each table if the open "
        "appeal were upheld, computed on a copy of the current state and not recorded.",
        CanAskWhatIf,
    )
    def appeal_what_if(self, info: Info, id: Id) -> AppealWhatIf:
        """What-if."""
        return AppealWhatIf.from_view(docket.what_if(info.context.db, id, _own_city(info)))

    @query("Cities' plain feedback, oldest first; a city sees its own.", CanSeeAppeals)
    def feedback(
        self, info: Info, edition: str | None = None, city: str | None = None
    ) -> list[Feedback]:
        """Feedback."""
        own = _own_city(info)
        if own is not None and city not in (None, own):
            raise PermissionDenied("a city sees only its own feedback", field="city", value=city)
        found = docket.feedback(info.context.db, edition, own or city)
        return [Feedback.from_view(f) for f in found]
