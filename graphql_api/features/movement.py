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
from graphql_api.outputs import FromView, documented, output
from graphql_api.permissions import CanExplainCity, CanSeeScores
from graphql_api.scalars import RankingTableName
from projections import counterfactual
from projections.causes import Cause
from projections.counterfactual import BandTarget, NextBand, next_band
from projections.explain import (
    AtEarlierCut,
    AtLaterCut,
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
RIVALS = "Null for a city's own token: rivals' numbers are not published."


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
        return PublicationCut(number=cut.publication)
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


def rivals_numbers(*names: str) -> dict[str, str]:
    """The `withheld` of an output type: these view fields are null for a city's own token."""
    return dict.fromkeys(names, RIVALS)


@output(
    Boundary,
    description="A band's rank limit and the score of the last city inside it.",
    withheld=rivals_numbers("score"),
)
class BandBoundary(FromView[Boundary]):
    @classmethod
    def seen(cls, items: tuple[Boundary, ...], rivals: bool) -> list[BandBoundary]:
        """The boundaries as a viewer sees them: without scores for a city's own token."""
        return [cls.withholding(b, not rivals) for b in items]


@documented("The band boundaries at both cuts.")
class Boundaries:
    start: AtEarlierCut[list[BandBoundary]] = strawberry.field(name="from")
    end: AtLaterCut[list[BandBoundary]] = strawberry.field(name="to")


@output(
    Crossing,
    description="A city that overtook the explained one or fell behind it.",
    withheld=rivals_numbers("score_from", "score_to", "delta", "rank_from", "rank_to", "causes"),
)
class CrossingCity(FromView[Crossing]):
    @classmethod
    def seen(cls, items: tuple[Crossing, ...], rivals: bool) -> list[CrossingCity]:
        """The crossings as a viewer sees them: without rivals' numbers for a city's own token."""
        return [cls.withholding(c, not rivals) for c in items]


@output(counterfactual.RungChange)
class RungChange(FromView[counterfactual.RungChange]):
    pass


@output(BandTarget, name="BandTarget", withheld=rivals_numbers("threshold", "margin"))
class BandTargetType(FromView[BandTarget]):
    @classmethod
    def seen(cls, target: BandTarget, rivals: bool) -> BandTargetType:
        """The target as a viewer sees it: without rivals' numbers for a city's own token."""
        return cls.withholding(target, not rivals)


@output(NextBand, name="NextBand", exclude=["edition_id", "table"])
class NextBandType(FromView[NextBand]):
    up: BandTargetType
    down: BandTargetType

    @classmethod
    def seen(cls, found: NextBand, rivals: bool) -> NextBandType:
        """The counterfactual as a viewer sees it (see `BandTargetType.seen`)."""
        up, down = (BandTargetType.seen(t, rivals) for t in (found.up, found.down))
        return cls.from_view(found, up=up, down=down)


@output(
    MoveExplanation,
    name="MoveExplanation",
    description="Why a city's score, rank and band differ between two cuts.",
    exclude=["boundaries_from", "boundaries_to"],
)
class MoveExplanationType(FromView[MoveExplanation]):
    start: MoveStanding = strawberry.field(name="from")
    end: MoveStanding = strawberry.field(name="to")
    overtaken_by: list[CrossingCity]
    overtook: list[CrossingCity]
    boundaries: Boundaries = strawberry.field(description="Band lines at both cuts.")
    rivals: strawberry.Private[bool]

    @resolver("What it would take to move one band up or down, as at the later cut.")
    def next_band(self, info: Info) -> NextBandType:
        v = self.view
        found = next_band(info.context.db, v.edition_id, v.table, v.city_id, v.end.position)
        return NextBandType.seen(found, self.rivals)

    @classmethod
    def seen(cls, e: MoveExplanation, rivals: bool) -> MoveExplanationType:
        """The explanation as a viewer sees it: without `rivals`, other cities' numbers are
        left out."""
        start, end = (BandBoundary.seen(b, rivals) for b in (e.boundaries_from, e.boundaries_to))
        return cls.from_view(
            e,
            boundaries=Boundaries(start=start, end=end),
            overtaken_by=CrossingCity.seen(e.overtaken_by, rivals),
            overtook=CrossingCity.seen(e.overtook, rivals),
            rivals=rivals,
        )


@output(BandProbability)
class BandProbabilityType(FromView[BandProbability]):
    pass


@output(WeightDriver)
class WeightDriverType(FromView[WeightDriver]):
    pass


@output(CityRobustness)
class CityRobustnessType(FromView[CityRobustness]):
    pass


@output(Robustness, name="BandRobustness")
class BandRobustnessType(FromView[Robustness]):
    pass


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
        return MoveExplanationType.seen(found, info.context.viewer.sees_scores)

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
