"""Evidence claims and their verification rounds and votes."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import uuid4

from eventsourcing.domain import Aggregate

from ledger import validate
from ledger.claim import ACCEPTED, Claim
from ledger.edition import Edition
from ledger.errors import (
    InvalidInput,
)
from ledger.usecases.base import LedgerBase, Outcome, use_case
from ledger.verifier import Verifier

MAX_SOURCES = 20


class ClaimUseCases(LedgerBase):
    """Evidence claims and their verification rounds and votes."""

    @use_case
    def submit_claim(
        self,
        edition_id: str,
        city_id: str,
        indicator_id: str,
        rung: int,
        sources: list[dict[str, Any]],
        submitted_by: str,
        claim_id: str | None = None,
        supersedes: str | None = None,
        as_editor: bool = False,
        *,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> str:
        """Submit evidence that a city stands on a rung; return the claim id.

        A claim that supersedes another (its submitter's, or anyone's as an editor) replaces
        it only once accepted (see close_round); until then the old claim keeps counting.
        """
        new_id = validate.ident("claim_id", claim_id) if claim_id is not None else str(uuid4())
        submitted_by = validate.text("submitted_by", submitted_by, max_len=120)
        validate.integer("rung", rung, low=0, high=1000)
        clean_sources = check_sources(sources)

        def body(when: datetime) -> Outcome:
            self._absent(Claim, Claim.key(new_id), "claim", new_id)
            edition = self._get(Edition, Edition.key(edition_id), "edition", edition_id)
            edition.require_city(city_id)
            edition.require_evidence_by_cutoff(clean_sources)
            framework = self._framework(edition.framework_id, edition.framework_version)
            points = framework.points(
                version_no=edition.framework_version, indicator_id=indicator_id, rung=rung
            )
            if supersedes is not None:
                old = self._get(Claim, Claim.key(supersedes), "claim", supersedes)
                old.require_about(
                    edition_id=edition_id,
                    city_id=city_id,
                    indicator_id=indicator_id,
                    field="supersedes",
                )
                old.require_correctable_by(by=submitted_by, as_editor=as_editor is True)
            claim = Claim.submit(
                claim_id=new_id, edition_id=edition_id, city_id=city_id,
                indicator_id=indicator_id, rung=rung, points=points, sources=clean_sources,
                submitted_by=submitted_by, supersedes=supersedes, at=when,
            )  # fmt: skip
            return Outcome(new_id, [claim])

        return str(self._run("submit_claim", idempotency_key, at, body))

    @use_case
    def withdraw_claim(
        self,
        claim_id: str,
        reason: str,
        by: str,
        as_editor: bool = False,
        *,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> str:
        """Withdraw a claim so that it no longer counts: by its submitter, or as an editor."""
        reason = validate.text("reason", reason)
        by = validate.text("by", by, max_len=120)

        def body(when: datetime) -> Outcome:
            claim = self._get(Claim, Claim.key(claim_id), "claim", claim_id)
            claim.withdraw(reason=reason, by=by, as_editor=as_editor is True, at=when)
            return Outcome(claim_id, [claim])

        return str(self._run("withdraw_claim", idempotency_key, at, body))

    @use_case
    def open_round(
        self,
        claim_id: str,
        *,
        by: str | None = None,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> int:
        """Open the next verification round of a claim; return its number."""
        by = validate.actor(by)

        def body(when: datetime) -> Outcome:
            claim = self._get(Claim, Claim.key(claim_id), "claim", claim_id)
            return Outcome(claim.open_next_round(at=when, by=by), [claim])

        return int(self._run("open_round", idempotency_key, at, body))

    @use_case
    def cast_vote(
        self,
        claim_id: str,
        verifier_id: str,
        decision: str,
        note: str = "",
        *,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> int:
        """Record a verifier's vote in the claim's open round; return the round number."""
        note = validate.text("note", note, optional=True)

        def body(when: datetime) -> Outcome:
            claim = self._get(Claim, Claim.key(claim_id), "claim", claim_id)
            verifier = self._get(Verifier, Verifier.key(verifier_id), "verifier", verifier_id)
            claim.cast_vote(
                verifier_id=verifier_id,
                verifier_languages=set(verifier.languages),
                decision=decision,
                note=note,
                at=when,
            )
            return Outcome(claim.open_round, [claim])

        return int(self._run("cast_vote", idempotency_key, at, body))

    @use_case
    def close_round(
        self,
        claim_id: str,
        *,
        by: str | None = None,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> str:
        """Close a claim's open round under its edition's quorum; return the outcome.

        Accepting a claim that supersedes another supersedes it in the same save (after the
        round's closing, so the city's score never dips between the two events).
        """
        by = validate.actor(by)

        def body(when: datetime) -> Outcome:
            claim = self._get(Claim, Claim.key(claim_id), "claim", claim_id)
            edition = self._get(Edition, Edition.key(claim.edition_id), "edition", claim.edition_id)
            outcome = claim.close_round(quorum=edition.quorum, at=when, by=by)
            changed: list[Aggregate] = [claim]
            if outcome == ACCEPTED and claim.supersedes is not None:
                old = self._get(Claim, Claim.key(claim.supersedes), "claim", claim.supersedes)
                # Withdrawn (or replaced by another correction) meanwhile: nothing left to replace.
                if old.in_force:
                    old.supersede(by_claim=claim_id, at=when, by=by)
                    changed.append(old)
            return Outcome(outcome, changed)

        return str(self._run("close_round", idempotency_key, at, body))


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
        if url is not None and not url.startswith(("http://", "https://")):
            raise InvalidInput(
                f"source url {url!r} must start with http:// or https://",
                field="source.url",
                value=url,
            )
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
