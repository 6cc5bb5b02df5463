"""Catalogue: cities, frameworks with their pillars, indicators and ladders, verifiers."""

from __future__ import annotations

from typing import Annotated

import strawberry

from graphql_api.arguments import Id
from graphql_api.context import Info
from graphql_api.features.claims import CityScores, load_scores
from graphql_api.features.years import FrameworkLineage
from graphql_api.fields import field as query
from graphql_api.fields import field as resolver
from graphql_api.inputs import AsOf, SubTable, as_of_value
from graphql_api.outputs import FromView, output
from graphql_api.permissions import CanSeeCityScores, CanSeeVotes, Public
from projections import catalogue
from projections.catalogue import CityView, FrameworkView, IndicatorView, RungView, VerifierView
from projections.lineage import lineage_step
from projections.rankings import resolve
from projections.report import pinyin_key


@strawberry.type(description="A pillar of a framework.")
class Pillar:
    pillar_id: str = strawberry.field(description="Pillar id: digital, traditional, …")
    name: str = strawberry.field(description="Pillar name.")
    table: SubTable | None = strawberry.field(
        description="The sub-table whose score sums this pillar (every pillar counts in the "
        "total); null for a pillar recorded without one outside the report's three."
    )


@output(RungView)
class Rung(FromView[RungView]):
    pass


@output(IndicatorView, exclude=["framework_id", "version"])
class Indicator(FromView[IndicatorView]):
    pass


def _pillars(pillars: tuple[tuple[str, str, str | None], ...]) -> list[Pillar]:
    return [Pillar(pillar_id=p, name=n, table=SubTable(t) if t else None) for p, n, t in pillars]


@output(FrameworkView, convert={"pillars": _pillars})
class FrameworkVersion(FromView[FrameworkView]):
    pillars: list[Pillar]

    @resolver("The indicators of this version, in framework order.")
    def indicators(self, info: Info) -> list[Indicator]:
        views = catalogue.indicators(info.context.db, self.view.framework_id, self.view.version)
        return [Indicator.from_view(v) for v in views]

    @resolver("How this version relates to its predecessor, indicator by indicator (or null).")
    def lineage(self, info: Info) -> FrameworkLineage | None:
        step = lineage_step(info.context.db, self.view.framework_id, self.view.version)
        return None if step is None else FrameworkLineage.from_view(step)


@output(CityView)
class City(FromView[CityView]):
    @resolver(
        "The Chinese name in pinyin with tone numbers (like 'bei3 jing1'); sorting by it "
        "without the digits, then with them, then by the characters gives the report's order."
    )
    def pinyin(self) -> str:
        return pinyin_key(self.view.name_zh)[1]

    @resolver(
        "The city's points per indicator in an edition, with the claims behind them.",
        CanSeeCityScores,
    )
    async def scores(
        self,
        info: Info,
        edition: Annotated[str, strawberry.argument(description="Edition id.")],
        as_of: Annotated[
            AsOf | None, strawberry.argument(description="When (default: now).")
        ] = None,
    ) -> CityScores | None:
        """Scores as of a point in time; UNKNOWN_ID when the city is not in the edition."""
        position = resolve(info.context.db, as_of_value(as_of))
        # Load now (the loader caches it for `indicators`), so that an unknown edition or a
        # city outside it is refused even when no indicator is selected.
        await load_scores(info, edition, position, self.view.city_id)
        return CityScores(edition_id=edition, city_id=self.view.city_id, position=position)


@output(VerifierView)
class Verifier(FromView[VerifierView]):
    pass


@strawberry.type
class CatalogueQuery:
    """The catalogue fields of the Query root."""

    @query("Every version of every framework, with indicators and ladders.", Public)
    def frameworks(self, info: Info) -> list[FrameworkVersion]:
        return [FrameworkVersion.from_view(f) for f in catalogue.frameworks(info.context.db)]

    @query("Cities in English alphabetical order, optionally those of one edition.", Public)
    def cities(self, info: Info, edition: str | None = None) -> list[City]:
        return [City.from_view(c) for c in catalogue.cities(info.context.db, edition)]

    @query("One city; its scores need a score-viewing token (or the city's own).", Public)
    def city(self, info: Info, id: Id) -> City:
        return City.from_view(catalogue.city(info.context.db, id))

    @query("Every verifier and the languages they read.", CanSeeVotes)
    def verifiers(self, info: Info) -> list[Verifier]:
        return [Verifier.from_view(v) for v in catalogue.verifiers(info.context.db)]
