"""Catalogue: cities, frameworks with their pillars, indicators and ladders, verifiers."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from graphql_api.arguments import Id
from graphql_api.commands import Nested, mutation, payload, plains
from graphql_api.context import ApiContext, Info
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
    IsEditor,
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


# ---- commands: cities, frameworks, verifiers ---------------------------------------------


@strawberry.input(description="A pillar of a framework.")
class PillarInput:
    """A pillar."""

    pillar_id: str = strawberry.field(description="Pillar id: digital, traditional, …")
    name: str = strawberry.field(description="Pillar name.")
    table: SubTable | None = strawberry.field(
        default=None,
        description="The sub-table this pillar counts in (DIGITAL_TRADITIONAL or INSTITUTIONAL); "
        "required except for the report's digital, traditional and institutional pillars.",
    )

    def plain(self) -> dict[str, Any]:
        """As the Ledger takes it."""
        plain: dict[str, Any] = {"id": self.pillar_id, "name": self.name}
        if self.table is not None:
            plain["table"] = self.table.value
        return plain


@strawberry.input(description="A rung of a ladder.")
class RungInput:
    """A rung."""

    rung: int = strawberry.field(description="Rung number (1..20), ascending.")
    points: int = strawberry.field(description="Points (0..100).")
    description: str = strawberry.field(description="What a city must show.")


@strawberry.input(description="An indicator with its ladder.")
class IndicatorInput:
    """An indicator."""

    indicator_id: str = strawberry.field(description="Indicator id.")
    pillar: str = strawberry.field(description="Pillar id.")
    name: str = strawberry.field(description="Indicator name.")
    ladder: list[RungInput] = strawberry.field(description="Rungs, lowest first.")
    proposed: bool = strawberry.field(default=False, description="Proposed, not yet scored.")

    def plain(self) -> dict[str, Any]:
        """As the Ledger takes it."""
        return {
            "id": self.indicator_id,
            "pillar": self.pillar,
            "name": self.name,
            "proposed": self.proposed,
            "ladder": [
                {"rung": r.rung, "points": r.points, "description": r.description}
                for r in self.ladder
            ],
        }


@strawberry.input(description="How indicators of a version relate to its predecessor's.")
class LineageInput:
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

    def plain(self) -> dict[str, Any]:
        """As the Ledger takes it."""
        return {"kind": self.kind, "from": self.old, "to": self.new,
                "rung_map": self.rung_map, "note": self.note}  # fmt: skip


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

    register_city = mutation(
        "register_city", IsEditor, "Register a city under a stable id.", CityPayload, _city
    )
    define_framework = mutation(
        "define_framework", IsEditor, "Define version 1 of an indicator framework.",
        FrameworkPayload, _framework, nested=STRUCTURE,
    )  # fmt: skip
    revise_framework = mutation(
        "revise_framework", IsEditor, "Define the next version of a framework.",
        FrameworkPayload, _framework, nested=STRUCTURE,
    )  # fmt: skip
    state_lineage = mutation(
        "state_lineage", IsEditor,
        "State how a framework version relates to a predecessor version.",
        FrameworkPayload, _framework, nested=STRUCTURE,
    )  # fmt: skip
    enrol_verifier = mutation(
        "enrol_verifier", IsEditor, "Enrol an anonymous verifier with the languages they read.",
        VerifierPayload, _verifier, input_name="VerifierInput",
    )  # fmt: skip
    change_verifier_languages = mutation(
        "change_verifier_languages", IsEditor, "Restate the languages a verifier reads.",
        VerifierPayload, _verifier, input_name="VerifierInput",
    )  # fmt: skip
