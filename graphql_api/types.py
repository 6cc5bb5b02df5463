"""GraphQL output types, one per read view; nested data comes through per-request loaders."""

from __future__ import annotations

import json
from enum import Enum
from fractions import Fraction
from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from graphql_api.context import Info
from graphql_api.fields import field as resolver
from graphql_api.inputs import AsOf, as_of_value
from graphql_api.permissions import CanSeeCityScores, CanSeeVotes
from ledger.errors import InvalidInput, UnknownId
from projections import queries as reads
from projections.rankings import resolve
from projections.views import (
    AppealView,
    BallotView,
    BandChange,
    CityView,
    ClaimView,
    EditionComparison,
    EditionView,
    EventView,
    FrameworkView,
    IndicatorView,
    PublicationView,
    RankingEntry,
    RoundView,
    ScoreView,
    SourceView,
    VerifierView,
    VoteView,
    WeightRevisionView,
)

MAX_PLACES = 10


@strawberry.enum(description="The three tables of an edition.")
class RankingTableName(Enum):
    """Which pillars a table sums."""

    TOTAL = "total"
    DIGITAL_TRADITIONAL = "digital_traditional"
    INSTITUTIONAL = "institutional"


def display_decimal(value: Fraction, places: int) -> str:
    """A fraction as a decimal string rounded half-even to `places` digits."""
    if not 0 <= places <= MAX_PLACES:
        raise InvalidInput(
            f"places {places} is out of range 0..{MAX_PLACES}", field="places", value=places
        )
    scaled = round(value * 10**places)
    sign, digits = ("-" if scaled < 0 else ""), str(abs(scaled)).rjust(places + 1, "0")
    if places == 0:
        return sign + digits
    return f"{sign}{digits[:-places]}.{digits[-places:]}"


@strawberry.type(description="An exact rational number, as a fraction and as a rounded decimal.")
class Exact:
    """An exact Fraction; never a float."""

    value: strawberry.Private[Fraction]

    @resolver('The exact value in lowest terms, like "2525/32" or "79".')
    def fraction(self) -> str:
        """The exact fraction."""
        return str(self.value)

    @resolver("The value rounded half-even for display, like 78.91.")
    def decimal(
        self,
        places: Annotated[
            int, strawberry.argument(description=f"Digits after the point, 0..{MAX_PLACES}.")
        ] = 2,
    ) -> str:
        """The rounded decimal."""
        return display_decimal(self.value, places)


@strawberry.type(description="A pillar of a framework.")
class Pillar:
    """A pillar."""

    pillar_id: str = strawberry.field(description="Pillar id: digital, traditional, …")
    name: str = strawberry.field(description="Pillar name.")


@strawberry.type(description="One rung of an indicator's ladder.")
class Rung:
    """A rung."""

    rung: int = strawberry.field(description="Rung number, ascending.")
    points: int = strawberry.field(description="Points a city on this rung scores.")
    description: str = strawberry.field(description="What a city must show to stand here.")


@strawberry.type(description="An indicator of one framework version, with its ladder.")
class Indicator:
    """An indicator."""

    indicator_id: str = strawberry.field(description="Indicator id.")
    pillar: str = strawberry.field(description="Pillar id the indicator belongs to.")
    name: str = strawberry.field(description="Indicator name.")
    proposed: bool = strawberry.field(description="Proposed (not yet scored) indicator.")
    ladder: list[Rung] = strawberry.field(description="The rungs, lowest first.")

    @classmethod
    def from_view(cls, v: IndicatorView) -> Indicator:
        """From the read view."""
        ladder = [Rung(rung=r.rung, points=r.points, description=r.description) for r in v.ladder]
        return cls(
            indicator_id=v.indicator_id,
            pillar=v.pillar,
            name=v.name,
            proposed=v.proposed,
            ladder=ladder,
        )


@strawberry.type(description="One version of an indicator framework.")
class FrameworkVersion:
    """A framework version."""

    framework_id: str = strawberry.field(description="Framework id.")
    version: int = strawberry.field(description="Version number, from 1.")
    title: str = strawberry.field(description="Title.")
    pillars: list[Pillar] = strawberry.field(description="Pillars, in order.")
    note: str = strawberry.field(description="Revision note (empty for version 1).")
    defined_at: str = strawberry.field(description="When the version was defined (ISO 8601).")
    position: int = strawberry.field(description="Ledger position of the defining event.")

    @resolver("The indicators of this version, in framework order.")
    def indicators(self, info: Info) -> list[Indicator]:
        """Indicators with ladders."""
        views = reads.indicators(info.context.db, self.framework_id, self.version)
        return [Indicator.from_view(v) for v in views]

    @classmethod
    def from_view(cls, v: FrameworkView) -> FrameworkVersion:
        """From the read view."""
        return cls(
            framework_id=v.framework_id,
            version=v.version,
            title=v.title,
            pillars=[Pillar(pillar_id=p, name=n) for p, n in v.pillars],
            note=v.note,
            defined_at=v.defined_at,
            position=v.position,
        )


@strawberry.type(description="A publication of an edition's tables at a ledger position.")
class Publication:
    """A publication."""

    edition_id: str = strawberry.field(description="Edition id.")
    publication_no: int = strawberry.field(description="Publication number within the edition.")
    position: int = strawberry.field(description="Ledger position the tables were computed at.")
    digest: str = strawberry.field(description="Chain hash of the log up to that position.")
    tree_head: str = strawberry.field(
        description="RFC 9162 Merkle tree head over the events up to that position."
    )
    tables: list[str] = strawberry.field(description="Tables published.")
    by: str = strawberry.field(description="Who published.")
    time: str = strawberry.field(description="When it was published (ISO 8601).")
    event_position: int = strawberry.field(description="Ledger position of the publish event.")

    @classmethod
    def from_view(cls, v: PublicationView) -> Publication:
        """From the read view."""
        return cls(
            edition_id=v.edition_id,
            publication_no=v.publication_no,
            position=v.position,
            digest=v.digest,
            tree_head=v.tree_head,
            tables=list(v.tables),
            by=v.by,
            time=v.time,
            event_position=v.event_position,
        )


@strawberry.type(description="A city and its names.")
class City:
    """A city."""

    city_id: str = strawberry.field(description="Stable city id.")
    name_en: str = strawberry.field(description="English name.")
    name_zh: str = strawberry.field(description="Chinese name.")
    country: str = strawberry.field(description="ISO 3166-1 alpha-2 country code.")
    aliases_zh: list[str] = strawberry.field(description="Other Chinese names.")

    @resolver(
        "The city's points per indicator in an edition, with the claims behind them.",
        CanSeeCityScores,
    )
    def scores(
        self,
        info: Info,
        edition: Annotated[str, strawberry.argument(description="Edition id.")],
        as_of: Annotated[
            AsOf | None, strawberry.argument(description="When (default: now).")
        ] = None,
    ) -> CityScores | None:
        """Scores as of a point in time."""
        position = resolve(info.context.db, as_of_value(as_of))
        return CityScores(edition_id=edition, city_id=self.city_id, position=position)

    @classmethod
    def from_view(cls, v: CityView) -> City:
        """From the read view."""
        return cls(
            city_id=v.city_id,
            name_en=v.name_en,
            name_zh=v.name_zh,
            country=v.country,
            aliases_zh=list(v.aliases_zh),
        )


@strawberry.type(description="An edition and what it pins.")
class Edition:
    """An edition."""

    edition_id: str = strawberry.field(description="Edition id.")
    year: int = strawberry.field(description="Year.")
    title: str = strawberry.field(description="Title.")
    region: str = strawberry.field(description="Region covered.")
    framework_id: str = strawberry.field(description="Framework pinned.")
    framework_version: int = strawberry.field(description="Framework version pinned.")
    weight_set_id: str = strawberry.field(description="Weight set used.")
    evidence_cutoff: str = strawberry.field(description="Last date of admissible evidence.")
    quorum: int = strawberry.field(description="Accepting votes a claim needs.")
    city_count: int = strawberry.field(description="Cities included.")
    created_at: str = strawberry.field(description="When the edition was created (ISO 8601).")
    position: int = strawberry.field(description="Ledger position of the creating event.")

    @resolver("The edition's cities, in English alphabetical order.")
    def cities(self, info: Info) -> list[City]:
        """Included cities."""
        return [City.from_view(c) for c in reads.cities(info.context.db, self.edition_id)]

    @resolver("The edition's publications, oldest first.")
    def publications(self, info: Info) -> list[Publication]:
        """Publications."""
        views = reads.publications(info.context.db, self.edition_id)
        return [Publication.from_view(p) for p in views]

    @classmethod
    def from_view(cls, v: EditionView) -> Edition:
        """From the read view."""
        return cls(
            edition_id=v.edition_id,
            year=v.year,
            title=v.title,
            region=v.region,
            framework_id=v.framework_id,
            framework_version=v.framework_version,
            weight_set_id=v.weight_set_id,
            evidence_cutoff=v.evidence_cutoff,
            quorum=v.quorum,
            city_count=v.city_count,
            created_at=v.created_at,
            position=v.position,
        )


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


@strawberry.type(description="A city's row in a ranking table.")
class RankingRow:
    """A ranking row."""

    city_id: str = strawberry.field(description="City id.")
    name_en: str = strawberry.field(description="English name.")
    name_zh: str = strawberry.field(description="Chinese name.")
    rank: int = strawberry.field(description="Rank (ties share a rank).")
    band: str = strawberry.field(description="Percentile band, like 'top 10%'.")
    edition_id: strawberry.Private[str]
    position: strawberry.Private[int]
    exact_score: strawberry.Private[Fraction]

    @resolver("The city, with its names.")
    async def city(self, info: Info) -> City:
        """The city (batched per request)."""
        view = await info.context.loaders.cities.load(self.city_id)
        if view is None:
            raise UnknownId(f"city {self.city_id!r} does not exist", field="city_id")
        return City.from_view(view)

    @resolver("The exact weighted score.", CanSeeCityScores)
    def score(self) -> Exact | None:
        """The score."""
        return Exact(value=self.exact_score)

    @resolver(
        "Points per indicator with the supporting claims (one batch per page).", CanSeeCityScores
    )
    async def indicator_scores(self, info: Info) -> list[IndicatorScore] | None:
        """Per-indicator scores."""
        return await load_scores(info, self.edition_id, self.position, self.city_id)

    @classmethod
    def from_entry(cls, e: RankingEntry, edition_id: str, position: int) -> RankingRow:
        """From a ranking entry."""
        return cls(
            city_id=e.city_id,
            name_en=e.name_en,
            name_zh=e.name_zh,
            rank=e.rank,
            band=e.band,
            edition_id=edition_id,
            position=position,
            exact_score=e.score,
        )


@strawberry.type(description="A table of an edition as computed at a ledger position.")
class RankingTable:
    """A ranking table."""

    edition_id: str = strawberry.field(description="Edition id.")
    table: RankingTableName = strawberry.field(description="Which table.")
    position: int = strawberry.field(description="Ledger position it was computed at.")
    time: str | None = strawberry.field(description="Time of the event at that position.")
    publication_no: int | None = strawberry.field(
        description="The publication shown (null for a live table)."
    )
    rows: list[RankingRow] = strawberry.field(description="Rows, best first.")


@strawberry.type(description="One event of the ledger, decoded.")
class Event:
    """An event."""

    position: int = strawberry.field(description="Ledger position.")
    type: str = strawberry.field(description="Event type, like ClaimSubmitted.")
    time: str = strawberry.field(description="When it occurred (ISO 8601, UTC).")
    originator_id: str = strawberry.field(description="Aggregate UUID.")
    originator_version: int = strawberry.field(description="Aggregate version.")
    edition_id: str | None = strawberry.field(description="Edition it concerns, if any.")
    city_id: str | None = strawberry.field(description="City it concerns, if any.")
    data: JSON = strawberry.field(description="The event's own data.")
    hash: str = strawberry.field(description="Chain hash up to and including this event.")

    @classmethod
    def from_view(cls, v: EventView) -> Event:
        """From the read view."""
        return cls(
            position=v.position,
            type=v.type,
            time=v.time,
            originator_id=v.originator_id,
            originator_version=v.originator_version,
            edition_id=v.edition_id,
            city_id=v.city_id,
            data=json.loads(v.data),
            hash=v.hash,
        )


@strawberry.type(description="Relay page information.")
class PageInfo:
    """Page information."""

    has_next_page: bool = strawberry.field(description="Whether more items follow.")
    end_cursor: str | None = strawberry.field(description="Cursor of the last item.")


@strawberry.type(description="An event and its cursor (its ledger position).")
class EventEdge:
    """An event edge."""

    cursor: str = strawberry.field(description="Pass as `after` to continue after this event.")
    node: Event = strawberry.field(description="The event.")


@strawberry.type(description="A page of the event log.")
class EventConnection:
    """A page of events."""

    edges: list[EventEdge] = strawberry.field(description="Events in ledger order.")
    page_info: PageInfo = strawberry.field(description="Paging.")
    position: int = strawberry.field(description="Read-model position the page was read at.")


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
    position: int = strawberry.field(description="Read-model position the page was read at.")


@strawberry.type(description="An indicator's weight.")
class Weight:
    """A weight."""

    indicator_id: str = strawberry.field(description="Indicator id.")
    weight: Exact = strawberry.field(description="Exact weight.")


@strawberry.type(description="A revision of the weights in force.")
class WeightRevision:
    """A weight revision."""

    weight_set_id: str = strawberry.field(description="Weight set id.")
    revision: int = strawberry.field(description="Revision number.")
    method: str = strawberry.field(
        description="How the weights were set, e.g. set-by-editor or a mean of ballots."
    )
    weights: list[Weight] = strawberry.field(description="The weights.")
    ballot_count: int | None = strawberry.field(description="Ballots averaged, if aggregated.")
    reason: str = strawberry.field(description="Why.")
    by: str = strawberry.field(description="Who.")
    time: str = strawberry.field(description="When (ISO 8601).")
    position: int = strawberry.field(description="Ledger position.")

    @classmethod
    def from_view(cls, v: WeightRevisionView) -> WeightRevision:
        """From the read view."""
        return cls(
            weight_set_id=v.weight_set_id,
            revision=v.revision,
            method=v.method,
            weights=[Weight(indicator_id=i, weight=Exact(value=w)) for i, w in v.weights],
            ballot_count=v.ballot_count,
            reason=v.reason,
            by=v.by,
            time=v.time,
            position=v.position,
        )


@strawberry.type(description="Points a ballot gives one indicator.")
class Allocation:
    """An allocation."""

    indicator_id: str = strawberry.field(description="Indicator id.")
    points: int = strawberry.field(description="Points of the 100.")


@strawberry.type(description="A panelist's current ballot.")
class Ballot:
    """A ballot."""

    weight_set_id: str = strawberry.field(description="Weight set id.")
    panelist_id: str = strawberry.field(description="Anonymous panelist id.")
    field: str = strawberry.field(description="The panelist's field.")
    allocations: list[Allocation] = strawberry.field(description="Points per indicator.")
    revisions: int = strawberry.field(description="Times the ballot was revised.")
    time: str = strawberry.field(description="When last cast (ISO 8601).")
    position: int = strawberry.field(description="Ledger position of the last cast.")

    @classmethod
    def from_view(cls, v: BallotView) -> Ballot:
        """From the read view."""
        return cls(
            weight_set_id=v.weight_set_id,
            panelist_id=v.panelist_id,
            field=v.field,
            allocations=[Allocation(indicator_id=i, points=p) for i, p in v.allocations],
            revisions=v.revisions,
            time=v.time,
            position=v.position,
        )


@strawberry.type(description="A weight set's revisions and the ballots the viewer may see.")
class Weights:
    """Weights of a set."""

    weight_set_id: str = strawberry.field(description="Weight set id.")
    position: int = strawberry.field(description="Read-model position of the answer.")
    revisions: list[WeightRevision] = strawberry.field(description="Revisions, oldest first.")
    ballots: list[Ballot] = strawberry.field(
        description="Current ballots (a panelist sees only their own)."
    )


@strawberry.type(description="An anonymous verifier and the languages they read.")
class Verifier:
    """A verifier."""

    verifier_id: str = strawberry.field(description="Verifier id.")
    languages: list[str] = strawberry.field(description="Languages read.")

    @classmethod
    def from_view(cls, v: VerifierView) -> Verifier:
        """From the read view."""
        return cls(verifier_id=v.verifier_id, languages=list(v.languages))


@strawberry.type(description="A city's appeal and its answer.")
class Appeal:
    """An appeal."""

    appeal_id: str = strawberry.field(description="Appeal id.")
    edition_id: str = strawberry.field(description="Edition id.")
    city_id: str = strawberry.field(description="City id.")
    indicator_id: str | None = strawberry.field(description="Indicator appealed, if any.")
    text: str = strawberry.field(description="The appeal.")
    filed_by: str = strawberry.field(description="Who filed it.")
    status: str = strawberry.field(description="open, upheld or dismissed.")
    response: str | None = strawberry.field(description="The editors' response.")
    answered_by: str | None = strawberry.field(description="Who answered.")
    filed_at: str = strawberry.field(description="When filed (ISO 8601).")
    answered_at: str | None = strawberry.field(description="When answered.")

    @classmethod
    def from_view(cls, v: AppealView) -> Appeal:
        """From the read view."""
        return cls(
            appeal_id=v.appeal_id,
            edition_id=v.edition_id,
            city_id=v.city_id,
            indicator_id=v.indicator_id,
            text=v.text,
            filed_by=v.filed_by,
            status=v.status,
            response=v.response,
            answered_by=v.answered_by,
            filed_at=v.filed_at,
            answered_at=v.answered_at,
        )


@strawberry.type(description="Appeals and the position they were read at.")
class Appeals:
    """A list of appeals."""

    position: int = strawberry.field(description="Read-model position of the answer.")
    items: list[Appeal] = strawberry.field(description="Appeals, oldest first.")


@strawberry.type(description="A city whose band differs between two points, and why.")
class BandMove:
    """A band change."""

    city_id: str = strawberry.field(description="City id.")
    name_en: str = strawberry.field(description="English name.")
    before_band: str = strawberry.field(description="Band at the earlier point.")
    after_band: str = strawberry.field(description="Band at the later point.")
    before_rank: int = strawberry.field(description="Rank at the earlier point.")
    after_rank: int = strawberry.field(description="Rank at the later point.")
    before_score: Exact = strawberry.field(description="Score at the earlier point.")
    after_score: Exact = strawberry.field(description="Score at the later point.")
    causes: list[Event] = strawberry.field(description="Decisions and weight changes between.")

    @classmethod
    def from_view(cls, v: BandChange) -> BandMove:
        """From the read view."""
        return cls(
            city_id=v.city_id,
            name_en=v.name_en,
            before_band=v.before_band,
            after_band=v.after_band,
            before_rank=v.before_rank,
            after_rank=v.after_rank,
            before_score=Exact(value=v.before_score),
            after_score=Exact(value=v.after_score),
            causes=[Event.from_view(e) for e in v.causes],
        )


@strawberry.type(description="Band changes of a table between two ledger positions.")
class BandChanges:
    """Band changes."""

    edition_id: str = strawberry.field(description="Edition id.")
    table: RankingTableName = strawberry.field(description="Which table.")
    from_position: int = strawberry.field(description="The earlier position.")
    to_position: int = strawberry.field(description="The later position.")
    changes: list[BandMove] = strawberry.field(description="Cities that changed band.")


@strawberry.type(description="A city's band and rank in two editions.")
class ComparisonRow:
    """A comparison row."""

    city_id: str = strawberry.field(description="City id.")
    name_en: str = strawberry.field(description="English name.")
    band_a: str | None = strawberry.field(description="Band in edition a (null if absent).")
    band_b: str | None = strawberry.field(description="Band in edition b (null if absent).")
    rank_a: int | None = strawberry.field(description="Rank in edition a.")
    rank_b: int | None = strawberry.field(description="Rank in edition b.")

    @classmethod
    def from_view(cls, v: EditionComparison) -> ComparisonRow:
        """From the read view."""
        return cls(
            city_id=v.city_id,
            name_en=v.name_en,
            band_a=v.band_a,
            band_b=v.band_b,
            rank_a=v.rank_a,
            rank_b=v.rank_b,
        )


@strawberry.type(description="Two editions side by side (current standings).")
class Comparison:
    """An edition comparison."""

    position: int = strawberry.field(description="Read-model position of the answer.")
    rows: list[ComparisonRow] = strawberry.field(description="Every city of either edition.")


@strawberry.type(description="Who the request's token identifies.")
class Me:
    """The viewer."""

    role: str | None = strawberry.field(description="Role (null when anonymous).")
    name: str | None = strawberry.field(description="Token holder's name / acting id.")
    city_id: str | None = strawberry.field(description="City a city token is bound to.")
    languages: list[str] = strawberry.field(description="Languages a verifier reads.")
    weight_set_id: str | None = strawberry.field(description="Panel a panelist token is bound to.")
    panelist_id: str | None = strawberry.field(description="Panelist a token is bound to.")
