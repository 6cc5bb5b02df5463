"""Evidence claims and their verification rounds and votes."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Annotated, Any, Unpack

from eventsourcing.domain import Aggregate

from ledger import validate
from ledger.claim import ACCEPTED, Claim
from ledger.doc import Doc
from ledger.edition import Edition
from ledger.errors import InvalidInput
from ledger.fields import IndicatorId, Rung
from ledger.usecases.base import LedgerBase, Outcome, use_case
from ledger.usecases.params import (
    Actor,
    AsEditor,
    Check,
    CityId,
    ClaimId,
    EditionId,
    Reason,
    Run,
    Sources,
    Supplied,
    Vote,
    Voter,
    Withdrawer,
)

MAX_SOURCES = 20


class ClaimUseCases(LedgerBase):
    """Evidence claims and their verification rounds and votes."""

    @use_case
    def submit_claim(
        self,
        edition_id: EditionId,
        city_id: CityId,
        indicator_id: IndicatorId,
        rung: Annotated[Rung, Check(partial(validate.integer, low=0, high=1000))],
        sources: Sources,
        submitted_by: Annotated[
            str, Doc("Who submits the claim."), Supplied.ACTOR, Check(validate.name)
        ],
        claim_id: Annotated[str | None, Doc("Id (default: new UUID).")] = None,
        supersedes: Annotated[str | None, Doc("Claim replaced once this one is accepted.")] = None,
        as_editor: AsEditor = False,
        **run: Unpack[Run],
    ) -> str:
        """Submit evidence that a city stands on a rung; return the claim id.

        A claim that supersedes another (its submitter's, or anyone's as an editor) replaces
        it only once accepted (see close_round); until then the old claim keeps counting.
        """
        new_id = validate.chosen_id("claim_id", claim_id)
        clean_sources = check_sources(sources)

        def make(when: datetime) -> Claim:
            edition = self._get(Edition, edition_id)
            edition.require_city(city_id)
            edition.require_evidence_by_cutoff(clean_sources)
            framework = self._framework(edition.framework_id, edition.framework_version)
            points = framework.points(
                version_no=edition.framework_version, indicator_id=indicator_id, rung=rung
            )
            if supersedes is not None:
                old = self._get(Claim, supersedes)
                old.require_about(
                    edition_id=edition_id,
                    city_id=city_id,
                    indicator_id=indicator_id,
                    field="supersedes",
                )
                old.require_correctable_by(by=submitted_by, as_editor=as_editor is True)
            return Claim.submit(
                claim_id=new_id, edition_id=edition_id, city_id=city_id,
                indicator_id=indicator_id, rung=rung, points=points, sources=clean_sources,
                submitted_by=submitted_by, supersedes=supersedes, at=when,
            )  # fmt: skip

        return self._run(run, self._new(Claim, new_id, make, new_id))

    @use_case
    def withdraw_claim(
        self,
        claim_id: ClaimId,
        reason: Reason,
        by: Withdrawer,
        as_editor: AsEditor = False,
        **run: Unpack[Run],
    ) -> str:
        """Withdraw a claim so that it no longer counts: by its submitter, or as an editor."""

        def withdraw(claim: Claim, when: datetime) -> None:
            claim.withdraw(reason=reason, by=by, as_editor=as_editor is True, at=when)

        return self._run(run, self._update(Claim, claim_id, withdraw, claim_id))

    @use_case
    def open_round(self, claim_id: ClaimId, *, by: Actor = None, **run: Unpack[Run]) -> int:
        """Open the next verification round of a claim; return its number."""
        return self._run(run, self._open_round(Claim, claim_id, by))

    @use_case
    def cast_vote(
        self,
        claim_id: ClaimId,
        verifier_id: Voter,
        decision: Vote,
        note: Annotated[str, Doc("Optional note.")] = "",
        **run: Unpack[Run],
    ) -> int:
        """Record a verifier's vote in the claim's open round; return the round number."""
        return self._run(run, self._vote(Claim, claim_id, verifier_id, decision, note))

    @use_case
    def close_round(self, claim_id: ClaimId, *, by: Actor = None, **run: Unpack[Run]) -> str:
        """Close a claim's open round under its edition's quorum; return the outcome.

        Accepting a claim that supersedes another supersedes it in the same save (after the
        round's closing, so the city's score never dips between the two events).
        """

        def body(when: datetime) -> Outcome[str]:
            claim = self._get(Claim, claim_id)
            outcome = self._close_round(claim, when, by)
            changed: list[Aggregate] = [claim]
            if outcome == ACCEPTED and claim.supersedes is not None:
                old = self._get(Claim, claim.supersedes)
                # Withdrawn (or replaced by another correction) meanwhile: nothing left to replace.
                if old.in_force:
                    old.supersede(by_claim=claim_id, at=when, by=by)
                    changed.append(old)
            return Outcome(outcome, changed)

        return self._run(run, body)


def check_sources(sources: Any) -> list[dict[str, Any]]:
    """Validate a claim's sources: each with a URL or citation, title, language, date, excerpt."""
    if not isinstance(sources, list | tuple) or not sources:
        raise InvalidInput("sources must be a non-empty list", field="sources")
    if len(sources) > MAX_SOURCES:
        raise InvalidInput(f"{len(sources)} sources given; at most {MAX_SOURCES}", field="sources")
    clean = []
    for s in sources:
        if not isinstance(s, dict):
            raise InvalidInput(f"source {s!r} must be an object", field="sources")
        url = validate.text("source.url", s.get("url"), max_len=2000, optional=True) or None
        citation = validate.text("source.citation", s.get("citation"), optional=True) or None
        if url is None and citation is None:
            raise InvalidInput("each source needs a url or a citation", field="source.url")
        if url is not None:
            url = validate.web_url("source.url", url)
        clean.append(
            {
                "url": url,
                "citation": citation,
                "title": validate.text("source.title", s.get("title"), max_len=500),
                "language": validate.language("source.language", s.get("language")),
                "date": validate.iso_date("source.date", s.get("date")),
                "excerpt": validate.text(
                    "source.excerpt", s.get("excerpt"), max_len=validate.MAX_EXCERPT
                ),
            }
        )
    return clean
