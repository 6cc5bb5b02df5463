"""Movement: why a city moved, what it would take to move a band, how robust the bands are."""

from __future__ import annotations

import json
from datetime import datetime
from fractions import Fraction
from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from graphql_api.arguments import Id
from graphql_api.context import Info
from graphql_api.fields import field as query
from graphql_api.fields import field as resolver
from graphql_api.permissions import (
    CanExplainCity,
    CanSeeScores,
)
from graphql_api.scalars import Exact, RankingTableName
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
from projections.robustness import Robustness, band_robustness

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


@strawberry.type(description="An event that changed a city's score on one indicator, exactly.")
class ScoreCause:
    """A cause of a score change."""

    position: int = strawberry.field(description="Ledger position of the event.")
    type: str = strawberry.field(description="Event type, like RoundClosed.")
    time: str = strawberry.field(description="When it occurred (ISO 8601, UTC).")
    hash: str = strawberry.field(description="Chain hash up to and including this event.")
    actor: str | None = strawberry.field(description="Who recorded it (null for older events).")
    claim_id: str | None = strawberry.field(description="The claim decided (null: a weight).")
    city_id: str = strawberry.field(description="The city whose score it changed.")
    indicator_id: str = strawberry.field(description="The indicator whose points or weight moved.")
    points_before: int = strawberry.field(description="The city's points just before.")
    points_after: int = strawberry.field(description="The city's points just after.")
    weight_before: Exact = strawberry.field(description="The indicator's weight just before.")
    weight_after: Exact = strawberry.field(description="The indicator's weight just after.")
    score_change: Exact = strawberry.field(description="The exact change in the table score.")
    originator_id: str = strawberry.field(description="Aggregate UUID.")
    originator_version: int = strawberry.field(description="Aggregate version.")
    edition_id: str | None = strawberry.field(description="Edition it concerns.")
    data: JSON = strawberry.field(description="The event's own data.")

    @classmethod
    def from_view(cls, c: Cause) -> ScoreCause:
        """From the read view."""
        return cls(
            position=c.position, type=c.type, time=c.time, hash=c.hash, actor=c.actor,
            claim_id=c.claim_id, city_id=c.city_id, indicator_id=c.indicator_id,
            points_before=c.points_before, points_after=c.points_after,
            weight_before=Exact(value=c.weight_before), weight_after=Exact(value=c.weight_after),
            score_change=Exact(value=c.score_change), originator_id=c.originator_id,
            originator_version=c.originator_version, edition_id=c.edition_id,
            data=json.loads(c.data),
        )  # fmt: skip


def causes(items: tuple[Cause, ...]) -> list[ScoreCause]:
    """Causes as GraphQL objects."""
    return [ScoreCause.from_view(c) for c in items]


@strawberry.type(description="A city's place in a table at one cut.")
class MoveStanding:
    """A standing."""

    position: int = strawberry.field(description="Ledger position of the cut.")
    band: str = strawberry.field(description="Band.")
    rank: int = strawberry.field(description="Rank (ties share a rank).")
    score: Exact = strawberry.field(description="Exact score.")
    n: int = strawberry.field(description="Cities in the table.")
    tie_rule_matters: bool = strawberry.field(
        description="Whether the city's tie group straddles a band line (the tie rule decides)."
    )

    @classmethod
    def from_view(cls, s: Standing) -> MoveStanding:
        """From the read view."""
        return cls(
            position=s.position, band=s.band, rank=s.rank, score=Exact(value=s.score), n=s.n,
            tie_rule_matters=s.tie_rule_matters,
        )  # fmt: skip


@strawberry.type(
    name="IndicatorMove",
    description="One indicator's exact share of a score change (Shapley split).",
)
class IndicatorMoveType:
    """An indicator's part."""

    indicator_id: str = strawberry.field(description="Indicator id.")
    points_from: int = strawberry.field(description="Points at the earlier cut.")
    points_to: int = strawberry.field(description="Points at the later cut.")
    weight_from: Exact = strawberry.field(description="Weight at the earlier cut.")
    weight_to: Exact = strawberry.field(description="Weight at the later cut.")
    rung_part: Exact = strawberry.field(description="Mean weight × change in points.")
    weight_part: Exact = strawberry.field(description="Mean points × change in weight.")
    claims_from: list[str] = strawberry.field(description="Claims holding the points before.")
    claims_to: list[str] = strawberry.field(description="Claims holding the points after.")
    causes: list[ScoreCause] = strawberry.field(description="The deciding events, in order.")

    @classmethod
    def from_view(cls, m: IndicatorMove) -> IndicatorMoveType:
        """From the read view."""
        return cls(
            indicator_id=m.indicator_id, points_from=m.points_from, points_to=m.points_to,
            weight_from=Exact(value=m.weight_from), weight_to=Exact(value=m.weight_to),
            rung_part=Exact(value=m.rung_part), weight_part=Exact(value=m.weight_part),
            claims_from=list(m.claims_from), claims_to=list(m.claims_to),
            causes=causes(m.causes),
        )  # fmt: skip


@strawberry.type(description="A band's rank limit and the score of the last city inside it.")
class BandBoundary:
    """A band boundary."""

    band: str = strawberry.field(description="Band.")
    rank_limit: int = strawberry.field(description="The largest rank in the band: ⌊share × N⌋.")
    score: Exact | None = strawberry.field(
        description="Score of the last city inside the band (null: the band is empty, or the "
        "token is a city's own: rivals' scores are not published)."
    )

    @classmethod
    def many(cls, items: tuple[Boundary, ...], rivals: bool) -> list[BandBoundary]:
        """From the read views."""
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
    """Boundaries at both cuts."""

    start: list[BandBoundary] = strawberry.field(name="from", description="At the earlier cut.")
    end: list[BandBoundary] = strawberry.field(name="to", description="At the later cut.")


@strawberry.type(description="A city that overtook the explained one or fell behind it.")
class CrossingCity:
    """A crossing."""

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
        """From the read views."""
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
                causes=causes(c.causes) if rivals else None,
            )
            for c in items
        ]


@strawberry.type(description="One indicator moved along its ladder.")
class RungChange:
    """A rung change."""

    indicator_id: str = strawberry.field(description="Indicator id.")
    rung_from: int | None = strawberry.field(description="Rung now (null: no rung).")
    rung_to: int | None = strawberry.field(description="Rung needed (null: no rung).")
    points_from: int = strawberry.field(description="Points now.")
    points_to: int = strawberry.field(description="Points then.")
    steps: int = strawberry.field(description="Ladder steps between.")


@strawberry.type(
    name="BandTarget", description="The smallest rung changes that move the city one band."
)
class BandTargetType:
    """A counterfactual in one direction."""

    direction: str = strawberry.field(description="up or down.")
    target_band: str | None = strawberry.field(description="The band aimed at (null: none).")
    possible: bool = strawberry.field(description="Whether the ladders can reach it.")
    reason: str | None = strawberry.field(description="Why not ('none possible: …').")
    steps: int = strawberry.field(description="Fewest ladder steps that do it.")
    changes: list[RungChange] = strawberry.field(description="The rung changes.")
    threshold: Exact | None = strawberry.field(
        description="The score line: up needs at least it, down needs below it." + RIVALS
    )
    score: Exact | None = strawberry.field(description="The city's score after the changes.")
    margin: Exact | None = strawberry.field(
        description="How far past the line, the largest of the fewest steps." + RIVALS
    )
    rank: int | None = strawberry.field(description="Rank after the changes.")
    band: str | None = strawberry.field(description="Band after the changes.")

    @classmethod
    def from_view(cls, t: BandTarget, rivals: bool) -> BandTargetType:
        """From the read view."""

        def ex(value: Fraction | None) -> Exact | None:
            return None if value is None else Exact(value=value)

        return cls(
            direction=t.direction, target_band=t.target_band, possible=t.possible,
            reason=t.reason, steps=t.steps,
            changes=[
                RungChange(
                    indicator_id=c.indicator_id, rung_from=c.rung_from, rung_to=c.rung_to,
                    points_from=c.points_from, points_to=c.points_to, steps=c.steps,
                )
                for c in t.changes
            ],
            threshold=ex(t.threshold) if rivals else None, score=ex(t.score),
            margin=ex(t.margin) if rivals else None, rank=t.rank,
            band=t.band,
        )  # fmt: skip


@strawberry.type(
    name="NextBand",
    description="What it would take: others and weights held, the fewest ladder steps "
    "(then the largest margin) up one band and down one band.",
)
class NextBandType:
    """A counterfactual."""

    city_id: str = strawberry.field(description="City id.")
    position: int = strawberry.field(description="The cut it holds others and weights at.")
    band: str = strawberry.field(description="Band at the cut.")
    rank: int = strawberry.field(description="Rank at the cut.")
    score: Exact = strawberry.field(description="Score at the cut.")
    up: BandTargetType = strawberry.field(description="Into the next band up.")
    down: BandTargetType = strawberry.field(description="Down one band.")

    @classmethod
    def from_view(cls, nb: NextBand, rivals: bool) -> NextBandType:
        """From the read view."""
        return cls(
            city_id=nb.city_id, position=nb.position, band=nb.band, rank=nb.rank,
            score=Exact(value=nb.score), up=BandTargetType.from_view(nb.up, rivals),
            down=BandTargetType.from_view(nb.down, rivals),
        )  # fmt: skip


@strawberry.type(
    name="MoveExplanation",
    description="Why a city's score, rank and band differ between two cuts.",
)
class MoveExplanationType:
    """A movement explanation."""

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
        """The counterfactual at the later cut."""
        found = next_band(
            info.context.db, self.edition_id, self.table.value, self.city_id, self.end.position
        )
        return NextBandType.from_view(found, self.rivals)

    @classmethod
    def from_view(cls, e: MoveExplanation, rivals: bool) -> MoveExplanationType:
        """From the read view; without `rivals`, other cities' numbers are left out."""
        """From the read view."""
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


@strawberry.type(description="The share of bootstrap draws that put a city in a band.")
class BandProbabilityType:
    """A band probability."""

    band: str = strawberry.field(description="Band.")
    probability: Exact = strawberry.field(description="Exact share of draws, like 937/1000.")


@strawberry.type(description="An indicator whose drawn weight moves a city's rank.")
class WeightDriverType:
    """A weight driver."""

    indicator_id: str = strawberry.field(description="Indicator id.")
    correlation: float = strawberry.field(
        description="Pearson r between the drawn weight and the city's rank over the draws "
        "(positive: a heavier weight pushes the city down). A statistic, never a tie-breaker."
    )


@strawberry.type(description="One city's band probabilities and 5-95% rank interval.")
class CityRobustnessType:
    """A city's robustness."""

    city_id: str = strawberry.field(description="City id.")
    name_en: str = strawberry.field(description="English name.")
    band: str = strawberry.field(description="Band with the weights in force.")
    rank: int = strawberry.field(description="Rank with the weights in force.")
    probabilities: list[BandProbabilityType] = strawberry.field(
        description="Bands reached in at least one draw, with their shares."
    )
    rank_low: int = strawberry.field(description="5th percentile of the rank over the draws.")
    rank_high: int = strawberry.field(description="95th percentile of the rank over the draws.")
    drivers: list[WeightDriverType] = strawberry.field(
        description="The indicators whose weights drive the city's rank most (none if fixed)."
    )


@strawberry.type(
    name="BandRobustness",
    description="Bands under bootstrap resampling of the panel's ballots (current standings).",
)
class BandRobustnessType:
    """Band robustness of a table."""

    edition_id: str = strawberry.field(description="Edition id.")
    table: RankingTableName = strawberry.field(description="Which table.")
    position: int = strawberry.field(description="Ledger position of the standings.")
    weight_set_id: str = strawberry.field(description="The weight set resampled.")
    method: str = strawberry.field(description="How the weights in force were decided.")
    ballots: int = strawberry.field(description="Ballots in the panel.")
    draws: int = strawberry.field(description="Bootstrap draws.")
    seed: int = strawberry.field(description="Seed of the draws (same seed, same answer).")
    note: str | None = strawberry.field(
        description="Why there is nothing to resample (weights set by an editor), if so."
    )
    cities: list[CityRobustnessType] = strawberry.field(description="Every city, by rank.")

    @classmethod
    def from_view(cls, r: Robustness) -> BandRobustnessType:
        """From the read view."""
        return cls(
            edition_id=r.edition_id, table=RankingTableName(r.table), position=r.position,
            weight_set_id=r.weight_set_id, method=r.method, ballots=r.ballots, draws=r.draws,
            seed=r.seed, note=r.note,
            cities=[
                CityRobustnessType(
                    city_id=c.city_id, name_en=c.name_en, band=c.band, rank=c.rank,
                    probabilities=[
                        BandProbabilityType(band=p.band, probability=Exact(value=p.probability))
                        for p in c.probabilities
                    ],
                    rank_low=c.rank_low, rank_high=c.rank_high,
                    drivers=[
                        WeightDriverType(indicator_id=d.indicator_id, correlation=d.correlation)
                        for d in c.drivers
                    ],
                )
                for c in r.cities
            ],
        )  # fmt: skip


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
        """A movement explanation."""
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
        """A counterfactual."""
        found = next_band(info.context.db, edition, table.value, city, cut_value(at))
        return NextBandType.from_view(found, info.context.viewer.sees_scores)

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
        """Band robustness."""
        found = band_robustness(info.context.db, edition, table.value, draws, seed)
        return BandRobustnessType.from_view(found)
