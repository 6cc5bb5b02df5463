"""Years: framework lineage, edition comparisons and a city's history."""

from __future__ import annotations

import json
from enum import Enum
from fractions import Fraction
from typing import Annotated

import strawberry

from graphql_api.arguments import Id
from graphql_api.context import Info
from graphql_api.fields import field as query
from graphql_api.fields import field as resolver
from graphql_api.permissions import (
    CanSeeCityScores,
    CanSeeScores,
    Public,
)
from graphql_api.scalars import Exact, RankingTableName
from ledger.errors import PermissionDenied
from projections.compare import ComparedCity, Comparison, OneSided, compare, comparison_json
from projections.history import CityHistory, HistoryEntry, TableStanding, city_history
from projections.lineage import DiffEntry, FrameworkDiff, LineageStep, framework_diff


@strawberry.enum(description="Where an edition is read for a comparison.")
class ComparisonPoint(Enum):
    """Publication or now."""

    PUBLICATION = "publication"
    NOW = "now"


@strawberry.type(description="A city present in both editions.")
class ComparedCityRow:
    """A compared city."""

    city_id: str = strawberry.field(description="City id.")
    name_en: str = strawberry.field(description="English name.")
    name_zh: str = strawberry.field(description="Chinese name.")
    band_a: str = strawberry.field(description="Band in edition a.")
    band_b: str = strawberry.field(description="Band in edition b.")
    band_move: int = strawberry.field(description="Bands moved up (negative: down).")
    n_a: int = strawberry.field(description="Cities in edition a's table.")
    n_b: int = strawberry.field(description="Cities in edition b's table.")
    row: strawberry.Private[ComparedCity]

    @resolver("Rank in a.", CanSeeCityScores)
    def rank_a(self) -> int | None:
        """Rank in a."""
        return self.row.rank_a

    @resolver("Rank in b.", CanSeeCityScores)
    def rank_b(self) -> int | None:
        """Rank in b."""
        return self.row.rank_b

    @resolver("Percentile position rank/N in a.", CanSeeCityScores)
    def percentile_a(self) -> Exact | None:
        """rank_a / n_a."""
        return Exact(value=self.row.percentile_a)

    @resolver("Percentile position rank/N in b.", CanSeeCityScores)
    def percentile_b(self) -> Exact | None:
        """rank_b / n_b."""
        return Exact(value=self.row.percentile_b)

    @resolver("Exact score in a.", CanSeeCityScores)
    def score_a(self) -> Exact | None:
        """Score in a."""
        return Exact(value=self.row.score_a)

    @resolver("Exact score in b.", CanSeeCityScores)
    def score_b(self) -> Exact | None:
        """Score in b."""
        return Exact(value=self.row.score_b)

    @resolver(
        "Score change from re-scoring a's evidence under b's framework and weights (null "
        "where an indicator has no lineage map).",
        CanSeeCityScores,
    )
    def method_part(self) -> Exact | None:
        return _exact(self.row.method_part)

    @resolver(
        "Score change from a's evidence to b's, both under b's method; method + performance "
        "= score_b - score_a exactly.",
        CanSeeCityScores,
    )
    def performance_part(self) -> Exact | None:
        return _exact(self.row.performance_part)


def _exact(value: Fraction | None) -> Exact | None:
    return None if value is None else Exact(value=value)


@strawberry.type(description="A city in only one of the two editions.")
class OneSidedCity:
    """An entering or leaving city."""

    city_id: str = strawberry.field(description="City id.")
    name_en: str = strawberry.field(description="English name.")
    band: str = strawberry.field(description="Band in the edition it is in.")
    n: int = strawberry.field(description="Cities in that edition's table.")
    row: strawberry.Private[OneSided]

    @resolver("Rank in the edition it is in.", CanSeeCityScores)
    def rank(self) -> int | None:
        return self.row.rank

    @resolver("Exact score in the edition it is in.", CanSeeCityScores)
    def score(self) -> Exact | None:
        return Exact(value=self.row.score)


@strawberry.type(description="One cell of the band transition matrix.")
class TransitionCell:
    """A cell."""

    to_band: str = strawberry.field(description="Band in b, or 'left'.")
    count: int = strawberry.field(description="Cities.")


@strawberry.type(description="One row of the band transition matrix.")
class TransitionRow:
    """A matrix row."""

    from_band: str = strawberry.field(description="Band in a, or 'entered'.")
    cells: list[TransitionCell] = strawberry.field(description="Counts per band in b.")


@strawberry.type(description="One indicator change on the lineage chain between two versions.")
class FrameworkChange:
    """A framework diff entry."""

    from_version: str = strawberry.field(description="Earlier framework version.")
    to_version: str = strawberry.field(description="Later framework version.")
    kind: str = strawberry.field(description="ladder_extended, rescaled, renamed, split, ….")
    old: list[str] = strawberry.field(description="Indicators of the earlier version.")
    new: list[str] = strawberry.field(description="Indicators of the later version.")
    detail: str = strawberry.field(description="What changed, in words.")

    @classmethod
    def from_view(cls, e: DiffEntry) -> FrameworkChange:
        """From the read view."""
        return cls(
            from_version=f"{e.from_framework} v{e.from_version}",
            to_version=f"{e.to_framework} v{e.to_version}",
            kind=e.kind,
            old=list(e.old),
            new=list(e.new),
            detail=e.detail,
        )


@strawberry.type(description="How indicators of a version relate to its predecessor's.")
class LineageRelation:
    """One lineage relation."""

    kind: str = strawberry.field(
        description="unchanged, ladder_extended, rescaled, renamed, split, merged, added or "
        "dropped."
    )
    old: list[str] = strawberry.field(description="Indicators of the predecessor version.")
    new: list[str] = strawberry.field(description="Indicators of this version.")
    rung_map: list[list[int]] | None = strawberry.field(
        description="Old rung → new rung pairs (null where evidence does not carry over)."
    )
    note: str = strawberry.field(description="Why, in words.")


@strawberry.type(description="A framework version's stated relation to its predecessor.")
class FrameworkLineage:
    """A version's lineage."""

    predecessor_framework_id: str = strawberry.field(description="Predecessor framework.")
    predecessor_version: int = strawberry.field(description="Predecessor version.")
    relations: list[LineageRelation] = strawberry.field(
        description="Every indicator of both versions, accounted for once."
    )
    position: int = strawberry.field(description="Ledger position of the stating event.")

    @classmethod
    def from_view(cls, step: LineageStep) -> FrameworkLineage:
        """From the read view."""
        return cls(
            predecessor_framework_id=step.predecessor_framework_id,
            predecessor_version=step.predecessor_version,
            relations=[
                LineageRelation(
                    kind=r.kind,
                    old=list(r.old),
                    new=list(r.new),
                    note=r.note,
                    rung_map=None if r.rung_map is None else [list(p) for p in r.rung_map],
                )
                for r in step.relations
            ],
            position=step.position,
        )


@strawberry.type(
    description="How an indicator of the later version is scored from earlier evidence."
)
class IndicatorDerivation:
    """A derivation."""

    indicator_id: str = strawberry.field(description="Indicator of the later version.")
    source: str | None = strawberry.field(description="Indicator of the earlier version (or null).")
    rung_map: list[list[int]] | None = strawberry.field(
        description="Composed old rung → new rung pairs (null: not comparable)."
    )
    reason: str = strawberry.field(description="Why there is no map (empty if there is).")


@strawberry.type(description="What changed between two framework versions, along the lineage.")
class FrameworkComparison:
    """A framework diff."""

    linked: bool = strawberry.field(description="A chain of stated lineages links the two.")
    forward: bool = strawberry.field(description="The first version precedes the second.")
    reason: str = strawberry.field(description="Why not linked or not forward (else empty).")
    changes: list[FrameworkChange] = strawberry.field(description="Changes, oldest first.")
    derivations: list[IndicatorDerivation] = strawberry.field(
        description="For each indicator of the second version, how earlier evidence scores it."
    )

    @classmethod
    def from_view(cls, d: FrameworkDiff) -> FrameworkComparison:
        """From the read view."""
        return cls(
            linked=d.linked,
            forward=d.forward,
            reason=d.reason,
            changes=[FrameworkChange.from_view(e) for e in d.entries],
            derivations=[
                IndicatorDerivation(
                    indicator_id=x.indicator_id,
                    source=x.source,
                    reason=x.reason,
                    rung_map=None if x.rung_map is None else [list(p) for p in x.rung_map],
                )
                for x in d.derivations
            ],
        )


@strawberry.type(description="An indicator whose weight differs between the editions.")
class WeightDiff:
    """A weight change."""

    indicator_id: str = strawberry.field(description="Indicator id.")
    weight_a: Exact | None = strawberry.field(description="Weight in a (null: absent).")
    weight_b: Exact | None = strawberry.field(description="Weight in b (null: absent).")


@strawberry.type(description="Two editions compared: moves, band transitions, what changed.")
class EditionComparison:
    """An edition comparison."""

    a: str = strawberry.field(description="Edition a.")
    b: str = strawberry.field(description="Edition b.")
    table: RankingTableName = strawberry.field(description="Which table.")
    at: ComparisonPoint = strawberry.field(description="Latest publications, or now.")
    position_a: int = strawberry.field(description="Ledger position a is read at.")
    position_b: int = strawberry.field(description="Ledger position b is read at.")
    publication_a: int | None = strawberry.field(description="Publication of a (null: now).")
    publication_b: int | None = strawberry.field(description="Publication of b (null: now).")
    comparable: bool = strawberry.field(
        description="Same framework version and the same weights: scores compare directly."
    )
    reasons: list[str] = strawberry.field(description="Why not comparable (empty if it is).")
    notes: list[str] = strawberry.field(description="Other things to keep in mind.")
    matrix: list[TransitionRow] = strawberry.field(
        description="Band in a (plus 'entered') by band in b (plus 'left'); the 4×4 part "
        "sums to the common cities."
    )
    rows: list[ComparedCityRow] = strawberry.field(description="Common cities, by English name.")
    entered: list[OneSidedCity] = strawberry.field(description="Cities only in b.")
    left: list[OneSidedCity] = strawberry.field(description="Cities only in a.")
    framework_diff: list[FrameworkChange] = strawberry.field(
        description="Indicator changes along the lineage chain from a's framework to b's."
    )
    not_comparable_indicators: list[str] = strawberry.field(
        description="Indicators of b's table that a's evidence cannot be re-scored into."
    )
    result: strawberry.Private[Comparison]

    @resolver("Weights that differ, indicator by indicator.", CanSeeScores)
    def weight_diff(self) -> list[WeightDiff] | None:
        return [
            WeightDiff(
                indicator_id=w.indicator_id,
                weight_a=_exact(w.weight_a),
                weight_b=_exact(w.weight_b),
            )
            for w in self.result.verdict.weight_diff
        ]

    @resolver(
        "The stable JSON shape for tools (exact numbers as strings; scores, ranks and weights "
        "only for those who see scores)."
    )
    def json(self, info: Info) -> str:
        """As JSON."""
        scores = info.context.viewer.sees_scores
        return json.dumps(comparison_json(self.result, scores=scores), ensure_ascii=False)

    @classmethod
    def from_view(cls, c: Comparison) -> EditionComparison:
        """From the read view."""
        return cls(
            a=c.a.edition.edition_id,
            b=c.b.edition.edition_id,
            table=RankingTableName(c.table),
            at=ComparisonPoint(c.at),
            position_a=c.a.position,
            position_b=c.b.position,
            publication_a=c.a.publication_no,
            publication_b=c.b.publication_no,
            comparable=c.comparable,
            reasons=list(c.verdict.reasons),
            notes=list(c.notes),
            matrix=[
                TransitionRow(
                    from_band=row,
                    cells=[TransitionCell(to_band=col, count=n) for col, n in cells],
                )
                for row, cells in c.matrix
            ],
            rows=[
                ComparedCityRow(
                    city_id=r.city_id,
                    name_en=r.name_en,
                    name_zh=r.name_zh,
                    band_a=r.band_a,
                    band_b=r.band_b,
                    band_move=r.band_move,
                    n_a=r.n_a,
                    n_b=r.n_b,
                    row=r,
                )
                for r in c.rows
            ],
            entered=[_one(r) for r in c.entered],
            left=[_one(r) for r in c.left],
            framework_diff=[FrameworkChange.from_view(e) for e in c.verdict.diff.entries],
            not_comparable_indicators=list(c.not_comparable_indicators),
            result=c,
        )


def _one(r: OneSided) -> OneSidedCity:
    return OneSidedCity(city_id=r.city_id, name_en=r.name_en, band=r.band, n=r.n, row=r)


@strawberry.type(description="A city's place in one table at one point.")
class Standing:
    """A table standing."""

    table: RankingTableName = strawberry.field(description="Which table.")
    band: str = strawberry.field(description="Band.")
    n: int = strawberry.field(description="Cities in the table.")
    city_id: str = strawberry.field(description="City id.")
    standing: strawberry.Private[TableStanding]

    @resolver("Rank.", CanSeeCityScores)
    def rank(self) -> int | None:
        return self.standing.rank

    @resolver("Exact score.", CanSeeCityScores)
    def score(self) -> Exact | None:
        return Exact(value=self.standing.score)


@strawberry.type(description="A city's points on one indicator.")
class IndicatorPoints:
    """Indicator points."""

    indicator_id: str = strawberry.field(description="Indicator id.")
    points: int = strawberry.field(description="Points of the highest accepted rung (0: none).")


@strawberry.type(description="The city in one edition at one publication (or now).")
class HistoryPoint:
    """A history entry."""

    edition_id: str = strawberry.field(description="Edition id.")
    year: int = strawberry.field(description="Edition year.")
    framework: str = strawberry.field(description="Framework version the edition pins.")
    publication_no: int | None = strawberry.field(
        description="Publication number (null: the live standing now)."
    )
    position: int = strawberry.field(description="Ledger position.")
    time: str | None = strawberry.field(description="Time of the event at that position.")
    tables: list[Standing] = strawberry.field(description="Band (and more) in each table.")
    city_id: str = strawberry.field(description="City id.")
    entry: strawberry.Private[HistoryEntry]

    @resolver("Points per indicator.", CanSeeCityScores)
    def points(self) -> list[IndicatorPoints] | None:
        """Per-indicator points."""
        return [IndicatorPoints(indicator_id=i, points=p) for i, p in self.entry.points]


@strawberry.type(description="Whether two consecutive editions of a city's history compare.")
class HistoryStep:
    """A comparability verdict."""

    from_edition: str = strawberry.field(description="Earlier edition.")
    to_edition: str = strawberry.field(description="Later edition.")
    comparable: bool = strawberry.field(description="Same framework version and weights.")
    reasons: list[str] = strawberry.field(description="Why not (empty if comparable).")


@strawberry.type(description="A city in every edition and publication, oldest first.")
class CityTimeline:
    """A city's history."""

    city_id: str = strawberry.field(description="City id.")
    name_en: str = strawberry.field(description="English name.")
    entries: list[HistoryPoint] = strawberry.field(description="Oldest first.")
    steps: list[HistoryStep] = strawberry.field(
        description="Comparability verdicts between consecutive editions."
    )

    @classmethod
    def from_view(cls, h: CityHistory) -> CityTimeline:
        """From the read view."""
        return cls(
            city_id=h.city_id,
            name_en=h.name_en,
            entries=[
                HistoryPoint(
                    edition_id=e.edition_id,
                    year=e.year,
                    framework=f"{e.framework_id} v{e.framework_version}",
                    publication_no=e.publication_no,
                    position=e.position,
                    time=e.time,
                    tables=[
                        Standing(
                            table=RankingTableName(t.table),
                            band=t.band,
                            n=t.n,
                            city_id=h.city_id,
                            standing=t,
                        )
                        for t in e.tables
                    ],
                    city_id=h.city_id,
                    entry=e,
                )
                for e in h.entries
            ],
            steps=[
                HistoryStep(
                    from_edition=s.from_edition,
                    to_edition=s.to_edition,
                    comparable=s.verdict.comparable,
                    reasons=list(s.verdict.reasons),
                )
                for s in h.steps
            ],
        )


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
        """Edition comparison."""
        if at is ComparisonPoint.NOW and not info.context.viewer.sees_scores:
            raise PermissionDenied(
                "at NOW needs an editor or auditor token; others compare publications",
                field="at",
            )
        return EditionComparison.from_view(compare(info.context.db, a, b, table.value, at.value))

    @query("The changes between two framework versions, following the lineage chain.", Public)
    def framework_diff(
        self,
        info: Info,
        from_framework: Id,
        from_version: int,
        to_framework: Id,
        to_version: int,
    ) -> FrameworkComparison:
        """Framework diff."""
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
        """A city's history."""
        live = info.context.viewer.sees_scores
        return CityTimeline.from_view(city_history(info.context.db, city, live=live))
