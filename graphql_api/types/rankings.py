"""Ranking output types: tables, rows, band moves and edition comparisons."""

from __future__ import annotations

from fractions import Fraction

import strawberry

from graphql_api.context import Info
from graphql_api.fields import field as resolver
from graphql_api.permissions import CanSeeCityScores
from graphql_api.types.catalogue import City
from graphql_api.types.evidence import IndicatorScore, load_scores
from graphql_api.types.movement import ScoreCause
from graphql_api.types.scalars import Exact, RankingTableName
from ledger.errors import UnknownId
from projections.ranking import RankingEntry
from projections.rankings import BandChange


@strawberry.type(description="A city's row in a ranking table.")
class RankingRow:
    """A ranking row."""

    city_id: str = strawberry.field(description="City id.")
    name_en: str = strawberry.field(description="English name.")
    name_zh: str = strawberry.field(description="Chinese name.")
    band: str = strawberry.field(description="Percentile band, like 'top 10%'.")
    exact_rank: strawberry.Private[int]
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

    @resolver(
        "Rank (ties share a rank). The report publishes bands only, so like the score it is "
        "shown only to those who see scores.",
        CanSeeCityScores,
    )
    def rank(self) -> int | None:
        return self.exact_rank

    @resolver("The exact weighted score.", CanSeeCityScores)
    def score(self) -> Exact | None:
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
            exact_rank=e.rank,
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
    rows: list[RankingRow] = strawberry.field(
        description="Rows, best first: by rank for those who see scores; for everyone else "
        "by band (top band first), then alphabetically by English name, as the report lists "
        "them."
    )


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
    causes: list[ScoreCause] = strawberry.field(
        description="The events between that changed this city's score or that of a city that "
        "crossed it, each naming its city, indicator, claim and exact score change."
    )

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
            causes=[ScoreCause.from_view(e) for e in v.causes],
        )


@strawberry.type(description="Band changes of a table between two ledger positions.")
class BandChanges:
    """Band changes."""

    edition_id: str = strawberry.field(description="Edition id.")
    table: RankingTableName = strawberry.field(description="Which table.")
    from_position: int = strawberry.field(description="The earlier position.")
    to_position: int = strawberry.field(description="The later position.")
    changes: list[BandMove] = strawberry.field(description="Cities that changed band.")
