"""Catalogue: cities, frameworks with their pillars, indicators and ladders, verifiers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, ClassVar

import strawberry

from graphql_api.arguments import Id
from graphql_api.commands import LedgerInput, Nested, mutation, payload, plains
from graphql_api.context import ApiContext, Info
from graphql_api.features.claims import CityScores, load_scores
from graphql_api.features.years import FrameworkLineage
from graphql_api.fields import field as query
from graphql_api.fields import field as resolver
from graphql_api.inputs import AsOf, SubTable, as_of_value
from graphql_api.outputs import FromView, documented, output, rows
from graphql_api.permissions import CanSeeCityScores, CanSeeVotes, IsEditor, Public
from ledger.fields import IndicatorId
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


@output(
    FrameworkView, convert={"pillars": rows(Pillar, table=lambda t: SubTable(t) if t else None)}
)
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


# ---- commands: cities, frameworks, verifiers ---------------------------------------------


@strawberry.input(description="A pillar of a framework.")
class PillarInput(LedgerInput):
    pillar_id: str = strawberry.field(description="Pillar id: digital, traditional, …")
    name: str = strawberry.field(description="Pillar name.")
    table: SubTable | None = strawberry.field(
        default=None,
        description="The sub-table this pillar counts in (DIGITAL_TRADITIONAL or INSTITUTIONAL); "
        "required except for the report's digital, traditional and institutional pillars.",
    )

    ledger_keys: ClassVar[Mapping[str, str]] = {"pillar_id": "id"}


@strawberry.input(description="A rung of a ladder.")
class RungInput(LedgerInput):
    rung: int = strawberry.field(description="Rung number (1..20), ascending.")
    points: int = strawberry.field(description="Points (0..100).")
    description: str = strawberry.field(description="What a city must show.")


@documented("An indicator with its ladder.", is_input=True)
class IndicatorInput(LedgerInput):
    indicator_id: IndicatorId
    pillar: str = strawberry.field(description="Pillar id.")
    name: str = strawberry.field(description="Indicator name.")
    ladder: list[RungInput] = strawberry.field(description="Rungs, lowest first.")
    proposed: bool = strawberry.field(default=False, description="Proposed, not yet scored.")

    ledger_keys: ClassVar[Mapping[str, str]] = {"indicator_id": "id"}


@strawberry.input(description="How indicators of a version relate to its predecessor's.")
class LineageInput(LedgerInput):
    """One lineage relation."""

    kind: str = strawberry.field(
        description="unchanged, ladder_extended, rescaled, renamed, split, merged, added or "
        "dropped."
    )
    old: list[str] = strawberry.field(description="Indicators of the predecessor version.")
    new: list[str] = strawberry.field(description="Indicators of this version.")
    rung_map: list[list[int]] | None = strawberry.field(
        default=None, description="For rescaled: [old rung, new rung] pairs covering every rung."
    )
    note: str = strawberry.field(default="", description="Why, in words.")

    ledger_keys: ClassVar[Mapping[str, str]] = {"old": "from", "new": "to"}


#: A framework's structure as GraphQL input objects.
STRUCTURE = {
    "pillars": Nested(list[PillarInput], plains),
    "indicators": Nested(list[IndicatorInput], plains),
    "lineage": Nested(list[LineageInput], plains),
}

CityPayload = payload("CityPayload", "A city was registered.", city=(City, "The city as recorded."))
FrameworkPayload = payload(
    "FrameworkPayload",
    "A framework version was defined.",
    framework=(FrameworkVersion, "The version defined."),
)
VerifierPayload = payload(
    "VerifierPayload",
    "A verifier was enrolled or their languages restated.",
    verifier=(Verifier, "The verifier as recorded."),
)


def _city(c: ApiContext, args: dict[str, Any], city_id: str) -> dict[str, Any]:
    return {"city": City.from_view(catalogue.city(c.db, city_id))}


def _framework(c: ApiContext, args: dict[str, Any], version: int) -> dict[str, Any]:
    found = catalogue.framework(c.db, args["framework_id"], version)
    return {"framework": FrameworkVersion.from_view(found)}


def _verifier(c: ApiContext, args: dict[str, Any], _: str) -> dict[str, Any]:
    return {"verifier": Verifier.from_view(catalogue.verifier(c.db, args["verifier_id"]))}


@strawberry.type
class CatalogueMutation:
    """Commands on cities, frameworks and verifiers."""

    register_city = mutation("register_city", IsEditor, CityPayload, _city)
    define_framework = mutation(
        "define_framework", IsEditor, FrameworkPayload, _framework, nested=STRUCTURE
    )
    revise_framework = mutation(
        "revise_framework", IsEditor, FrameworkPayload, _framework, nested=STRUCTURE
    )
    state_lineage = mutation(
        "state_lineage", IsEditor, FrameworkPayload, _framework, nested=STRUCTURE
    )
    enrol_verifier = mutation(
        "enrol_verifier", IsEditor, VerifierPayload, _verifier, input_name="VerifierInput"
    )
    change_verifier_languages = mutation(
        "change_verifier_languages",
        IsEditor,
        VerifierPayload,
        _verifier,
        input_name="VerifierInput",
    )
