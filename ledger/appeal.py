"""Appeal: a city's objection to one of its indicator scores, reviewed, then decided."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from ledger import rounds
from ledger.claim import ACCEPTED, REJECTED, decide
from ledger.errors import (
    InvalidInput,
    InvalidState,
    PermissionDenied,
)
from ledger.ids import aggregate_id
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


class Appeal(Aggregate):
    """A city's appeal against an indicator score, with new evidence and its review."""

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

    class AppealReviewOpened(Aggregate.Event):
        """A verification round on the appeal's evidence began."""

        round_no: int
        #: Who opened it (None: unnamed).
        by: str | None = None

        def apply(self, aggregate: Appeal) -> None:
            """Open the round; the appeal is under review."""
            aggregate.status = UNDER_REVIEW
            aggregate.open_round = self.round_no
            aggregate.rounds.append({})

    class AppealVoteCast(Aggregate.Event):
        """A verifier accepted or rejected the appeal's evidence in the open round."""

        round_no: int
        verifier_id: str
        decision: str
        note: str

        def apply(self, aggregate: Appeal) -> None:
            """Record the vote."""
            aggregate.rounds[self.round_no - 1][self.verifier_id] = self.decision

    class AppealReviewClosed(Aggregate.Event):
        """A review round ended with an outcome under the edition's quorum."""

        round_no: int
        outcome: str
        accepts: int
        rejects: int
        quorum: int
        #: Who closed it (None: unnamed).
        by: str | None = None

        def apply(self, aggregate: Appeal) -> None:
            """Close the round and remember its outcome."""
            aggregate.open_round = None
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

    def __init__(
        self,
        appeal_id: str,
        edition_id: str,
        city_id: str,
        indicator_id: str | None,
        text: str,
        filed_by: str,
        claim_id: str | None = None,
        rung: int | None = None,
        points: int | None = None,
        sources: list[dict[str, Any]] | None = None,
        deadline: str | None = None,
    ) -> None:
        self.appeal_id = appeal_id
        self.edition_id = edition_id
        self.city_id = city_id
        self.indicator_id = indicator_id
        self.text = text
        self.filed_by = filed_by
        self.claim_id = claim_id
        self.rung = rung
        self.points = points
        self.sources = sources
        self.deadline = deadline
        self.status = FILED
        self.open_round: int | None = None
        self.rounds: list[dict[str, str]] = []
        self.review_outcome: str | None = None
        self.correction_claim_id: str | None = None

    @staticmethod
    def key(appeal_id: str) -> UUID:
        """Aggregate id of the appeal with this id."""
        return aggregate_id("appeal", appeal_id)

    @classmethod
    def file(
        cls,
        appeal_id: str,
        edition_id: str,
        city_id: str,
        indicator_id: str | None,
        text: str,
        filed_by: str,
        at: datetime | None,
        *,
        claim_id: str | None = None,
        rung: int | None = None,
        points: int | None = None,
        sources: list[dict[str, Any]] | None = None,
        deadline: str | None = None,
    ) -> Appeal:
        """Record a new appeal (its arguments are validated by the caller's checks)."""
        return cls._create(
            cls.AppealFiled,
            id=cls.key(appeal_id),
            appeal_id=appeal_id,
            edition_id=edition_id,
            city_id=city_id,
            indicator_id=indicator_id,
            text=text,
            filed_by=filed_by,
            claim_id=claim_id,
            rung=rung,
            points=points,
            sources=sources,
            deadline=deadline,
            timestamp=at,
        )

    @property
    def languages(self) -> set[str]:
        """Languages of the appeal's evidence."""
        return {str(s["language"]) for s in self.sources or []}

    @property
    def is_open(self) -> bool:
        """Whether the appeal awaits a decision."""
        return self.status in OPEN_STATES

    def withdraw(self, reason: str, by: str, city_id: str, at: datetime | None) -> None:
        """The city withdraws its open appeal."""
        if city_id != self.city_id:
            raise PermissionDenied(
                f"{city_id} may not withdraw appeal {self.appeal_id}: only {self.city_id} may",
                field="city_id",
                value=city_id,
            )
        self._require_open()
        self.trigger_event(self.AppealWithdrawn, reason=reason, by=by, timestamp=at)

    def open_review(self, at: datetime | None, by: str | None = None) -> int:
        """Open the next verification round on the appeal's evidence; return its number."""
        self._require_open()
        if not self.sources:
            raise InvalidState(
                f"appeal {self.appeal_id} carries no evidence to review",
                field="appeal_id",
                value=self.appeal_id,
            )
        number = rounds.next_round(self._reviewed, self.open_round, self.rounds)
        self.trigger_event(self.AppealReviewOpened, round_no=number, by=by, timestamp=at)
        return number

    def cast_vote(
        self,
        verifier_id: str,
        verifier_languages: set[str],
        decision: str,
        note: str,
        at: datetime | None,
    ) -> int:
        """Record one verifier's vote in the open review round; return the round number."""
        rounds.check_decision(decision)
        self._require_open()
        round_no = rounds.open_round_no(self._reviewed, self.open_round)
        rounds.check_voter(
            self._reviewed,
            self.rounds[round_no - 1],
            round_no,
            self.languages,
            verifier_id,
            verifier_languages,
        )
        self.trigger_event(
            self.AppealVoteCast,
            round_no=round_no,
            verifier_id=verifier_id,
            decision=decision,
            note=note,
            timestamp=at,
        )
        return round_no

    def close_review(self, quorum: int, at: datetime | None, by: str | None = None) -> str:
        """Close the open review round under the quorum (the claims' rule); return its outcome."""
        self._require_open()
        round_no = rounds.open_round_no(self._reviewed, self.open_round)
        accepts, rejects = rounds.tally(self.rounds[round_no - 1])
        outcome = decide(accepts, rejects, quorum)
        self.trigger_event(
            self.AppealReviewClosed,
            round_no=round_no,
            outcome=outcome,
            accepts=accepts,
            rejects=rejects,
            quorum=quorum,
            by=by,
            timestamp=at,
        )
        return outcome

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

    def _require_open(self) -> None:
        if not self.is_open:
            raise InvalidState(
                f"appeal {self.appeal_id} is {self.status}, not open",
                field="appeal_id",
                value=self.appeal_id,
            )

    @property
    def _reviewed(self) -> rounds.Reviewed:
        return rounds.Reviewed("appeal", self.appeal_id, "review round")
