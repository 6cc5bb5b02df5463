"""Evidence claim: a city holds a rung of an indicator, verified over rounds of votes."""

from __future__ import annotations

from dataclasses import field
from datetime import datetime
from typing import Any

from eventsourcing.domain import Aggregate

from ledger import rounds
from ledger.errors import (
    ClaimNotOpen,
    InvalidInput,
    PermissionDenied,
)
from ledger.rounds import decide, status_after_round
from ledger.vocabulary import ClaimStatus

PENDING, ACCEPTED, REJECTED, WITHDRAWN, SUPERSEDED = ClaimStatus
#: Re-exported: the round rules live in ledger.rounds.
__all__ = ["Claim", "decide", "status_after_round"]


class Claim(rounds.Reviewable, kind="claim", id_field="claim_id"):
    """A claim that a city stands on a rung of an indicator, with its sources and verification."""

    class ClaimSubmitted(Aggregate.Created):
        """A researcher submitted evidence for a rung."""

        claim_id: str
        edition_id: str
        city_id: str
        indicator_id: str
        rung: int
        points: int
        sources: list[dict[str, Any]]
        submitted_by: str
        supersedes: str | None

    class ClaimWithdrawn(Aggregate.Event):
        """The claim no longer counts, by its submitter's or an editor's decision."""

        reason: str
        by: str

        def apply(self, aggregate: Claim) -> None:
            """Mark withdrawn and close any open round."""
            aggregate.status = WITHDRAWN
            aggregate.open_round = None

    class ClaimSuperseded(Aggregate.Event):
        """A newer claim replaced this one, which no longer counts.

        Recorded when the newer claim is accepted, in the same save as its closing round
        (logs written before that rule recorded it when the newer claim was submitted).
        """

        superseded_by: str
        #: Added later, with a default: events recorded before it decode with None.
        by: str | None = None

        def apply(self, aggregate: Claim) -> None:
            """Mark superseded and close any open round."""
            aggregate.status = SUPERSEDED
            aggregate.open_round = None

    class ClaimAcceptedOnAppeal(Aggregate.Event):
        """An upheld appeal's evidence became this accepted claim (its review was the appeal's)."""

        appeal_id: str
        #: The editor who upheld the appeal.
        by: str | None = None

        def apply(self, aggregate: Claim) -> None:
            """Mark accepted."""
            aggregate.status = ACCEPTED
            aggregate.open_round = None

    class RoundOpened(rounds.Opened, Aggregate.Event):
        """A verification round began."""

    class VoteCast(rounds.Vote, Aggregate.Event):
        """A verifier accepted or rejected the evidence in the open round."""

    class RoundClosed(rounds.Closed, Aggregate.Event):
        """A round ended with an outcome under the edition's quorum."""

        def apply(self, aggregate: Claim) -> None:
            """Close the round and set the status its outcome decides."""
            super().apply(aggregate)
            aggregate.status = status_after_round(self.outcome) or aggregate.status

    # The state the commands decide on, initialised from the created event (ledger.aggregate).
    claim_id: str
    edition_id: str
    city_id: str
    indicator_id: str
    sources: list[dict[str, Any]]
    submitted_by: str
    supersedes: str | None
    status: ClaimStatus = field(init=False, default=PENDING)

    @classmethod
    def submit(cls, *, at: datetime | None = None, **fields: Any) -> Claim:
        """Record a new claim: ClaimSubmitted's fields, validated by the caller's checks."""
        return cls._record(cls.ClaimSubmitted, at, fields)

    @property
    def languages(self) -> set[str]:
        """Languages of the claim's sources."""
        return {str(s["language"]) for s in self.sources}

    def withdraw(self, *, reason: str, by: str, as_editor: bool, at: datetime | None) -> None:
        """Stop the claim from counting (its submitter's or an editor's decision)."""
        if not as_editor and by != self.submitted_by:
            raise PermissionDenied(
                f"{by} may not withdraw claim {self.claim_id}: only its submitter "
                f"({self.submitted_by}) or an editor may",
                field="by",
                value=by,
            )
        if not self.in_force:
            raise ClaimNotOpen(
                f"claim {self.claim_id} is already {self.status}",
                field="claim_id",
                value=self.claim_id,
            )
        self.trigger_event(self.ClaimWithdrawn, reason=reason, by=by, timestamp=at)

    def require_about(
        self, *, edition_id: str, city_id: str, indicator_id: str, field: str
    ) -> None:
        """Refuse to treat this claim as one about another edition, city or indicator."""
        if (self.edition_id, self.city_id, self.indicator_id) != (
            edition_id,
            city_id,
            indicator_id,
        ):
            raise InvalidInput(
                f"claim {self.claim_id} is about {self.city_id}/{self.indicator_id} in "
                f"{self.edition_id}, not {city_id}/{indicator_id} in {edition_id}",
                field=field,
                value=self.claim_id,
            )

    def require_correctable_by(self, *, by: str, as_editor: bool) -> None:
        """Refuse a correction (a claim superseding this one) by anyone but its submitter
        or an editor, or of a claim that no longer counts."""
        if not as_editor and by != self.submitted_by:
            raise PermissionDenied(
                f"{by} may not supersede claim {self.claim_id}: only its submitter "
                f"({self.submitted_by}) or an editor may",
                field="supersedes",
                value=self.claim_id,
            )
        self._require_in_force()

    @property
    def in_force(self) -> bool:
        """Whether the claim is neither withdrawn nor superseded."""
        return self.status not in (WITHDRAWN, SUPERSEDED)

    def supersede(self, *, by_claim: str, at: datetime | None, by: str | None = None) -> None:
        """Mark the claim replaced by a newer one, now accepted."""
        self._require_in_force()
        self.trigger_event(self.ClaimSuperseded, superseded_by=by_claim, by=by, timestamp=at)

    def accept_on_appeal(self, *, appeal_id: str, by: str, at: datetime | None) -> None:
        """Accept a correcting claim whose evidence an upheld appeal's review accepted."""
        self.require_reviewable()
        self.trigger_event(self.ClaimAcceptedOnAppeal, appeal_id=appeal_id, by=by, timestamp=at)

    def require_reviewable(self) -> None:
        """A claim's rounds open, take votes and close only while it is pending."""
        if self.status != PENDING:
            raise ClaimNotOpen(
                f"claim {self.claim_id} is {self.status}, not pending",
                field="claim_id",
                value=self.claim_id,
            )

    def _require_in_force(self) -> None:
        if not self.in_force:
            raise ClaimNotOpen(
                f"claim {self.claim_id} is {self.status} and cannot be superseded",
                field="supersedes",
                value=self.claim_id,
            )

    @property
    def round_events(self) -> rounds.RoundEvents:
        """A claim's rounds record RoundOpened, VoteCast and RoundClosed."""
        return rounds.RoundEvents(self.RoundOpened, self.VoteCast, self.RoundClosed)
