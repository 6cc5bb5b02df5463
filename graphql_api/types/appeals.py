"""Appeal and publication output types: appeals with their review, what-ifs, the docket,
feedback, and publications with their corrections and diffs."""

from __future__ import annotations

import strawberry

from graphql_api.types.evidence import Source
from graphql_api.types.scalars import Exact, RankingTableName
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
from projections.publications import Cause, PublicationDiff, PublishedChange


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


@strawberry.type(description="A decision that moved a band between two publications.")
class ChangeCause:
    """A cause."""

    position: int = strawberry.field(description="Ledger position of the decision.")
    type: str = strawberry.field(description="Event type, like ClaimAcceptedOnAppeal.")
    claim_id: str | None = strawberry.field(description="The claim decided, if any.")
    appeal_id: str | None = strawberry.field(description="The appeal upheld, if any.")

    @classmethod
    def from_view(cls, v: Cause) -> ChangeCause:
        """From the read view."""
        return cls(position=v.position, type=v.type, claim_id=v.claim_id, appeal_id=v.appeal_id)


@strawberry.type(description="A city whose band in a table differs between two publications.")
class PublicationChange:
    """A band change between publications."""

    table: RankingTableName = strawberry.field(description="Which table.")
    city_id: str = strawberry.field(description="City id.")
    name_en: str = strawberry.field(description="English name.")
    band_before: str = strawberry.field(description="Band in the earlier publication.")
    band_after: str = strawberry.field(description="Band in the later publication.")
    causes: list[ChangeCause] = strawberry.field(
        description="The appeals and decisions a correction recorded as causing it."
    )

    @classmethod
    def from_view(cls, v: PublishedChange) -> PublicationChange:
        """From the read view."""
        return cls(
            table=RankingTableName(v.table), city_id=v.city_id, name_en=v.name_en,
            band_before=v.before, band_after=v.after,
            causes=[ChangeCause.from_view(c) for c in v.causes],
        )  # fmt: skip


@strawberry.type(description="What changed between two publications of an edition.")
class PublicationDiffResult:
    """A publication diff."""

    edition_id: str = strawberry.field(description="Edition id.")
    a: int = strawberry.field(description="The first publication's number.")
    b: int = strawberry.field(description="The second publication's number.")
    changes: list[PublicationChange] = strawberry.field(description="Every band change.")

    @classmethod
    def from_view(cls, v: PublicationDiff) -> PublicationDiffResult:
        """From the read view."""
        return cls(
            edition_id=v.edition_id, a=v.a, b=v.b,
            changes=[PublicationChange.from_view(c) for c in v.changes],
        )  # fmt: skip
