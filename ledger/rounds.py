"""Verification rounds: the checks and the tally that claims and appeals share."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from eventsourcing.domain import Aggregate

from ledger.aggregate import LedgerAggregate
from ledger.errors import AlreadyVoted, InvalidInput, LanguageNotRead, RoundNotOpen
from ledger.vocabulary import ClaimStatus, Decision, RoundOutcome


def decide(accepts: int, rejects: int, quorum: int) -> RoundOutcome:
    """The round's outcome: accepted, rejected or undecided (another round)."""
    if accepts >= quorum and accepts > rejects:
        return RoundOutcome.ACCEPTED
    if rejects > accepts:
        return RoundOutcome.REJECTED
    return RoundOutcome.UNDECIDED


def status_after_round(outcome: str) -> ClaimStatus | None:
    """The status a closed round's outcome gives its claim (None: it stays pending).

    The one statement of this rule: the Claim aggregate and every read model apply it.
    """
    return _DECIDED.get(outcome)


_DECIDED: dict[str, ClaimStatus] = {
    RoundOutcome.ACCEPTED: ClaimStatus.ACCEPTED,
    RoundOutcome.REJECTED: ClaimStatus.REJECTED,
}


@dataclass(frozen=True)
class Reviewed:
    """What is verified, as errors name it: a claim and its round, an appeal and its review."""

    kind: str
    ident: str
    round_word: str

    @property
    def field(self) -> str:
        """The argument that names the subject (`claim_id`, `appeal_id`)."""
        return f"{self.kind}_id"


def next_round(subject: Reviewed, open_round: int | None, rounds: list[dict[str, str]]) -> int:
    """The number of the round to open; refused while one is open."""
    if open_round is not None:
        raise RoundNotOpen(
            f"{subject.kind} {subject.ident} already has {subject.round_word} {open_round} open",
            field=subject.field,
            value=subject.ident,
        )
    return len(rounds) + 1


def check_decision(decision: str) -> None:
    """A vote is accept or reject."""
    if decision not in tuple(Decision):
        raise InvalidInput(
            f"decision {decision!r} is not accept or reject", field="decision", value=decision
        )


def open_round_no(subject: Reviewed, open_round: int | None) -> int:
    """The open round's number; refused when none is open."""
    if open_round is None:
        raise RoundNotOpen(
            f"{subject.kind} {subject.ident} has no open {subject.round_word}",
            field=subject.field,
            value=subject.ident,
        )
    return open_round


def check_voter(
    subject: Reviewed,
    votes: dict[str, str],
    round_no: int,
    languages: set[str],
    verifier_id: str,
    verifier_languages: set[str],
) -> None:
    """A verifier reads every language of the evidence and votes once per round."""
    missing = sorted(languages - verifier_languages)
    if missing:
        raise LanguageNotRead(
            f"verifier {verifier_id} does not read {missing[0]!r}, "
            f"a language of {subject.kind} {subject.ident}",
            field="verifier_id",
            value=verifier_id,
        )
    if verifier_id in votes:
        raise AlreadyVoted(
            f"verifier {verifier_id} already voted in {subject.round_word} {round_no} "
            f"of {subject.kind} {subject.ident}",
            field="verifier_id",
            value=verifier_id,
        )


def tally(votes: dict[str, str]) -> tuple[int, int]:
    """Accepts and rejects among a round's votes."""
    decisions = list(votes.values())
    return decisions.count(Decision.ACCEPT), decisions.count(Decision.REJECT)


@dataclass(frozen=True)
class Vote:
    """The facts of a vote cast in an open round (claims' and appeals' vote events)."""

    round_no: int
    verifier_id: str
    decision: str
    note: str

    def apply(self, aggregate: Reviewable) -> None:
        """Record the vote."""
        aggregate.rounds[self.round_no - 1][self.verifier_id] = self.decision


@dataclass(frozen=True)
class Opened:
    """The facts of a round's opening (claims' and appeals' round-opened events)."""

    round_no: int
    #: Who opened it; added later, with a default: events recorded before decode with None.
    by: str | None = None

    # Any, as eventsourcing's own apply: a subject's event narrows it to its aggregate.
    def apply(self, aggregate: Any) -> None:
        """Open the round, with no votes yet (on a Reviewable)."""
        aggregate.open_round = self.round_no
        aggregate.rounds.append({})


@dataclass(frozen=True)
class Closed:
    """The facts of a round's closing under a quorum (claims' and appeals' round-closed events)."""

    round_no: int
    outcome: str
    accepts: int
    rejects: int
    quorum: int
    #: Who closed it; added later, with a default: events recorded before decode with None.
    by: str | None = None

    # Any, as eventsourcing's own apply: a subject's event narrows it to its aggregate.
    def apply(self, aggregate: Any) -> None:
        """Close the round, on a Reviewable (its subject adds what the outcome decides)."""
        aggregate.open_round = None


@dataclass(frozen=True)
class RoundEvents:
    """A reviewed aggregate's own event classes for a round's opening, votes and closing."""

    opened: type[Aggregate.Event]
    voted: type[Aggregate.Event]
    closed: type[Aggregate.Event]


class Reviewable(LedgerAggregate):
    """An aggregate whose evidence verifiers review in numbered rounds of votes.

    The round commands live here once; each subclass names its own event classes (their
    topics are its own) and says when it may be reviewed.
    """

    #: The number of the round open now (None: no round is open).
    open_round: int | None = field(init=False, default=None)
    #: Each round's votes (verifier id -> decision), first round first.
    rounds: list[dict[str, str]] = field(init=False, default_factory=list)

    @property
    def languages(self) -> set[str]:
        """Languages of the evidence under review; a voter must read every one."""
        raise NotImplementedError

    #: How messages name one of its rounds ("round", "review round").
    ROUND_WORD: ClassVar[str] = "round"

    @property
    def reviewed(self) -> Reviewed:
        """What is reviewed, as errors name it."""
        return Reviewed(self.KIND, self.ident, self.ROUND_WORD)

    @property
    def round_events(self) -> RoundEvents:
        """The subclass's event classes for its rounds."""
        raise NotImplementedError

    def require_reviewable(self) -> None:
        """Refuse a round's change while the subject may not be reviewed."""
        raise NotImplementedError

    def open_next_round(self, *, at: datetime | None, by: str | None = None) -> int:
        """Open the next round; return its number."""
        self.require_reviewable()
        number = next_round(self.reviewed, self.open_round, self.rounds)
        self._record_round(self.round_events.opened, Opened(number, by), at)
        return number

    def cast_vote(
        self,
        *,
        verifier_id: str,
        verifier_languages: set[str],
        decision: str,
        note: str,
        at: datetime | None,
    ) -> int:
        """Record one verifier's vote in the open round; return the round number."""
        check_decision(decision)
        round_no = self._round_to_change()
        votes = self.rounds[round_no - 1]
        check_voter(self.reviewed, votes, round_no, self.languages, verifier_id, verifier_languages)
        self._record_round(self.round_events.voted, Vote(round_no, verifier_id, decision, note), at)
        return round_no

    def close_round(self, *, quorum: int, at: datetime | None, by: str | None = None) -> str:
        """Close the open round under the quorum; return its outcome."""
        round_no = self._round_to_change()
        accepts, rejects = tally(self.rounds[round_no - 1])
        outcome = decide(accepts, rejects, quorum)
        closed = Closed(round_no, outcome, accepts, rejects, quorum, by)
        self._record_round(self.round_events.closed, closed, at)
        return outcome

    def _round_to_change(self) -> int:
        """The open round's number, while the subject may be reviewed."""
        self.require_reviewable()
        return open_round_no(self.reviewed, self.open_round)

    def _record_round(
        self, event: type[Aggregate.Event], facts: Opened | Vote | Closed, at: datetime | None
    ) -> None:
        """Trigger the subclass's event class carrying these facts."""
        self.trigger_event(event, timestamp=at, **vars(facts))
