"""Claims: evidence claims, their sources, verification rounds and votes, and the indicator
scores they give."""

from __future__ import annotations

import strawberry

from graphql_api.arguments import After, First, Id
from graphql_api.context import Info
from graphql_api.features.log import PageInfo
from graphql_api.fields import field as query
from graphql_api.fields import field as resolver
from graphql_api.inputs import (
    ClaimFilter,
)
from graphql_api.limits import DEFAULT_PAGE, cursor_value, page_size
from graphql_api.permissions import (
    CanReadClaims,
    CanSeeVotes,
    claim_scope,
)
from ledger.errors import UnknownId
from projections import evidence
from projections.evidence import ClaimView, RoundView, SourceView, VoteView
from projections.model import tracking_position
from projections.rankings import ScoreView


@strawberry.type(description="A verifier's vote in a round.")
class Vote:
    """A vote."""

    verifier_id: str = strawberry.field(description="Anonymous verifier id.")
    decision: str = strawberry.field(description="accept or reject.")
    note: str = strawberry.field(description="The verifier's note.")
    time: str = strawberry.field(description="When the vote was cast (ISO 8601).")
    position: int = strawberry.field(description="Ledger position of the vote.")

    @classmethod
    def from_view(cls, v: VoteView) -> Vote:
        """From the read view."""
        return cls(
            verifier_id=v.verifier_id,
            decision=v.decision,
            note=v.note,
            time=v.time,
            position=v.position,
        )


@strawberry.type(description="A verification round of a claim.")
class Round:
    """A round."""

    claim_id: str = strawberry.field(description="Claim id.")
    round_no: int = strawberry.field(description="Round number, from 1.")
    opened_at: str = strawberry.field(description="When the round opened (ISO 8601).")
    opened_position: int = strawberry.field(description="Ledger position it opened at.")
    closed_at: str | None = strawberry.field(description="When it closed, if it has.")
    closed_position: int | None = strawberry.field(description="Ledger position it closed at.")
    outcome: str | None = strawberry.field(description="accepted, rejected or undecided.")
    accepts: int = strawberry.field(description="Accepting votes so far.")
    rejects: int = strawberry.field(description="Rejecting votes so far.")
    quorum: int | None = strawberry.field(description="Quorum applied at closing.")

    @resolver("The votes of this round, in ledger order.", CanSeeVotes)
    async def votes(self, info: Info) -> list[Vote] | None:
        """Votes (batched per request)."""
        views = await info.context.loaders.votes.load((self.claim_id, self.round_no))
        return [Vote.from_view(v) for v in views]

    @classmethod
    def from_view(cls, v: RoundView) -> Round:
        """From the read view."""
        return cls(
            claim_id=v.claim_id,
            round_no=v.round_no,
            opened_at=v.opened_at,
            opened_position=v.opened_position,
            closed_at=v.closed_at,
            closed_position=v.closed_position,
            outcome=v.outcome,
            accepts=v.accepts,
            rejects=v.rejects,
            quorum=v.quorum,
        )


@strawberry.type(description="A source cited by a claim.")
class Source:
    """A source."""

    url: str | None = strawberry.field(description="URL, if online.")
    citation: str | None = strawberry.field(description="Bibliographic citation, if offline.")
    title: str = strawberry.field(description="Title.")
    language: str = strawberry.field(description="ISO 639 language code.")
    date: str = strawberry.field(description="Publication date (YYYY-MM-DD).")
    excerpt: str = strawberry.field(description="The supporting excerpt.")

    @classmethod
    def from_view(cls, v: SourceView) -> Source:
        """From the read view."""
        return cls(
            url=v.url,
            citation=v.citation,
            title=v.title,
            language=v.language,
            date=v.date,
            excerpt=v.excerpt,
        )


@strawberry.type(description="An evidence claim that a city stands on a rung of an indicator.")
class Claim:
    """A claim."""

    claim_id: str = strawberry.field(description="Claim id.")
    edition_id: str = strawberry.field(description="Edition id.")
    city_id: str = strawberry.field(description="City id.")
    indicator_id: str = strawberry.field(description="Indicator id.")
    rung: int = strawberry.field(description="Rung claimed.")
    points: int = strawberry.field(description="Points of that rung.")
    status: str = strawberry.field(
        description="pending, accepted, rejected, withdrawn or superseded."
    )
    sources: list[Source] = strawberry.field(description="The sources cited.")
    languages: list[str] = strawberry.field(description="Languages of the sources.")
    submitted_by: str = strawberry.field(description="Who submitted the claim.")
    supersedes: str | None = strawberry.field(description="Claim this one replaces.")
    superseded_by: str | None = strawberry.field(description="Claim that replaced this one.")
    withdrawn_reason: str | None = strawberry.field(description="Why it was withdrawn.")
    submitted_at: str = strawberry.field(description="When it was submitted (ISO 8601).")
    submitted_position: int = strawberry.field(description="Ledger position of submission.")
    decided_at: str | None = strawberry.field(description="When it was decided.")
    decided_position: int | None = strawberry.field(description="Ledger position of decision.")

    @resolver("Verification rounds, oldest first.")
    async def rounds(self, info: Info) -> list[Round]:
        """Rounds (batched per request)."""
        return [Round.from_view(r) for r in await info.context.loaders.rounds.load(self.claim_id)]

    @classmethod
    def from_view(cls, v: ClaimView) -> Claim:
        """From the read view."""
        return cls(
            claim_id=v.claim_id,
            edition_id=v.edition_id,
            city_id=v.city_id,
            indicator_id=v.indicator_id,
            rung=v.rung,
            points=v.points,
            status=v.status,
            sources=[Source.from_view(s) for s in v.sources],
            languages=list(v.languages),
            submitted_by=v.submitted_by,
            supersedes=v.supersedes,
            superseded_by=v.superseded_by,
            withdrawn_reason=v.withdrawn_reason,
            submitted_at=v.submitted_at,
            submitted_position=v.submitted_position,
            decided_at=v.decided_at,
            decided_position=v.decided_position,
        )


async def load_claim(info: Info, claim_id: str | None) -> Claim | None:
    """A claim by id through the request's loader."""
    if claim_id is None:
        return None
    view = await info.context.loaders.claims.load(claim_id)
    return None if view is None else Claim.from_view(view)


@strawberry.type(description="A city's points on one indicator and the claim that gives them.")
class IndicatorScore:
    """An indicator score."""

    edition_id: str = strawberry.field(description="Edition id.")
    city_id: str = strawberry.field(description="City id.")
    indicator_id: str = strawberry.field(description="Indicator id.")
    points: int = strawberry.field(description="Points (0 without an accepted claim).")
    claim_id: str | None = strawberry.field(description="The supporting accepted claim, if any.")

    @resolver("The supporting claim, with its rounds and votes.")
    async def claim(self, info: Info) -> Claim | None:
        """The claim behind the points."""
        return await load_claim(info, self.claim_id)

    @classmethod
    def from_view(cls, v: ScoreView) -> IndicatorScore:
        """From the read view."""
        return cls(
            edition_id=v.edition_id,
            city_id=v.city_id,
            indicator_id=v.indicator_id,
            points=v.points,
            claim_id=v.claim_id,
        )


async def load_scores(
    info: Info, edition_id: str, position: int, city_id: str
) -> list[IndicatorScore]:
    """Indicator scores through the request's loader (one fold for every city asked)."""
    views = await info.context.loaders.scores.load((edition_id, position, city_id))
    return [IndicatorScore.from_view(v) for v in views]


@strawberry.type(description="A city's indicator scores in an edition as of a ledger position.")
class CityScores:
    """A city's score page."""

    edition_id: str = strawberry.field(description="Edition id.")
    city_id: str = strawberry.field(description="City id.")
    position: int = strawberry.field(description="Ledger position the scores were computed at.")

    @resolver("Points per indicator, with the claims behind them.")
    async def indicators(self, info: Info) -> list[IndicatorScore]:
        """Per-indicator scores."""
        return await load_scores(info, self.edition_id, self.position, self.city_id)


@strawberry.type(description="A claim and its cursor.")
class ClaimEdge:
    """A claim edge."""

    cursor: str = strawberry.field(description="Pass as `after` to continue after this claim.")
    node: Claim = strawberry.field(description="The claim.")


@strawberry.type(description="A page of claims.")
class ClaimConnection:
    """A page of claims."""

    edges: list[ClaimEdge] = strawberry.field(description="Claims in submission order.")
    page_info: PageInfo = strawberry.field(description="Paging.")
    total_count: int = strawberry.field(
        description="How many claims the viewer may read match the filter, over all pages."
    )
    position: int = strawberry.field(description="Read-model position the page was read at.")


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
    ) -> ClaimConnection:
        """A page of claims (cursor = offset)."""
        f, offset, size = filter or ClaimFilter(), cursor_value(after), page_size(first)
        languages, city_ids = claim_scope(info.context.viewer, f.city_ids)
        found = evidence.claims(
            info.context.db, edition_id=f.edition, city_ids=city_ids, indicator_id=f.indicator,
            status=f.status, languages=languages, limit=size + 1, offset=offset,
        )  # fmt: skip
        edges = [
            ClaimEdge(cursor=str(offset + i + 1), node=Claim.from_view(c))
            for i, c in enumerate(found[:size])
        ]
        total = evidence.claim_count(
            info.context.db, edition_id=f.edition, city_ids=city_ids, indicator_id=f.indicator,
            status=f.status, languages=languages,
        )  # fmt: skip
        return ClaimConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=len(found) > size, end_cursor=edges[-1].cursor if edges else None
            ),
            total_count=total,
            position=tracking_position(info.context.db),
        )

    @query("One claim; verifiers see those in their languages, cities their own.", CanReadClaims)
    def claim(self, info: Info, id: Id) -> Claim:
        """A claim."""
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
