"""Verification rounds: the checks and the tally that claims and appeals share."""

from __future__ import annotations

from dataclasses import dataclass

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
