"""Claims: evidence claims, their sources, verification rounds and votes, and the indicator
scores they give."""

from __future__ import annotations

from typing import Any

import strawberry

from graphql_api.arguments import After, First, Id
from graphql_api.commands import LedgerInput, Nested, mutation, payload, plains
from graphql_api.context import ApiContext, Info
from graphql_api.fields import field as query
from graphql_api.fields import field as resolver
from graphql_api.inputs import ClaimFilter, Decision
from graphql_api.limits import DEFAULT_PAGE, cursor_value, page_size
from graphql_api.outputs import FromView, documented, output
from graphql_api.paging import Connection
from graphql_api.permissions import (
    CanReadClaims,
    CanSeeVotes,
    IsEditor,
    IsResearcherOrEditor,
    IsVerifier,
    claim_scope,
)
from ledger import validate
from ledger.errors import UnknownId
from ledger.fields import CityId, EditionId, Title
from ledger.vocabulary import ClaimStatus
from projections import evidence
from projections.evidence import ClaimView, RoundView, SourceView, VoteView
from projections.model import tracking_position
from projections.rankings import ScoreView


@output(VoteView, exclude=["claim_id", "round_no"])
class Vote(FromView[VoteView]):
    pass


@output(RoundView)
class Round(FromView[RoundView]):
    @resolver("The votes of this round, in ledger order.", CanSeeVotes)
    async def votes(self, info: Info) -> list[Vote] | None:
        """Batched per request: one query for every round asked for."""
        views = await info.context.loaders.votes.load((self.view.claim_id, self.view.round_no))
        return [Vote.from_view(v) for v in views]


@output(SourceView)
class Source(FromView[SourceView]):
    pass


@output(ClaimView)
class Claim(FromView[ClaimView]):
    @resolver("Verification rounds, oldest first.")
    async def rounds(self, info: Info) -> list[Round]:
        found = await info.context.loaders.rounds.load(self.view.claim_id)
        return [Round.from_view(r) for r in found]


async def load_claim(info: Info, claim_id: str | None) -> Claim | None:
    """A claim by id through the request's loader."""
    if claim_id is None:
        return None
    view = await info.context.loaders.claims.load(claim_id)
    return None if view is None else Claim.from_view(view)


@output(ScoreView)
class IndicatorScore(FromView[ScoreView]):
    @resolver("The supporting claim, with its rounds and votes.")
    async def claim(self, info: Info) -> Claim | None:
        return await load_claim(info, self.view.claim_id)


async def load_scores(
    info: Info, edition_id: str, position: int, city_id: str
) -> list[IndicatorScore]:
    """Indicator scores through the request's loader (one fold for every city asked)."""
    views = await info.context.loaders.scores.load((edition_id, position, city_id))
    return [IndicatorScore.from_view(v) for v in views]


@documented("A city's indicator scores in an edition as of a ledger position.")
class CityScores:
    edition_id: EditionId
    city_id: CityId
    position: int = strawberry.field(description="Ledger position the scores were computed at.")

    @resolver("Points per indicator, with the claims behind them.")
    async def indicators(self, info: Info) -> list[IndicatorScore]:
        return await load_scores(info, self.edition_id, self.position, self.city_id)


@strawberry.type
class ClaimsQuery:
    """The claims fields of the Query root."""

    @query("Claims, filtered; verifiers see their languages, cities their own.", CanReadClaims)
    def claims(
        self,
        info: Info,
        filter: ClaimFilter | None = None,
        first: First = DEFAULT_PAGE,
        after: After = None,
    ) -> Connection[Claim]:
        """A page of claims; a claim's cursor is its offset in the filtered list, plus one."""
        f, offset, size = filter or ClaimFilter(), cursor_value(after), page_size(first)
        if f.status is not None:
            # A closed set: a misspelt status is an error, not an empty page.
            validate.one_of("status", f.status, [s.value for s in ClaimStatus])
        languages, city_ids = claim_scope(info.context.viewer, f.city_ids)
        chosen: dict[str, Any] = {
            "edition_id": f.edition, "city_ids": city_ids, "indicator_id": f.indicator,
            "status": f.status, "languages": languages,
        }  # fmt: skip
        db = info.context.db
        found = evidence.claims(db, limit=size + 1, offset=offset, **chosen)
        return Connection.page(
            ((str(offset + i + 1), Claim.from_view(c)) for i, c in enumerate(found[:size])),
            more=len(found) > size,
            total=evidence.claim_count(db, **chosen),
            position=tracking_position(db),
        )

    @query("One claim; verifiers see those in their languages, cities their own.", CanReadClaims)
    def claim(self, info: Info, id: Id) -> Claim:
        languages, city_ids = claim_scope(info.context.viewer, None)
        found = evidence.claims(
            info.context.db, claim_ids=[id], languages=languages, city_ids=city_ids
        )
        if not found:
            raise UnknownId(
                f"claim {id!r} does not exist or is not readable with this token",
                field="id",
                value=id,
            )
        return Claim.from_view(found[0])


# ---- commands: claims, rounds and votes ---------------------------------------------------


@documented("A source cited by a claim: a URL or a citation, or both.", is_input=True)
class SourceInput(LedgerInput):
    title: Title
    language: str = strawberry.field(description="ISO 639 language code, like zh or en.")
    date: str = strawberry.field(description="Publication date, YYYY-MM-DD.")
    excerpt: str = strawberry.field(description="The supporting excerpt.")
    url: str | None = strawberry.field(default=None, description="http(s) URL.")
    citation: str | None = strawberry.field(default=None, description="Citation.")


#: Evidence as GraphQL input objects.
SOURCES = Nested(list[SourceInput], plains)
#: A verifier's vote, as the Decision enum.
DECISION = Nested(Decision)

ClaimPayload = payload(
    "ClaimPayload",
    "A claim was submitted, withdrawn, voted on or a round changed.",
    claim=(Claim, "The claim as it now stands."),
    round_no=(int | None, "The round opened or voted in, if any."),
    outcome=(str | None, "A closed round's outcome, if any."),
)


def _claim(c: ApiContext, claim_id: str, **extra: object) -> dict[str, Any]:
    """The claim read back, with the round opened or voted in, or the outcome, if any."""
    found = Claim.from_view(evidence.claim(c.db, claim_id))
    return {"claim": found, "round_no": None, "outcome": None, **extra}


@strawberry.type
class ClaimsMutation:
    """Commands on claims: submission, withdrawal, rounds and votes."""

    submit_claim = mutation(
        "submit_claim", IsResearcherOrEditor, ClaimPayload,
        lambda c, args, claim_id: _claim(c, claim_id),
        description="Submit evidence that a city stands on a rung (submitter: the token). A "
        "claim that supersedes another (the token's own, or anyone's for an editor) replaces it "
        "once accepted.",
        nested={"sources": SOURCES},
    )  # fmt: skip
    withdraw_claim = mutation(
        "withdraw_claim", IsResearcherOrEditor, ClaimPayload,
        lambda c, args, _: _claim(c, args["claim_id"]), flat=True,
    )  # fmt: skip
    open_round = mutation(
        "open_round", IsEditor, ClaimPayload,
        lambda c, args, n: _claim(c, args["claim_id"], round_no=n), flat=True,
    )  # fmt: skip
    cast_vote = mutation(
        "cast_vote", IsVerifier, ClaimPayload,
        lambda c, args, n: _claim(c, args["claim_id"], round_no=n),
        description="Vote in a claim's open round as the token's verifier.",
        nested={"decision": DECISION},
    )  # fmt: skip
    close_round = mutation(
        "close_round", IsEditor, ClaimPayload,
        lambda c, args, outcome: _claim(c, args["claim_id"], outcome=outcome), flat=True,
    )  # fmt: skip
