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
from graphql_api.inputs import (
    AsOf,
    SubTable,
    as_of_value,
)
from graphql_api.permissions import (
    CanSeeCityScores,
    CanSeeVotes,
    Public,
)
from projections import catalogue
from projections.catalogue import CityView, FrameworkView, IndicatorView, VerifierView
from projections.lineage import lineage_step
from projections.rankings import resolve
from projections.report import pinyin_key


@strawberry.type(description="A pillar of a framework.")
class Pillar:
    """A pillar."""

    pillar_id: str = strawberry.field(description="Pillar id: digital, traditional, …")
    name: str = strawberry.field(description="Pillar name.")
    table: SubTable | None = strawberry.field(
        description="The sub-table whose score sums this pillar (every pillar counts in the "
        "total); null for a pillar recorded without one outside the report's three."
    )


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
        views = catalogue.indicators(info.context.db, self.framework_id, self.version)
        return [Indicator.from_view(v) for v in views]

    @resolver("How this version relates to its predecessor, indicator by indicator (or null).")
    def lineage(self, info: Info) -> FrameworkLineage | None:
        """The stated lineage."""
        step = lineage_step(info.context.db, self.framework_id, self.version)
        return None if step is None else FrameworkLineage.from_view(step)

    @classmethod
    def from_view(cls, v: FrameworkView) -> FrameworkVersion:
        """From the read view."""
        return cls(
            framework_id=v.framework_id,
            version=v.version,
            title=v.title,
            pillars=[
                Pillar(pillar_id=p, name=n, table=SubTable(t) if t else None)
                for p, n, t in v.pillars
            ],
            note=v.note,
            defined_at=v.defined_at,
            position=v.position,
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
        "The Chinese name in pinyin with tone numbers (like 'bei3 jing1'); sorting by it "
        "without the digits, then with them, then by the characters gives the report's order."
    )
    def pinyin(self) -> str:
        """Pinyin of the Chinese name."""
        return pinyin_key(self.name_zh)[1]

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
        await load_scores(info, edition, position, self.city_id)
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


@strawberry.type(description="An anonymous verifier and the languages they read.")
class Verifier:
    """A verifier."""

    verifier_id: str = strawberry.field(description="Verifier id.")
    languages: list[str] = strawberry.field(description="Languages read.")

    @classmethod
    def from_view(cls, v: VerifierView) -> Verifier:
        """From the read view."""
        return cls(verifier_id=v.verifier_id, languages=list(v.languages))


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
