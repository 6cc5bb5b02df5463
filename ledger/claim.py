"""Evidence claim: a city holds a rung of an indicator, verified over rounds of votes."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from ledger import rounds
from ledger.errors import (
    ClaimNotOpen,
    InvalidInput,
    PermissionDenied,
)
from ledger.ids import aggregate_id
from ledger.rounds import decide, status_after_round
from ledger.vocabulary import ClaimStatus

PENDING, ACCEPTED, REJECTED, WITHDRAWN, SUPERSEDED = ClaimStatus
#: Re-exported: the round rules live in ledger.rounds.
__all__ = ["Claim", "decide", "status_after_round"]


class Claim(Aggregate):
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

    class RoundOpened(Aggregate.Event):
        """A verification round began."""

        round_no: int
        #: Added later, with a default: events recorded before it decode with None.
        by: str | None = None

        def apply(self, aggregate: Claim) -> None:
            """Open the round."""
            aggregate.open_round = self.round_no
            aggregate.rounds.append({})

    class VoteCast(Aggregate.Event):
        """A verifier accepted or rejected the evidence in the open round."""

        round_no: int
        verifier_id: str
        decision: str
        note: str

        def apply(self, aggregate: Claim) -> None:
            """Record the vote."""
            aggregate.rounds[self.round_no - 1][self.verifier_id] = self.decision

    class RoundClosed(Aggregate.Event):
        """A round ended with an outcome under the edition's quorum."""

        round_no: int
        outcome: str
        accepts: int
        rejects: int
        quorum: int
        #: Added later, with a default: events recorded before it decode with None.
        by: str | None = None

        def apply(self, aggregate: Claim) -> None:
            """Close the round and set the status its outcome decides."""
            aggregate.open_round = None
            aggregate.status = status_after_round(self.outcome) or aggregate.status

    def __init__(
        self,
        claim_id: str,
        edition_id: str,
        city_id: str,
        indicator_id: str,
        rung: int,
        points: int,
        sources: list[dict[str, Any]],
        submitted_by: str,
        supersedes: str | None,
    ) -> None:
        self.claim_id = claim_id
        self.edition_id = edition_id
        self.city_id = city_id
        self.indicator_id = indicator_id
        self.rung = rung
        self.points = points
        self.sources = sources
        self.submitted_by = submitted_by
        self.supersedes = supersedes
        self.status = PENDING
        self.open_round: int | None = None
        self.rounds: list[dict[str, str]] = []

    @staticmethod
    def key(claim_id: str) -> UUID:
        """Aggregate id of the claim with this id."""
        return aggregate_id("claim", claim_id)

    @classmethod
    def submit(
        cls,
        claim_id: str,
        edition_id: str,
        city_id: str,
        indicator_id: str,
        rung: int,
        points: int,
        sources: list[dict[str, Any]],
        submitted_by: str,
        supersedes: str | None,
        at: datetime | None,
    ) -> Claim:
        """Record a new claim (its arguments are validated by the caller's checks)."""
        return cls._create(
            cls.ClaimSubmitted,
            id=cls.key(claim_id),
            claim_id=claim_id,
            edition_id=edition_id,
            city_id=city_id,
            indicator_id=indicator_id,
            rung=rung,
            points=points,
            sources=sources,
            submitted_by=submitted_by,
            supersedes=supersedes,
            timestamp=at,
        )

    @property
    def languages(self) -> set[str]:
        """Languages of the claim's sources."""
        return {str(s["language"]) for s in self.sources}

    def withdraw(self, reason: str, by: str, as_editor: bool, at: datetime | None) -> None:
        """Stop the claim from counting (its submitter's or an editor's decision)."""
        if not as_editor and by != self.submitted_by:
            raise PermissionDenied(
                f"{by} may not withdraw claim {self.claim_id}: only its submitter "
                f"({self.submitted_by}) or an editor may",
                field="by",
                value=by,
            )
        if self.status in (WITHDRAWN, SUPERSEDED):
            raise ClaimNotOpen(
                f"claim {self.claim_id} is already {self.status}",
                field="claim_id",
                value=self.claim_id,
            )
        self.trigger_event(self.ClaimWithdrawn, reason=reason, by=by, timestamp=at)

    def require_about(self, edition_id: str, city_id: str, indicator_id: str, field: str) -> None:
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

    def require_correctable_by(self, by: str, as_editor: bool) -> None:
        """Refuse a correction (a claim superseding this one) by anyone but its submitter
        or an editor, or of a claim that no longer counts."""
        if not as_editor and by != self.submitted_by:
            raise PermissionDenied(
                f"{by} may not supersede claim {self.claim_id}: only its submitter "
                f"({self.submitted_by}) or an editor may",
                field="supersedes",
                value=self.claim_id,
            )
        if self.status in (WITHDRAWN, SUPERSEDED):
            raise ClaimNotOpen(
                f"claim {self.claim_id} is {self.status} and cannot be superseded",
                field="supersedes",
                value=self.claim_id,
            )

    @property
    def in_force(self) -> bool:
        """Whether the claim is neither withdrawn nor superseded."""
        return self.status not in (WITHDRAWN, SUPERSEDED)

    def supersede(self, by_claim: str, at: datetime | None, by: str | None = None) -> None:
        """Mark the claim replaced by a newer one, now accepted."""
        if not self.in_force:
            raise ClaimNotOpen(
                f"claim {self.claim_id} is {self.status} and cannot be superseded",
                field="supersedes",
                value=self.claim_id,
            )
        self.trigger_event(self.ClaimSuperseded, superseded_by=by_claim, by=by, timestamp=at)

    def accept_on_appeal(self, appeal_id: str, by: str, at: datetime | None) -> None:
        """Accept a correcting claim whose evidence an upheld appeal's review accepted."""
        self._require_pending()
        self.trigger_event(self.ClaimAcceptedOnAppeal, appeal_id=appeal_id, by=by, timestamp=at)

    def open_next_round(self, at: datetime | None, by: str | None = None) -> int:
        """Open the next verification round; return its number."""
        self._require_pending()
        number = rounds.next_round(self._reviewed, self.open_round, self.rounds)
        self.trigger_event(self.RoundOpened, round_no=number, by=by, timestamp=at)
        return number

    def cast_vote(
        self,
        verifier_id: str,
        verifier_languages: set[str],
        decision: str,
        note: str,
        at: datetime | None,
    ) -> None:
        """Record one verifier's vote in the open round."""
        rounds.check_decision(decision)
        self._require_pending()
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
            self.VoteCast,
            round_no=round_no,
            verifier_id=verifier_id,
            decision=decision,
            note=note,
            timestamp=at,
        )

    def close_round(self, quorum: int, at: datetime | None, by: str | None = None) -> str:
        """Close the open round under the quorum; return its outcome."""
        self._require_pending()
        round_no = rounds.open_round_no(self._reviewed, self.open_round)
        accepts, rejects = rounds.tally(self.rounds[round_no - 1])
        outcome = decide(accepts, rejects, quorum)
        self.trigger_event(
            self.RoundClosed,
            round_no=round_no,
            outcome=outcome,
            accepts=accepts,
            rejects=rejects,
            quorum=quorum,
            by=by,
            timestamp=at,
        )
        return outcome

    def _require_pending(self) -> None:
        if self.status != PENDING:
            raise ClaimNotOpen(
                f"claim {self.claim_id} is {self.status}, not pending",
                field="claim_id",
                value=self.claim_id,
            )

    @property
    def _reviewed(self) -> rounds.Reviewed:
        return rounds.Reviewed("claim", self.claim_id, "round")
