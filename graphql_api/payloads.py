"""Mutation results: a success payload or a LedgerError, as a union per kind of result."""

from __future__ import annotations

from typing import Annotated

import strawberry

from graphql_api.context import ApiContext
from graphql_api.errors import LedgerErrorType
from graphql_api.features.appeals import Appeal, Feedback
from graphql_api.features.catalogue import City, FrameworkVersion, Verifier
from graphql_api.features.claims import Claim
from graphql_api.features.editions import Edition, Publication
from graphql_api.features.weights import Ballot, WeightRevision
from graphql_api.recorded import Recorded
from projections import appeals, catalogue, evidence
from projections import appeals as docket
from projections import publications as published


@strawberry.type(description="A city was registered.")
class CityPayload:
    """registerCity succeeded."""

    position: int = strawberry.field(description="Read-model position after the write.")
    city: City = strawberry.field(description="The city as recorded.")

    @classmethod
    def after(cls, ctx: ApiContext, city_id: str) -> CityPayload:
        """Catch up, then read back."""
        return cls(position=ctx.caught_up(), city=City.from_view(catalogue.city(ctx.db, city_id)))


@strawberry.type(description="A framework version was defined.")
class FrameworkPayload:
    """defineFramework / reviseFramework succeeded."""

    position: int = strawberry.field(description="Read-model position after the write.")
    framework: FrameworkVersion = strawberry.field(description="The version defined.")

    @classmethod
    def after(cls, ctx: ApiContext, framework_id: str, version: int) -> FrameworkPayload:
        """Catch up, then read back."""
        position = ctx.caught_up()
        found = catalogue.framework(ctx.db, framework_id, version)
        return cls(position=position, framework=FrameworkVersion.from_view(found))


@strawberry.type(description="A verifier was enrolled or their languages restated.")
class VerifierPayload:
    """enrolVerifier / changeVerifierLanguages succeeded."""

    position: int = strawberry.field(description="Read-model position after the write.")
    verifier: Verifier = strawberry.field(description="The verifier as recorded.")

    @classmethod
    def after(cls, ctx: ApiContext, verifier_id: str) -> VerifierPayload:
        """Catch up, then read back."""
        position = ctx.caught_up()
        found = catalogue.verifier(ctx.db, verifier_id)
        return cls(position=position, verifier=Verifier.from_view(found))


@strawberry.type(description="A weight set or its panel changed.")
class WeightSetPayload:
    """createWeightSet / enrolPanelist succeeded."""

    position: int = strawberry.field(description="Read-model position after the write.")
    weight_set_id: str = strawberry.field(description="The weight set.")
    panelist_id: str | None = strawberry.field(description="The panelist enrolled, if any.")

    @classmethod
    def after(
        cls, ctx: ApiContext, weight_set_id: str, panelist_id: str | None = None
    ) -> WeightSetPayload:
        """Catch up."""
        return cls(position=ctx.caught_up(), weight_set_id=weight_set_id, panelist_id=panelist_id)


@strawberry.type(description="A ballot was cast or revised.")
class BallotPayload:
    """castBallot / reviseBallot succeeded."""

    position: int = strawberry.field(description="Read-model position after the write.")
    ballot: Ballot = strawberry.field(description="The ballot as recorded.")

    @classmethod
    def after(cls, ctx: ApiContext, weight_set_id: str, panelist_id: str) -> BallotPayload:
        """Catch up, then read back."""
        position = ctx.caught_up()
        view = catalogue.ballots(ctx.db, weight_set_id, panelist_id)[0]
        return cls(position=position, ballot=Ballot.from_view(view))


@strawberry.type(description="New weights are in force.")
class WeightRevisionPayload:
    """aggregateWeights / setWeights succeeded."""

    position: int = strawberry.field(description="Read-model position after the write.")
    revision: WeightRevision = strawberry.field(description="The revision now in force.")

    @classmethod
    def after(cls, ctx: ApiContext, weight_set_id: str, revision: int) -> WeightRevisionPayload:
        """Catch up, then read back."""
        position = ctx.caught_up()
        found = [
            r for r in catalogue.weight_revisions(ctx.db, weight_set_id) if r.revision == revision
        ]
        return cls(position=position, revision=WeightRevision.from_view(found[0]))


@strawberry.type(description="An edition was created or changed.")
class EditionPayload:
    """createEdition / includeCities / changeQuorum succeeded."""

    position: int = strawberry.field(description="Read-model position after the write.")
    edition: Edition = strawberry.field(description="The edition as it now stands.")

    @classmethod
    def after(cls, ctx: ApiContext, edition_id: str) -> EditionPayload:
        """Catch up, then read back."""
        position = ctx.caught_up()
        return cls(
            position=position, edition=Edition.from_view(catalogue.edition(ctx.db, edition_id))
        )


@strawberry.type(description="An edition's tables were published.")
class PublicationPayload:
    """publish succeeded."""

    position: int = strawberry.field(description="Read-model position after the write.")
    publication: Publication = strawberry.field(description="The publication.")

    @classmethod
    def after(cls, ctx: ApiContext, edition_id: str, number: int) -> PublicationPayload:
        """Catch up, then read back."""
        position = ctx.caught_up()
        found = [
            p for p in published.publications(ctx.db, edition_id) if p.publication_no == number
        ]
        return cls(position=position, publication=Publication.from_view(found[0]))


@strawberry.type(description="A claim was submitted, withdrawn, voted on or a round changed.")
class ClaimPayload:
    """A claim command succeeded."""

    position: int = strawberry.field(description="Read-model position after the write.")
    claim: Claim = strawberry.field(description="The claim as it now stands.")
    round_no: int | None = strawberry.field(description="The round opened or voted in, if any.")
    outcome: str | None = strawberry.field(description="A closed round's outcome, if any.")

    @classmethod
    def after(
        cls,
        ctx: ApiContext,
        claim_id: str,
        round_no: int | None = None,
        outcome: str | None = None,
    ) -> ClaimPayload:
        """Catch up, then read back."""
        position = ctx.caught_up()
        claim = Claim.from_view(evidence.claim(ctx.db, claim_id))
        return cls(position=position, claim=claim, round_no=round_no, outcome=outcome)


@strawberry.type(description="An appeal was filed or answered.")
class AppealPayload:
    """fileAppeal / answerAppeal succeeded."""

    position: int = strawberry.field(description="Read-model position after the write.")
    appeal: Appeal = strawberry.field(description="The appeal as it now stands.")

    @classmethod
    def after(cls, ctx: ApiContext, appeal_id: str) -> AppealPayload:
        """Catch up, then read back."""
        position = ctx.caught_up()
        return cls(position=position, appeal=Appeal.from_view(appeals.appeal(ctx.db, appeal_id)))


@strawberry.type(description="A city's feedback was recorded.")
class FeedbackPayload:
    """giveFeedback succeeded."""

    position: int = strawberry.field(description="Read-model position after the write.")
    feedback: Feedback = strawberry.field(description="The feedback.")

    @classmethod
    def after(cls, ctx: ApiContext, feedback_id: str) -> FeedbackPayload:
        """Catch up, then read back."""
        position = ctx.caught_up()
        found = [f for f in docket.feedback(ctx.db) if f.feedback_id == feedback_id]
        return cls(position=position, feedback=Feedback.from_view(found[0]))


def _result(name: str) -> object:
    return strawberry.union(
        name,
        description=f"{name}: the success payload, Recorded (a success the read models have "
        "not caught up with yet) or a LedgerError.",
    )


CityResult = Annotated[CityPayload | Recorded | LedgerErrorType, _result("CityResult")]
FrameworkResult = Annotated[
    FrameworkPayload | Recorded | LedgerErrorType, _result("FrameworkResult")
]
VerifierResult = Annotated[VerifierPayload | Recorded | LedgerErrorType, _result("VerifierResult")]
WeightSetResult = Annotated[
    WeightSetPayload | Recorded | LedgerErrorType, _result("WeightSetResult")
]
BallotResult = Annotated[BallotPayload | Recorded | LedgerErrorType, _result("BallotResult")]
WeightRevisionResult = Annotated[
    WeightRevisionPayload | Recorded | LedgerErrorType, _result("WeightRevisionResult")
]
EditionResult = Annotated[EditionPayload | Recorded | LedgerErrorType, _result("EditionResult")]
PublicationResult = Annotated[
    PublicationPayload | Recorded | LedgerErrorType, _result("PublicationResult")
]
ClaimResult = Annotated[ClaimPayload | Recorded | LedgerErrorType, _result("ClaimResult")]
AppealResult = Annotated[AppealPayload | Recorded | LedgerErrorType, _result("AppealResult")]
FeedbackResult = Annotated[FeedbackPayload | Recorded | LedgerErrorType, _result("FeedbackResult")]
