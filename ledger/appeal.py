"""Appeal: a city's objection to one of its indicator scores, reviewed, then decided."""

from __future__ import annotations

from dataclasses import field
from datetime import datetime
from typing import Any

from eventsourcing.domain import Aggregate

from ledger import rounds
from ledger.claim import ACCEPTED, REJECTED
from ledger.errors import (
    InvalidInput,
    InvalidState,
    PermissionDenied,
)
from ledger.vocabulary import AppealStatus

FILED, UNDER_REVIEW, UPHELD, DISMISSED, WITHDRAWN = (
    AppealStatus.FILED,
    AppealStatus.UNDER_REVIEW,
    AppealStatus.UPHELD,
    AppealStatus.DISMISSED,
    AppealStatus.WITHDRAWN,
)
#: An appeal in one of these states may still change the record.
OPEN_STATES = (FILED, UNDER_REVIEW)
STATES = (FILED, UNDER_REVIEW, UPHELD, DISMISSED, WITHDRAWN)
#: Kept for callers of the first release, where an appeal was simply open.
OPEN = FILED


def correction_claim_id(appeal_id: str) -> str:
    """The id of the claim an upheld appeal records."""
    return f"{appeal_id}/correction"


class Appeal(rounds.Reviewable, kind="appeal", id_field="appeal_id"):
    """A city's appeal against an indicator score, with new evidence and its review."""

    ROUND_WORD = "review round"

    class AppealFiled(Aggregate.Created):
        """A city filed an appeal (the evidence fields were added later, with defaults)."""

        appeal_id: str
        edition_id: str
        city_id: str
        indicator_id: str | None
        text: str
        filed_by: str
        #: The claim disputed; None: no claim counted for the indicator.
        claim_id: str | None = None
        rung: int | None = None
        points: int | None = None
        sources: list[dict[str, Any]] | None = None
        #: The end of the appeal window the appeal was filed in (ISO-8601).
        deadline: str | None = None

    class AppealAnswered(Aggregate.Event):
        """An editor upheld or dismissed an appeal of the first release (no correction)."""

        decision: str
        response: str
        by: str

        def apply(self, aggregate: Appeal) -> None:
            """Record the decision."""
            aggregate.status = AppealStatus(self.decision)
            aggregate.open_round = None

    class AppealWithdrawn(Aggregate.Event):
        """The city withdrew its appeal."""

        reason: str
        by: str

        def apply(self, aggregate: Appeal) -> None:
            """Mark withdrawn and close any open review round."""
            aggregate.status = WITHDRAWN
            aggregate.open_round = None

    class AppealReviewOpened(rounds.Opened, Aggregate.Event):
        """A verification round on the appeal's evidence began."""

        def apply(self, aggregate: Appeal) -> None:
            """Open the round; the appeal is under review."""
            super().apply(aggregate)
            aggregate.status = UNDER_REVIEW

    class AppealVoteCast(rounds.Vote, Aggregate.Event):
        """A verifier accepted or rejected the appeal's evidence in the open round."""

    class AppealReviewClosed(rounds.Closed, Aggregate.Event):
        """A review round ended with an outcome under the edition's quorum."""

        def apply(self, aggregate: Appeal) -> None:
            """Close the round and remember its outcome."""
            super().apply(aggregate)
            aggregate.review_outcome = self.outcome

    class AppealDecided(Aggregate.Event):
        """An editor upheld (with the correcting claim) or dismissed the appeal, with reasons."""

        decision: str
        reasons: str
        by: str
        correction_claim_id: str | None

        def apply(self, aggregate: Appeal) -> None:
            """Record the decision."""
            aggregate.status = AppealStatus(self.decision)
            aggregate.open_round = None
            aggregate.correction_claim_id = self.correction_claim_id

    # The state the commands decide on, initialised from the created event (ledger.aggregate).
    appeal_id: str
    edition_id: str
    city_id: str
    indicator_id: str | None
    #: The claim disputed (None: no claim counted for the indicator).
    claim_id: str | None = None
    rung: int | None = None
    sources: list[dict[str, Any]] | None = None
    status: AppealStatus = field(init=False, default=FILED)
    #: The outcome of the latest closed review round (None: none closed yet).
    review_outcome: str | None = field(init=False, default=None)
    #: The claim an upheld appeal recorded (None: not upheld).
    correction_claim_id: str | None = field(init=False, default=None)

    @classmethod
    def file(cls, *, at: datetime | None = None, **fields: Any) -> Appeal:
        """Record a new appeal: AppealFiled's fields, validated by the caller's checks."""
        return cls._record(cls.AppealFiled, at, fields)

    @property
    def languages(self) -> set[str]:
        """Languages of the appeal's evidence."""
        return {str(s["language"]) for s in self.sources or []}

    @property
    def is_open(self) -> bool:
        """Whether the appeal awaits a decision."""
        return self.status in OPEN_STATES

    def withdraw(self, *, reason: str, by: str, city_id: str, at: datetime | None) -> None:
        """The city withdraws its open appeal."""
        if city_id != self.city_id:
            raise PermissionDenied(
                f"{city_id} may not withdraw appeal {self.appeal_id}: only {self.city_id} may",
                field="city_id",
                value=city_id,
            )
        self.require_reviewable()
        self.trigger_event(self.AppealWithdrawn, reason=reason, by=by, timestamp=at)

    def open_next_round(self, *, at: datetime | None, by: str | None = None) -> int:
        """Open the next review round on the appeal's evidence; return its number."""
        if self.is_open and not self.sources:
            raise InvalidState(
                f"appeal {self.appeal_id} carries no evidence to review",
                field="appeal_id",
                value=self.appeal_id,
            )
        return super().open_next_round(at=at, by=by)

    def require_decidable(self, decision: str) -> None:
        """Refuse a decision that is not upheld/dismissed, or that the review does not allow."""
        if decision not in (UPHELD, DISMISSED):
            raise InvalidInput(
                f"decision {decision!r} is not upheld or dismissed",
                field="decision",
                value=decision,
            )
        if not self.is_open:
            raise InvalidState(
                f"appeal {self.appeal_id} is already {self.status}",
                field="appeal_id",
                value=self.appeal_id,
            )
        if decision == UPHELD:
            if not self.sources or self.indicator_id is None or self.rung is None:
                raise InvalidState(
                    f"appeal {self.appeal_id} carries no evidence and rung to correct with",
                    field="appeal_id",
                    value=self.appeal_id,
                )
            if self.open_round is not None or self.review_outcome != ACCEPTED:
                found = "a round still open" if self.open_round else self.review_outcome
                raise InvalidState(
                    f"appeal {self.appeal_id} can be upheld only after a review round accepted "
                    f"its evidence (review: {found or 'none yet'})",
                    field="decision",
                    value=decision,
                )

    def decide(
        self,
        *,
        decision: str,
        reasons: str,
        by: str,
        correction_claim_id: str | None,
        at: datetime | None,
    ) -> None:
        """Uphold (naming the correcting claim) or dismiss the appeal, with reasons."""
        self.require_decidable(decision)
        self.trigger_event(
            self.AppealDecided,
            decision=decision,
            reasons=reasons,
            by=by,
            correction_claim_id=correction_claim_id if decision == UPHELD else None,
            timestamp=at,
        )

    @property
    def review_rejected(self) -> bool:
        """Whether the last review round rejected the evidence."""
        return self.review_outcome == REJECTED

    def require_reviewable(self) -> None:
        """An appeal changes only while it is open (filed or under review)."""
        if not self.is_open:
            raise InvalidState(
                f"appeal {self.appeal_id} is {self.status}, not open",
                field="appeal_id",
                value=self.appeal_id,
            )

    @property
    def round_events(self) -> rounds.RoundEvents:
        """An appeal's review rounds record AppealReviewOpened, AppealVoteCast and
        AppealReviewClosed."""
        return rounds.RoundEvents(
            self.AppealReviewOpened, self.AppealVoteCast, self.AppealReviewClosed
        )
