"""Appeals: a city files with new evidence, verifiers review it, an editor decides; feedback."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Annotated, Any, Unpack

from eventsourcing.domain import Aggregate

from ledger import validate
from ledger.appeal import UPHELD, Appeal, correction_claim_id
from ledger.claim import PENDING, Claim
from ledger.doc import Doc
from ledger.edition import Edition
from ledger.errors import InvalidInput, InvalidState, PermissionDenied
from ledger.feedback import Feedback
from ledger.usecases.base import LedgerBase, Outcome, use_case
from ledger.usecases.claims import check_sources
from ledger.usecases.params import (
    Actor,
    AppealId,
    Check,
    EditionId,
    Editor,
    Reason,
    Run,
    Supplied,
    Vote,
    Voter,
    Withdrawer,
)

#: A city's statement, feedback or an editor's reasons: a text as long as an excerpt.
STATEMENT = Check(partial(validate.text, max_len=validate.MAX_EXCERPT))


def city_appeal_id(city_id: str, chosen: str | None, field: str = "appeal_id") -> str | None:
    """A city's own choice of appeal (or feedback) id, in its namespace: `<city>/<id>`
    (None: a UUID).

    Cities choose ids in their own namespace, so no choice can collide with another city's
    appeal or feedback: filing never answers "already exists" about one the city may not see.
    """
    if chosen is None:
        return None
    if not isinstance(chosen, str) or "/" in chosen:
        raise InvalidInput(
            f"{field} {chosen!r} may not contain '/': it is recorded as {city_id}/<id>",
            field=field,
            value=chosen,
        )
    return f"{city_id}/{chosen}"


class AppealUseCases(LedgerBase):
    """Appeals: a city files with new evidence, verifiers review it, an editor decides."""

    @use_case
    def file_appeal(
        self,
        edition_id: EditionId,
        city_id: Annotated[str, Doc("The city (the API defaults it to the caller's).")],
        text: Annotated[str, Doc("The city's statement."), STATEMENT],
        filed_by: Annotated[str, Doc("Who files it."), Supplied.ACTOR, Check(validate.name)],
        indicator_id: Annotated[str, Doc("Indicator whose score is disputed.")],
        appeal_id: Annotated[
            str | None,
            Doc(
                "Id within the city's own namespace, recorded as `<cityId>/<id>` (default: a UUID)."
            ),
        ] = None,
        *,
        rung: Annotated[int, Doc("The rung the city believes right.")],
        sources: Annotated[list[dict[str, Any]], Doc("New evidence, 1..20 sources.")],
        claim_id: Annotated[
            str | None, Doc("The claim disputed (omit: no claim was counted).")
        ] = None,
        representing: Annotated[
            str | None, Doc("The city the filer speaks for, when known."), Supplied.CITY
        ] = None,
        **run: Unpack[Run],
    ) -> str:
        """File a city's appeal against one of its indicator scores, with new evidence.

        `claim_id` names the disputed claim (None: no claim counted); `rung` is the rung the
        city believes right; `representing` is the city the filer speaks for, when known.
        """
        new_id = validate.chosen_id("appeal_id", appeal_id)
        if representing is not None and representing != city_id:
            raise PermissionDenied(
                f"{filed_by} represents {representing} and may not file for {city_id}",
                field="city_id",
                value=city_id,
            )
        # An import line may still give them as null.
        if indicator_id is None:
            raise InvalidInput(
                "an appeal names the indicator score it disputes (feedback is giveFeedback)",
                field="indicator_id",
            )
        if rung is None:
            raise InvalidInput("an appeal names the rung it believes right", field="rung")
        validate.integer("rung", rung, low=0, high=1000)
        clean_sources = check_sources(sources)

        def make(when: datetime) -> Appeal:
            edition = self._get(Edition, edition_id)
            edition.require_city(city_id)
            framework = self._framework(edition.framework_id, edition.framework_version)
            points = framework.points(
                version_no=edition.framework_version, indicator_id=indicator_id, rung=rung
            )
            edition.require_evidence_by_cutoff(clean_sources)
            if claim_id is not None:
                self._disputable(claim_id, edition_id, city_id, indicator_id)
            deadline = edition.require_appeal_window(when=when)
            return Appeal.file(
                appeal_id=new_id, edition_id=edition_id, city_id=city_id,
                indicator_id=indicator_id, text=text, filed_by=filed_by, at=when,
                claim_id=claim_id, rung=rung, points=points, sources=clean_sources,
                deadline=deadline.isoformat(),
            )  # fmt: skip

        return self._run(run, self._new(Appeal, new_id, make, new_id))

    def _disputable(self, claim_id: str, edition_id: str, city_id: str, indicator: str) -> Claim:
        claim = self._get(Claim, claim_id)
        claim.require_about(
            edition_id=edition_id, city_id=city_id, indicator_id=indicator, field="claim_id"
        )
        if claim.status in ("withdrawn", "superseded"):
            raise InvalidState(
                f"claim {claim_id} is {claim.status} and no longer counts",
                field="claim_id",
                value=claim_id,
            )
        return claim

    @use_case
    def withdraw_appeal(
        self,
        appeal_id: AppealId,
        city_id: Annotated[str, Doc("The city withdrawing its appeal."), Supplied.CITY],
        reason: Reason,
        by: Withdrawer,
        **run: Unpack[Run],
    ) -> str:
        """The city withdraws its open appeal."""

        def withdraw(appeal: Appeal, when: datetime) -> None:
            appeal.withdraw(reason=reason, by=by, city_id=city_id, at=when)

        return self._run(run, self._update(Appeal, appeal_id, withdraw, appeal_id))

    @use_case
    def open_appeal_review(
        self, appeal_id: AppealId, *, by: Actor = None, **run: Unpack[Run]
    ) -> int:
        """Open the next verification round on an appeal's evidence; return its number."""
        return self._run(run, self._open_round(Appeal, appeal_id, by))

    @use_case
    def cast_appeal_vote(
        self,
        appeal_id: AppealId,
        verifier_id: Voter,
        decision: Vote,
        note: Annotated[str, Doc("Optional note (the city sees it).")] = "",
        **run: Unpack[Run],
    ) -> int:
        """A verifier who reads the evidence's languages votes on it; return the round number."""
        return self._run(run, self._vote(Appeal, appeal_id, verifier_id, decision, note))

    @use_case
    def close_appeal_review(
        self, appeal_id: AppealId, *, by: Actor = None, **run: Unpack[Run]
    ) -> str:
        """Close an appeal's review round under its edition's quorum; return the outcome."""
        return self._run(
            run, self._step(Appeal, appeal_id, lambda a, when: self._close_round(a, when, by))
        )

    @use_case
    def answer_appeal(
        self,
        appeal_id: AppealId,
        decision: Annotated[str, Doc("upheld or dismissed.")],
        response: Annotated[str, Doc("The reasons for the decision."), STATEMENT],
        by: Editor = "editor",
        **run: Unpack[Run],
    ) -> str:
        """Uphold or dismiss an appeal with reasons; return its id.

        Upholding records the correction in the same save: a claim carrying the appeal's
        evidence, accepted on the appeal's review, superseding the disputed claim.
        """

        def body(when: datetime) -> Outcome[str]:
            appeal = self._get(Appeal, appeal_id)
            appeal.require_decidable(decision)
            if decision != UPHELD:
                appeal.decide(
                    decision=decision, reasons=response, by=by, correction_claim_id=None, at=when
                )
                return Outcome(appeal_id, [appeal])
            changed: list[Aggregate] = self._correction(appeal, when, by)
            appeal.decide(
                decision=decision, reasons=response, by=by,
                correction_claim_id=correction_claim_id(appeal_id), at=when,
            )  # fmt: skip
            return Outcome(appeal_id, [appeal, *changed])

        return self._run(run, body)

    def _correction(self, appeal: Appeal, when: datetime, by: str) -> list[Aggregate]:
        """The correcting claim (accepted) and the disputed claim (superseded by it)."""
        assert appeal.indicator_id is not None and appeal.rung is not None  # require_decidable
        new_id = correction_claim_id(appeal.appeal_id)
        self._absent(Claim, new_id)
        edition = self._get(Edition, appeal.edition_id)
        framework = self._framework(edition.framework_id, edition.framework_version)
        points = framework.points(
            version_no=edition.framework_version, indicator_id=appeal.indicator_id, rung=appeal.rung
        )
        changed: list[Aggregate] = []
        if appeal.claim_id is not None:
            old = self._disputable(
                appeal.claim_id, appeal.edition_id, appeal.city_id, appeal.indicator_id
            )
            old.supersede(by_claim=new_id, at=when, by=by)
            changed.append(old)
        claim = Claim.submit(
            claim_id=new_id, edition_id=appeal.edition_id, city_id=appeal.city_id,
            indicator_id=appeal.indicator_id, rung=appeal.rung, points=points,
            sources=list(appeal.sources or []), submitted_by=f"appeal {appeal.appeal_id}",
            supersedes=appeal.claim_id, at=when,
        )  # fmt: skip
        assert claim.status == PENDING
        claim.accept_on_appeal(appeal_id=appeal.appeal_id, by=by, at=when)
        return [claim, *changed]

    @use_case
    def give_feedback(
        self,
        edition_id: EditionId,
        city_id: Annotated[str, Doc("The city giving feedback."), Supplied.CITY],
        text: Annotated[str, Doc("The feedback."), STATEMENT],
        given_by: Annotated[str, Doc("Who gives it."), Supplied.ACTOR, Check(validate.name)],
        feedback_id: Annotated[
            str | None,
            Doc(
                "Id within the city's own namespace, recorded as `<cityId>/<id>` (default: a UUID)."
            ),
        ] = None,
        **run: Unpack[Run],
    ) -> str:
        """Record a city's plain feedback on an edition (not an appeal); return its id."""
        new_id = validate.chosen_id("feedback_id", feedback_id)

        def make(when: datetime) -> Feedback:
            self._get(Edition, edition_id).require_city(city_id)
            return Feedback.give(
                feedback_id=new_id, edition_id=edition_id, city_id=city_id, text=text,
                given_by=given_by, at=when,
            )  # fmt: skip

        return self._run(run, self._new(Feedback, new_id, make, new_id))
