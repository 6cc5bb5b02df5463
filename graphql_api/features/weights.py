"""Weights: a weight set's revisions and the panel's ballots."""

from __future__ import annotations

from fractions import Fraction

import strawberry

from graphql_api.arguments import Id
from graphql_api.context import Info
from graphql_api.fields import field as query
from graphql_api.outputs import FromView, output
from graphql_api.permissions import CanSeeWeights
from graphql_api.scalars import Exact
from ledger.errors import PermissionDenied
from ledger.vocabulary import Role
from projections import catalogue
from projections.catalogue import BallotView, WeightRevisionView
from projections.model import tracking_position


@strawberry.type(description="An indicator's weight.")
class Weight:
    indicator_id: str = strawberry.field(description="Indicator id.")
    weight: Exact = strawberry.field(description="Exact weight.")


def _weights(pairs: tuple[tuple[str, Fraction], ...]) -> list[Weight]:
    return [Weight(indicator_id=i, weight=Exact(value=w)) for i, w in pairs]


@output(WeightRevisionView, convert={"weights": _weights})
class WeightRevision(FromView[WeightRevisionView]):
    weights: list[Weight]


@strawberry.type(description="Points a ballot gives one indicator.")
class Allocation:
    indicator_id: str = strawberry.field(description="Indicator id.")
    points: int = strawberry.field(description="Points of the 100.")


def _allocations(pairs: tuple[tuple[str, int], ...]) -> list[Allocation]:
    return [Allocation(indicator_id=i, points=p) for i, p in pairs]


@output(BallotView, convert={"allocations": _allocations})
class Ballot(FromView[BallotView]):
    allocations: list[Allocation]


@strawberry.type(description="A weight set's revisions and the ballots the viewer may see.")
class Weights:
    weight_set_id: str = strawberry.field(description="Weight set id.")
    position: int = strawberry.field(description="Read-model position of the answer.")
    revisions: list[WeightRevision] = strawberry.field(description="Revisions, oldest first.")
    ballots: list[Ballot] = strawberry.field(
        description="Current ballots (a panelist sees only their own)."
    )


@strawberry.type
class WeightsQuery:
    """The weights fields of the Query root."""

    @query("A weight set's revisions and ballots (a panelist sees only their own).", CanSeeWeights)
    def weights(self, info: Info, weight_set_id: Id) -> Weights:
        v, db = info.context.viewer, info.context.db
        own = v.panelist_id if v.role == Role.PANELIST else None
        if own is not None and v.weight_set_id != weight_set_id:
            raise PermissionDenied("a panelist sees only their own panel", field="weightSetId")
        return Weights(
            weight_set_id=weight_set_id,
            position=tracking_position(db),
            revisions=[
                WeightRevision.from_view(r) for r in catalogue.weight_revisions(db, weight_set_id)
            ],
            ballots=[Ballot.from_view(b) for b in catalogue.ballots(db, weight_set_id, own)],
        )
