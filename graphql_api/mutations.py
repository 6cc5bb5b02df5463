"""The Mutation root: one thin resolver per Ledger command; refusals come back as data."""

from __future__ import annotations

from typing import Annotated

import strawberry

from graphql_api.context import Info
from graphql_api.fields import command
from graphql_api.inputs import (
    AllocationInput,
    AnswerAppealInput,
    AppealWindowInput,
    CastAppealVoteInput,
    CastVoteInput,
    CreateEditionInput,
    CreateWeightSetInput,
    DefineFrameworkInput,
    EnrolPanelistInput,
    FeedbackInput,
    FileAppealInput,
    PublishInput,
    RegisterCityInput,
    ReviseBallotInput,
    ReviseFrameworkInput,
    SetWeightsInput,
    StateLineageInput,
    SubmitClaimInput,
    VerifierInput,
    WithdrawAppealInput,
)
from graphql_api.inputs import allocations as ballot_of
from graphql_api.payloads import (
    AppealPayload,
    AppealResult,
    BallotPayload,
    BallotResult,
    CityPayload,
    CityResult,
    ClaimPayload,
    ClaimResult,
    EditionPayload,
    EditionResult,
    FeedbackPayload,
    FeedbackResult,
    FrameworkPayload,
    FrameworkResult,
    PublicationPayload,
    PublicationResult,
    VerifierPayload,
    VerifierResult,
    WeightRevisionPayload,
    WeightRevisionResult,
    WeightSetPayload,
    WeightSetResult,
)
from graphql_api.permissions import (
    IsCity,
    IsEditor,
    IsPanelist,
    IsResearcherOrEditor,
    IsVerifier,
)
from ledger.usecases.appeals import city_appeal_id
from projections.appeals import appeal as reads_appeal

Key = Annotated[
    str | None,
    strawberry.argument(description="Retrying with the same key records the command once."),
]
ClaimId = Annotated[str, strawberry.argument(description="Claim id.")]
AppealId = Annotated[str, strawberry.argument(description="Appeal id.")]


@strawberry.type(description="Record commands in the ledger; each returns a payload or an error.")
class Mutation:
    """The mutation root."""

    @command("Register a city under a stable id.", IsEditor)
    def register_city(
        self, info: Info, input: RegisterCityInput, idempotency_key: Key = None
    ) -> CityResult:
        c = info.context
        city_id = c.ledger.register_city(
            input.city_id, input.name_en, input.name_zh, input.country, input.aliases_zh,
            **c.signed(idempotency_key),
        )  # fmt: skip
        return CityPayload.after(c, city_id)

    @command("Define version 1 of an indicator framework.", IsEditor)
    def define_framework(
        self, info: Info, input: DefineFrameworkInput, idempotency_key: Key = None
    ) -> FrameworkResult:
        c = info.context
        version = c.ledger.define_framework(
            input.framework_id, input.title, [p.plain() for p in input.pillars],
            [i.plain() for i in input.indicators], **c.signed(idempotency_key),
        )  # fmt: skip
        return FrameworkPayload.after(c, input.framework_id, version)

    @command("Define the next version of a framework.", IsEditor)
    def revise_framework(
        self, info: Info, input: ReviseFrameworkInput, idempotency_key: Key = None
    ) -> FrameworkResult:
        c = info.context
        version = c.ledger.revise_framework(
            input.framework_id, [p.plain() for p in input.pillars],
            [i.plain() for i in input.indicators], input.note,
            None if input.lineage is None else [x.plain() for x in input.lineage],
            **c.signed(idempotency_key),
        )  # fmt: skip
        return FrameworkPayload.after(c, input.framework_id, version)

    @command("State how a framework version relates to a predecessor version.", IsEditor)
    def state_lineage(
        self, info: Info, input: StateLineageInput, idempotency_key: Key = None
    ) -> FrameworkResult:
        c = info.context
        version = c.ledger.state_lineage(
            input.framework_id, input.version, input.predecessor_framework_id,
            input.predecessor_version, [x.plain() for x in input.lineage],
            **c.signed(idempotency_key),
        )  # fmt: skip
        return FrameworkPayload.after(c, input.framework_id, version)

    @command("Enrol an anonymous verifier with the languages they read.", IsEditor)
    def enrol_verifier(
        self, info: Info, input: VerifierInput, idempotency_key: Key = None
    ) -> VerifierResult:
        c = info.context
        c.ledger.enrol_verifier(
            input.verifier_id,
            input.languages,
            **c.signed(idempotency_key),
        )
        return VerifierPayload.after(c, input.verifier_id)

    @command("Restate the languages a verifier reads.", IsEditor)
    def change_verifier_languages(
        self, info: Info, input: VerifierInput, idempotency_key: Key = None
    ) -> VerifierResult:
        c = info.context
        c.ledger.change_verifier_languages(
            input.verifier_id,
            input.languages,
            **c.signed(idempotency_key),
        )
        return VerifierPayload.after(c, input.verifier_id)

    @command("Create a weight set (and its empty panel) for a framework version.", IsEditor)
    def create_weight_set(
        self, info: Info, input: CreateWeightSetInput, idempotency_key: Key = None
    ) -> WeightSetResult:
        c = info.context
        c.ledger.create_weight_set(
            input.weight_set_id, input.title, input.framework_id, input.framework_version,
            **c.signed(idempotency_key),
        )  # fmt: skip
        return WeightSetPayload.after(c, input.weight_set_id)

    @command("Add an anonymous panelist from one of the four fields.", IsEditor)
    def enrol_panelist(
        self, info: Info, input: EnrolPanelistInput, idempotency_key: Key = None
    ) -> WeightSetResult:
        c = info.context
        c.ledger.enrol_panelist(
            input.weight_set_id,
            input.panelist_id,
            input.field,
            **c.signed(idempotency_key),
        )
        return WeightSetPayload.after(c, input.weight_set_id, input.panelist_id)

    @command("Cast the token's panelist's ballot of 100 points.", IsPanelist)
    def cast_ballot(
        self, info: Info, allocations: list[AllocationInput], idempotency_key: Key = None
    ) -> BallotResult:
        c = info.context
        ws, panelist = (
            c.acting(c.viewer.weight_set_id, "panel"),
            c.acting(c.viewer.panelist_id, "panelist"),
        )
        c.ledger.cast_ballot(
            ws, panelist, ballot_of(allocations), idempotency_key=c.scoped_key(idempotency_key)
        )
        return BallotPayload.after(c, ws, panelist)

    @command("Replace the token's panelist's ballot.", IsPanelist)
    def revise_ballot(
        self, info: Info, input: ReviseBallotInput, idempotency_key: Key = None
    ) -> BallotResult:
        c = info.context
        ws, panelist = (
            c.acting(c.viewer.weight_set_id, "panel"),
            c.acting(c.viewer.panelist_id, "panelist"),
        )
        c.ledger.revise_ballot(
            ws, panelist, ballot_of(input.allocations), input.reason,
            idempotency_key=c.scoped_key(idempotency_key),
        )  # fmt: skip
        return BallotPayload.after(c, ws, panelist)

    @command("Make the mean of the current ballots the weights in force.", IsEditor)
    def aggregate_weights(
        self, info: Info, weight_set_id: str, idempotency_key: Key = None
    ) -> WeightRevisionResult:
        c = info.context
        revision = c.ledger.aggregate_weights(
            weight_set_id,
            **c.signed(idempotency_key),
        )
        return WeightRevisionPayload.after(c, weight_set_id, revision)

    @command("Set the weights in force directly, with a reason.", IsEditor)
    def set_weights(
        self, info: Info, input: SetWeightsInput, idempotency_key: Key = None
    ) -> WeightRevisionResult:
        c = info.context
        revision = c.ledger.set_weights(
            input.weight_set_id, input.plain(), input.reason, **c.signed(idempotency_key),
        )  # fmt: skip
        return WeightRevisionPayload.after(c, input.weight_set_id, revision)

    @command("Open an edition pinning a framework version and a weight set.", IsEditor)
    def create_edition(
        self, info: Info, input: CreateEditionInput, idempotency_key: Key = None
    ) -> EditionResult:
        c = info.context
        c.ledger.create_edition(
            input.edition_id, input.year, input.title, input.region, input.framework_id,
            input.framework_version, input.weight_set_id, input.evidence_cutoff, input.quorum,
            **c.signed(idempotency_key),
        )  # fmt: skip
        return EditionPayload.after(c, input.edition_id)

    @command("Add registered cities to an edition.", IsEditor)
    def include_cities(
        self, info: Info, edition_id: str, city_ids: list[str], idempotency_key: Key = None
    ) -> EditionResult:
        c = info.context
        c.ledger.include_cities(
            edition_id,
            city_ids,
            **c.signed(idempotency_key),
        )
        return EditionPayload.after(c, edition_id)

    @command("Set how many accepting votes a claim of the edition needs.", IsEditor)
    def change_quorum(
        self, info: Info, edition_id: str, quorum: int, idempotency_key: Key = None
    ) -> EditionResult:
        c = info.context
        c.ledger.change_quorum(
            edition_id,
            quorum,
            **c.signed(idempotency_key),
        )
        return EditionPayload.after(c, edition_id)

    @command("Publish the edition's tables as computed at a position (default: head).", IsEditor)
    def publish(
        self, info: Info, input: PublishInput, idempotency_key: Key = None
    ) -> PublicationResult:
        c = info.context
        result = c.ledger.publish(
            input.edition_id, by=c.acting(c.viewer.name, "name"), tables=input.tables,
            position=input.position, corrects=input.corrects, force=input.force,
            reason=input.reason, idempotency_key=c.scoped_key(idempotency_key),
        )  # fmt: skip
        return PublicationPayload.after(c, input.edition_id, int(result["publication_no"]))

    @command(
        "Submit evidence that a city stands on a rung (submitter: the token). A claim that "
        "supersedes another (the token's own, or anyone's for an editor) replaces it once "
        "accepted.",
        IsResearcherOrEditor,
    )
    def submit_claim(
        self, info: Info, input: SubmitClaimInput, idempotency_key: Key = None
    ) -> ClaimResult:
        c = info.context
        claim_id = c.ledger.submit_claim(
            input.edition_id, input.city_id, input.indicator_id, input.rung,
            [s.plain() for s in input.sources], c.acting(c.viewer.name, "name"),
            claim_id=input.claim_id, supersedes=input.supersedes,
            as_editor=c.viewer.role == "editor",
            idempotency_key=c.scoped_key(idempotency_key),
        )  # fmt: skip
        return ClaimPayload.after(c, claim_id)

    @command("Withdraw a claim so that it no longer counts.", IsResearcherOrEditor)
    def withdraw_claim(
        self, info: Info, claim_id: ClaimId, reason: str, idempotency_key: Key = None
    ) -> ClaimResult:
        c = info.context
        c.ledger.withdraw_claim(
            claim_id, reason, c.acting(c.viewer.name, "name"), c.viewer.role == "editor",
            idempotency_key=c.scoped_key(idempotency_key),
        )  # fmt: skip
        return ClaimPayload.after(c, claim_id)

    @command("Open the next verification round of a claim.", IsEditor)
    def open_round(self, info: Info, claim_id: ClaimId, idempotency_key: Key = None) -> ClaimResult:
        c = info.context
        round_no = c.ledger.open_round(
            claim_id,
            **c.signed(idempotency_key),
        )
        return ClaimPayload.after(c, claim_id, round_no=round_no)

    @command("Vote in a claim's open round as the token's verifier.", IsVerifier)
    def cast_vote(
        self, info: Info, input: CastVoteInput, idempotency_key: Key = None
    ) -> ClaimResult:
        c = info.context
        round_no = c.ledger.cast_vote(
            input.claim_id, c.acting(c.viewer.name, "verifier"), input.decision.value,
            input.note, idempotency_key=c.scoped_key(idempotency_key),
        )  # fmt: skip
        return ClaimPayload.after(c, input.claim_id, round_no=round_no)

    @command("Close a claim's open round under its edition's quorum.", IsEditor)
    def close_round(
        self, info: Info, claim_id: ClaimId, idempotency_key: Key = None
    ) -> ClaimResult:
        c = info.context
        outcome = c.ledger.close_round(
            claim_id,
            **c.signed(idempotency_key),
        )
        return ClaimPayload.after(c, claim_id, outcome=outcome)

    @command(
        "File an appeal against one of the token's city's indicator scores, with new evidence, "
        "within the edition's appeal window.",
        IsCity,
    )
    def file_appeal(
        self, info: Info, input: FileAppealInput, idempotency_key: Key = None
    ) -> AppealResult:
        c = info.context
        own = c.acting(c.viewer.city_id, "city")
        appeal_id = c.ledger.file_appeal(
            input.edition_id, input.city_id or own, input.text, c.acting(c.viewer.name, "name"),
            indicator_id=input.indicator_id, appeal_id=city_appeal_id(own, input.appeal_id),
            rung=input.rung,
            sources=[s.plain() for s in input.sources], claim_id=input.claim_id,
            representing=own, idempotency_key=c.scoped_key(idempotency_key),
        )  # fmt: skip
        return AppealPayload.after(c, appeal_id)

    @command("Withdraw the token's city's open appeal.", IsCity)
    def withdraw_appeal(
        self, info: Info, input: WithdrawAppealInput, idempotency_key: Key = None
    ) -> AppealResult:
        c = info.context
        own = c.acting(c.viewer.city_id, "city")
        reads_appeal(c.db, input.appeal_id, own)  # another city's appeal is unknown to it
        c.ledger.withdraw_appeal(
            input.appeal_id, own, input.reason, c.acting(c.viewer.name, "name"),
            idempotency_key=c.scoped_key(idempotency_key),
        )  # fmt: skip
        return AppealPayload.after(c, input.appeal_id)

    @command("Open the next verification round on an appeal's evidence.", IsEditor)
    def open_appeal_review(
        self, info: Info, appeal_id: AppealId, idempotency_key: Key = None
    ) -> AppealResult:
        c = info.context
        c.ledger.open_appeal_review(
            appeal_id, **c.signed(idempotency_key),
        )  # fmt: skip
        return AppealPayload.after(c, appeal_id)

    @command("Vote on an appeal's evidence as the token's verifier.", IsVerifier)
    def cast_appeal_vote(
        self, info: Info, input: CastAppealVoteInput, idempotency_key: Key = None
    ) -> AppealResult:
        c = info.context
        c.ledger.cast_appeal_vote(
            input.appeal_id, c.acting(c.viewer.name, "verifier"), input.decision.value,
            input.note, idempotency_key=c.scoped_key(idempotency_key),
        )  # fmt: skip
        return AppealPayload.after(c, input.appeal_id)

    @command("Close an appeal's review round under the edition's quorum.", IsEditor)
    def close_appeal_review(
        self, info: Info, appeal_id: AppealId, idempotency_key: Key = None
    ) -> AppealResult:
        c = info.context
        c.ledger.close_appeal_review(
            appeal_id, **c.signed(idempotency_key),
        )  # fmt: skip
        return AppealPayload.after(c, appeal_id)

    @command("Record the token's city's plain feedback on an edition.", IsCity)
    def give_feedback(
        self, info: Info, input: FeedbackInput, idempotency_key: Key = None
    ) -> FeedbackResult:
        c = info.context
        feedback_id = c.ledger.give_feedback(
            input.edition_id, c.acting(c.viewer.city_id, "city"), input.text,
            c.acting(c.viewer.name, "name"), input.feedback_id,
            idempotency_key=c.scoped_key(idempotency_key),
        )  # fmt: skip
        return FeedbackPayload.after(c, feedback_id)

    @command("Set how many days after a publication an edition accepts appeals.", IsEditor)
    def set_appeal_window(
        self, info: Info, input: AppealWindowInput, idempotency_key: Key = None
    ) -> EditionResult:
        c = info.context
        c.ledger.set_appeal_window(
            input.edition_id, input.days, c.acting(c.viewer.name, "name"),
            idempotency_key=c.scoped_key(idempotency_key),
        )  # fmt: skip
        return EditionPayload.after(c, input.edition_id)

    @command(
        "Uphold or dismiss an appeal with reasons. Upholding needs a review round that accepted "
        "the evidence, and records the correction in the same transaction: an accepted claim "
        "carrying the appeal's evidence supersedes the disputed claim.",
        IsEditor,
    )
    def answer_appeal(
        self, info: Info, input: AnswerAppealInput, idempotency_key: Key = None
    ) -> AppealResult:
        c = info.context
        c.ledger.answer_appeal(
            input.appeal_id, input.decision.value, input.response,
            **c.signed(idempotency_key),
        )  # fmt: skip
        return AppealPayload.after(c, input.appeal_id)
