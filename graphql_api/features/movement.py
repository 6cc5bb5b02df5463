"""Movement: why a city moved, what it would take to move a band, how robust the bands are."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from graphql_api.arguments import Id
from graphql_api.context import Info
from graphql_api.fields import field as query
from graphql_api.fields import field as resolver
from graphql_api.outputs import FromView, output
from graphql_api.permissions import CanExplainCity, CanSeeScores
from graphql_api.scalars import Exact, RankingTableName
from projections import counterfactual
from projections.causes import Cause
from projections.counterfactual import BandTarget, NextBand, next_band
from projections.explain import (
    Boundary,
    Crossing,
    IndicatorMove,
    MoveExplanation,
    PublicationCut,
    Standing,
    explain_move,
)
from projections.explain import Cut as CutValue
from projections.robustness import (
    BandProbability,
    CityRobustness,
    Robustness,
    WeightDriver,
    band_robustness,
)

#: Why a city's own token sees no rival's score, rank or causes (the report publishes none).
RIVALS = " Null for a city's own token: rivals' numbers are not published."


@strawberry.input(
    one_of=True,
    description="A cut of the log: a ledger position, an instant, or a publication's number.",
)
class Cut:
    """Exactly one of position, instant or publication."""

    position: int | None = strawberry.field(
        default=strawberry.UNSET, description="A ledger position, 0 up to the current head."
    )
    instant: datetime | None = strawberry.field(
        default=strawberry.UNSET, description="An ISO-8601 instant with a UTC offset."
    )
    publication: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="The number of a publication of the edition: the position it was cut at.",
    )


def cut_value(cut: Cut | None) -> CutValue:
    """The cut the projections take (None: now)."""
    if cut is None:
        return None
    if isinstance(cut.position, int):
        return cut.position
    if isinstance(cut.publication, int):
        return PublicationCut(cut.publication)
    if isinstance(cut.instant, datetime):
        from graphql_api.inputs import aware

        return aware(cut.instant, "cut.instant")
    return None


@output(Cause, convert={"data": json.loads})
class ScoreCause(FromView[Cause]):
    data: JSON


@output(Standing)
class MoveStanding(FromView[Standing]):
    pass


@output(IndicatorMove, name="IndicatorMove")
class IndicatorMoveType(FromView[IndicatorMove]):
    pass


def withheld(rivals: bool, *names: str) -> dict[str, None]:
    """The fields to leave out (null) for a viewer who may not see rivals' numbers."""
    return {} if rivals else dict.fromkeys(names)


@strawberry.type(description="A band's rank limit and the score of the last city inside it.")
class BandBoundary:
    band: str = strawberry.field(description="Band.")
    rank_limit: int = strawberry.field(description="The largest rank in the band: ⌊share × N⌋.")
    score: Exact | None = strawberry.field(
        description="Score of the last city inside the band (null: the band is empty, or the "
        "token is a city's own: rivals' scores are not published)."
    )

    @classmethod
    def many(cls, items: tuple[Boundary, ...], rivals: bool) -> list[BandBoundary]:
        return [
            cls(
                band=b.band,
                rank_limit=b.rank_limit,
                score=None if b.score is None or not rivals else Exact(value=b.score),
            )
            for b in items
        ]


@strawberry.type(description="The band boundaries at both cuts.")
class Boundaries:
    start: list[BandBoundary] = strawberry.field(name="from", description="At the earlier cut.")
    end: list[BandBoundary] = strawberry.field(name="to", description="At the later cut.")


@strawberry.type(description="A city that overtook the explained one or fell behind it.")
class CrossingCity:
    city_id: str = strawberry.field(description="City id.")
    name_en: str = strawberry.field(description="English name.")
    score_from: Exact | None = strawberry.field(
        description="Its score at the earlier cut." + RIVALS
    )
    score_to: Exact | None = strawberry.field(description="Its score at the later cut." + RIVALS)
    delta: Exact | None = strawberry.field(description="Its own score change." + RIVALS)
    rank_from: int | None = strawberry.field(description="Its rank at the earlier cut." + RIVALS)
    rank_to: int | None = strawberry.field(description="Its rank at the later cut." + RIVALS)
    band_from: str = strawberry.field(description="Its band at the earlier cut.")
    band_to: str = strawberry.field(description="Its band at the later cut.")
    causes: list[ScoreCause] | None = strawberry.field(
        description="The events that changed its score." + RIVALS
    )

    @classmethod
    def many(cls, items: tuple[Crossing, ...], rivals: bool) -> list[CrossingCity]:
        return [
            cls(
                city_id=c.city_id,
                name_en=c.name_en,
                score_from=Exact(value=c.score_from) if rivals else None,
                score_to=Exact(value=c.score_to) if rivals else None,
                delta=Exact(value=c.delta) if rivals else None,
                rank_from=c.rank_from if rivals else None,
                rank_to=c.rank_to if rivals else None,
                band_from=c.band_from,
                band_to=c.band_to,
                causes=[ScoreCause.from_view(e) for e in c.causes] if rivals else None,
            )
            for c in items
        ]


@output(counterfactual.RungChange)
class RungChange(FromView[counterfactual.RungChange]):
    pass


@output(BandTarget, name="BandTarget")
class BandTargetType(FromView[BandTarget]):
    threshold: Exact | None = strawberry.field(
        description="The score line: up needs at least it, down needs below it." + RIVALS
    )
    margin: Exact | None = strawberry.field(
        description="How far past the line, the largest of the fewest steps." + RIVALS
    )

    @classmethod
    def seen(cls, target: BandTarget, rivals: bool) -> BandTargetType:
        """The target as a viewer sees it: without rivals' numbers for a city's own token."""
        return cls.from_view(target, **withheld(rivals, "threshold", "margin"))


@output(NextBand, name="NextBand", exclude=["edition_id", "table"])
class NextBandType(FromView[NextBand]):
    up: BandTargetType
    down: BandTargetType

    @classmethod
    def seen(cls, found: NextBand, rivals: bool) -> NextBandType:
        """The counterfactual as a viewer sees it (see `BandTargetType.seen`)."""
        up, down = (BandTargetType.seen(t, rivals) for t in (found.up, found.down))
        return cls.from_view(found, up=up, down=down)


@strawberry.type(
    name="MoveExplanation",
    description="Why a city's score, rank and band differ between two cuts.",
)
class MoveExplanationType:
    edition_id: str = strawberry.field(description="Edition id.")
    table: RankingTableName = strawberry.field(description="Which table.")
    city_id: str = strawberry.field(description="City id.")
    name_en: str = strawberry.field(description="English name.")
    start: MoveStanding = strawberry.field(name="from", description="At the earlier cut.")
    end: MoveStanding = strawberry.field(name="to", description="At the later cut.")
    delta: Exact = strawberry.field(description="The exact score change.")
    indicators: list[IndicatorMoveType] = strawberry.field(
        description="One part per indicator of the table; the parts sum exactly to delta."
    )
    boundaries: Boundaries = strawberry.field(description="Band lines at both cuts.")
    overtaken_by: list[CrossingCity] = strawberry.field(
        description="Cities not ahead at the earlier cut and ahead at the later one."
    )
    overtook: list[CrossingCity] = strawberry.field(
        description="Cities ahead at the earlier cut and not ahead at the later one."
    )
    tie_rule_matters: bool = strawberry.field(
        description="Whether a tie straddling a band line decides the band at either cut."
    )
    rivals: strawberry.Private[bool]

    @resolver("What it would take to move one band up or down, as at the later cut.")
    def next_band(self, info: Info) -> NextBandType:
        found = next_band(
            info.context.db, self.edition_id, self.table.value, self.city_id, self.end.view.position
        )
        return NextBandType.seen(found, self.rivals)

    @classmethod
    def from_view(cls, e: MoveExplanation, rivals: bool) -> MoveExplanationType:
        """From the read view; without `rivals`, other cities' numbers are left out."""
        return cls(
            edition_id=e.edition_id, table=RankingTableName(e.table), city_id=e.city_id,
            name_en=e.name_en, start=MoveStanding.from_view(e.start),
            end=MoveStanding.from_view(e.end), delta=Exact(value=e.delta),
            indicators=[IndicatorMoveType.from_view(m) for m in e.indicators],
            boundaries=Boundaries(
                start=BandBoundary.many(e.boundaries_from, rivals),
                end=BandBoundary.many(e.boundaries_to, rivals),
            ),
            overtaken_by=CrossingCity.many(e.overtaken_by, rivals),
            overtook=CrossingCity.many(e.overtook, rivals),
            tie_rule_matters=e.tie_rule_matters, rivals=rivals,
        )  # fmt: skip


@output(BandProbability)
class BandProbabilityType(FromView[BandProbability]):
    pass


@output(WeightDriver)
class WeightDriverType(FromView[WeightDriver]):
    pass


@output(CityRobustness)
class CityRobustnessType(FromView[CityRobustness]):
    pass


@output(Robustness, name="BandRobustness", convert={"table": RankingTableName})
class BandRobustnessType(FromView[Robustness]):
    table: RankingTableName


@strawberry.type
class MovementQuery:
    """The movement fields of the Query root."""

    @query(
        "Why a city moved between two cuts: the exact Shapley split of its score change per "
        "indicator (rung and weight parts), the deciding events, band lines at both cuts, the "
        "cities that overtook it or fell behind it, and whether the tie rule decides.",
        CanExplainCity,
    )
    def explain_move(
        self,
        info: Info,
        edition: Id,
        table: RankingTableName,
        city: Id,
        from_: Annotated[Cut, strawberry.argument(name="from", description="Earlier cut.")],
        to: Annotated[Cut | None, strawberry.argument(description="Later cut (now).")] = None,
    ) -> MoveExplanationType:
        found = explain_move(
            info.context.db, edition, table.value, city, cut_value(from_), cut_value(to)
        )
        return MoveExplanationType.from_view(found, info.context.viewer.sees_scores)

    @query(
        "What it would take: with other cities and weights held as at a cut, the fewest ladder "
        "steps (then the largest margin) that move the city up one band, and down one band.",
        CanExplainCity,
    )
    def next_band(
        self,
        info: Info,
        edition: Id,
        table: RankingTableName,
        city: Id,
        at: Annotated[Cut | None, strawberry.argument(description="The cut (now).")] = None,
    ) -> NextBandType:
        found = next_band(info.context.db, edition, table.value, city, cut_value(at))
        return NextBandType.seen(found, info.context.viewer.sees_scores)

    @query(
        "How robust the bands are: the panel's ballots resampled with replacement (bootstrap), "
        "the table recomputed per draw; per city the share of draws in each band, the 5-95% "
        "rank interval and the weights that drive it. Same seed, same answer.",
        CanSeeScores,
    )
    def band_robustness(
        self,
        info: Info,
        edition: Id,
        table: RankingTableName,
        draws: Annotated[int, strawberry.argument(description="Draws, 1..10000.")] = 1000,
        seed: Annotated[int, strawberry.argument(description="Seed of the draws.")] = 0,
    ) -> BandRobustnessType:
        found = band_robustness(info.context.db, edition, table.value, draws, seed)
        return BandRobustnessType.from_view(found)
