"""Years: framework lineage, edition comparisons and a city's history."""

from __future__ import annotations

import json
from enum import Enum
from typing import Annotated

import strawberry

from graphql_api.arguments import Id
from graphql_api.context import Info
from graphql_api.fields import field as query
from graphql_api.fields import field as resolver
from graphql_api.outputs import FromView, documented, output, rows
from graphql_api.permissions import CanSeeCityScores, CanSeeScores, Public
from graphql_api.scalars import Exact, RankingTableName
from ledger.errors import PermissionDenied
from ledger.fields import CityId, IndicatorId
from projections.compare import (
    ComparedCity,
    Comparison,
    OneSided,
    WeightChange,
    compare,
    comparison_json,
)
from projections.history import (
    CityHistory,
    EditionStep,
    HistoryEntry,
    TableStanding,
    city_history,
)
from projections.lineage import (
    Derivation,
    DiffEntry,
    FrameworkDiff,
    LineageStep,
    Relation,
    framework_diff,
)


@strawberry.enum(description="Where an edition is read for a comparison.")
class ComparisonPoint(Enum):
    PUBLICATION = "publication"
    NOW = "now"


@output(
    ComparedCity,
    guarded=dict.fromkeys(
        ["rank_a", "rank_b", "score_a", "score_b", "method_part", "performance_part"],
        CanSeeCityScores,
    ),
)
class ComparedCityRow(FromView[ComparedCity]):
    @resolver("Percentile position rank/N in a.", CanSeeCityScores)
    def percentile_a(self) -> Exact | None:
        return Exact(value=self.view.percentile_a)

    @resolver("Percentile position rank/N in b.", CanSeeCityScores)
    def percentile_b(self) -> Exact | None:
        return Exact(value=self.view.percentile_b)


@output(OneSided, exclude=["name_zh"], guarded=dict.fromkeys(["rank", "score"], CanSeeCityScores))
class OneSidedCity(FromView[OneSided]):
    pass


@strawberry.type(description="One cell of the band transition matrix.")
class TransitionCell:
    to_band: str = strawberry.field(description="Band in b, or 'left'.")
    count: int = strawberry.field(description="Cities.")


@strawberry.type(description="One row of the band transition matrix.")
class TransitionRow:
    from_band: str = strawberry.field(description="Band in a, or 'entered'.")
    cells: list[TransitionCell] = strawberry.field(description="Counts per band in b.")


@output(DiffEntry, exclude=["from_framework", "from_version", "to_framework", "to_version"])
class FrameworkChange(FromView[DiffEntry]):
    @resolver("Earlier framework version.")
    def from_version(self) -> str:
        return f"{self.view.from_framework} v{self.view.from_version}"

    @resolver("Later framework version.")
    def to_version(self) -> str:
        return f"{self.view.to_framework} v{self.view.to_version}"


@output(Relation)
class LineageRelation(FromView[Relation]):
    pass


@output(LineageStep, exclude=["framework_id", "version", "stated_at"])
class FrameworkLineage(FromView[LineageStep]):
    pass


@output(Derivation)
class IndicatorDerivation(FromView[Derivation]):
    pass


@output(FrameworkDiff, exclude=["a", "b"], renamed={"entries": "changes"})
class FrameworkComparison(FromView[FrameworkDiff]):
    pass


@output(WeightChange, description="An indicator whose weight differs between the editions.")
class WeightDiff(FromView[WeightChange]):
    pass


@output(
    Comparison,
    exclude=["verdict"],
    convert={
        "a": lambda cut: cut.edition.edition_id,
        "b": lambda cut: cut.edition.edition_id,
        "table": RankingTableName,
        "at": ComparisonPoint,
        "matrix": rows(TransitionRow, cells=rows(TransitionCell)),
    },
)
class EditionComparison(FromView[Comparison]):
    a: str
    b: str
    table: RankingTableName
    at: ComparisonPoint
    matrix: list[TransitionRow]
    # Where each edition is read, and the verdict: the API shows them flat.
    position_a: int = strawberry.field(description="Ledger position a is read at.")
    position_b: int = strawberry.field(description="Ledger position b is read at.")
    publication_a: int | None = strawberry.field(description="Publication of a (null: now).")
    publication_b: int | None = strawberry.field(description="Publication of b (null: now).")
    comparable: bool = strawberry.field(
        description="Same framework version and the same weights: scores compare directly."
    )
    reasons: list[str] = strawberry.field(description="Why not comparable (empty if it is).")
    framework_diff: list[FrameworkChange] = strawberry.field(
        description="Indicator changes along the lineage chain from a's framework to b's."
    )

    @resolver("Weights that differ, indicator by indicator.", CanSeeScores)
    def weight_diff(self) -> list[WeightDiff] | None:
        return [WeightDiff.from_view(w) for w in self.view.verdict.weight_diff]

    @resolver(
        "The stable JSON shape for tools (exact numbers as strings; scores, ranks and weights "
        "only for those who see scores)."
    )
    def json(self, info: Info) -> str:
        scores = info.context.viewer.sees_scores
        return json.dumps(comparison_json(self.view, scores=scores), ensure_ascii=False)

    @classmethod
    def of(cls, c: Comparison) -> EditionComparison:
        """The comparison, with where each edition is read and the verdict shown flat."""
        return cls.from_view(
            c,
            position_a=c.a.position,
            position_b=c.b.position,
            publication_a=c.a.publication_no,
            publication_b=c.b.publication_no,
            comparable=c.comparable,
            reasons=list(c.verdict.reasons),
            framework_diff=[FrameworkChange.from_view(e) for e in c.verdict.diff.entries],
        )


@output(
    TableStanding,
    guarded=dict.fromkeys(["rank", "score"], CanSeeCityScores),
)
class Standing(FromView[TableStanding]):
    # Whose standing it is: what CanSeeCityScores checks.
    city_id: CityId


@documented("A city's points on one indicator.")
class IndicatorPoints:
    indicator_id: IndicatorId
    points: int = strawberry.field(description="Points of the highest accepted rung (0: none).")


@output(
    HistoryEntry,
    description="The city in one edition at one publication (or now).",
    exclude=["framework_id", "framework_version", "points"],
)
class HistoryPoint(FromView[HistoryEntry]):
    # Whose history it is: what CanSeeCityScores checks.
    city_id: CityId

    @resolver("Framework version the edition pins.")
    def framework(self) -> str:
        return f"{self.view.framework_id} v{self.view.framework_version}"

    @resolver("Points per indicator.", CanSeeCityScores)
    def points(self) -> list[IndicatorPoints] | None:
        return rows(IndicatorPoints)(self.view.points)

    @classmethod
    def of(cls, entry: HistoryEntry, city_id: str) -> HistoryPoint:
        """The entry of one city's history, its standings marked as that city's."""
        tables = [Standing.from_view(t, city_id=city_id) for t in entry.tables]
        return cls.from_view(entry, city_id=city_id, tables=tables)


@output(
    EditionStep,
    description="Whether two consecutive editions of a city's history compare.",
    exclude=["verdict"],
)
class HistoryStep(FromView[EditionStep]):
    @resolver("Same framework version and weights.")
    def comparable(self) -> bool:
        return self.view.verdict.comparable

    @resolver("Why not (empty if comparable).")
    def reasons(self) -> list[str]:
        return list(self.view.verdict.reasons)


@output(CityHistory, description="A city in every edition and publication, oldest first.")
class CityTimeline(FromView[CityHistory]):
    @classmethod
    def of(cls, history: CityHistory) -> CityTimeline:
        """The history, each entry marked as the city's."""
        entries = [HistoryPoint.of(e, history.city_id) for e in history.entries]
        return cls.from_view(history, entries=entries)


@strawberry.type
class YearsQuery:
    """The years fields of the Query root."""

    @query(
        "Two editions compared: common cities with band, rank, N, percentile and the move; "
        "entering and leaving cities; the band transition matrix; the framework and weight "
        "diffs; a comparability verdict; the method/performance split of score changes. "
        "Everyone may compare published bands; at NOW needs an editor or auditor token.",
        Public,
    )
    def compare_editions(
        self,
        info: Info,
        a: Id,
        b: Id,
        table: RankingTableName,
        at: Annotated[
            ComparisonPoint, strawberry.argument(description="Latest publications, or now.")
        ] = ComparisonPoint.PUBLICATION,
    ) -> EditionComparison:
        if at is ComparisonPoint.NOW and not info.context.viewer.sees_scores:
            raise PermissionDenied(
                "at NOW needs an editor or auditor token; others compare publications",
                field="at",
            )
        return EditionComparison.of(compare(info.context.db, a, b, table.value, at.value))

    @query("The changes between two framework versions, following the lineage chain.", Public)
    def framework_diff(
        self,
        info: Info,
        from_framework: Id,
        from_version: int,
        to_framework: Id,
        to_version: int,
    ) -> FrameworkComparison:
        diff = framework_diff(
            info.context.db, (from_framework, from_version), (to_framework, to_version)
        )
        return FrameworkComparison.from_view(diff)

    @query(
        "A city in every edition and publication, oldest first (editors and auditors also "
        "get each edition's live standing), with comparability verdicts between editions.",
        Public,
    )
    def city_history(self, info: Info, city: Id) -> CityTimeline:
        live = info.context.viewer.sees_scores
        return CityTimeline.of(city_history(info.context.db, city, live=live))
