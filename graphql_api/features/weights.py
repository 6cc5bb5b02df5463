"""Weights: a weight set's revisions and the panel's ballots."""

from __future__ import annotations

import strawberry

from graphql_api.arguments import Id
from graphql_api.context import Info
from graphql_api.fields import field as query
from graphql_api.permissions import (
    CanSeeWeights,
)
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


@strawberry.type(description="A revision of the weights in force.")
class WeightRevision:
    weight_set_id: str = strawberry.field(description="Weight set id.")
    revision: int = strawberry.field(description="Revision number.")
    method: str = strawberry.field(
        description="How the weights were set, e.g. set-by-editor or a mean of ballots."
    )
    weights: list[Weight] = strawberry.field(description="The weights.")
    ballot_count: int | None = strawberry.field(description="Ballots averaged, if aggregated.")
    reason: str = strawberry.field(description="Why.")
    by: str = strawberry.field(description="Who.")
    time: str = strawberry.field(description="When (ISO 8601).")
    position: int = strawberry.field(description="Ledger position.")

    @classmethod
    def from_view(cls, v: WeightRevisionView) -> WeightRevision:
        """From the read view."""
        return cls(
            weight_set_id=v.weight_set_id,
            revision=v.revision,
            method=v.method,
            weights=[Weight(indicator_id=i, weight=Exact(value=w)) for i, w in v.weights],
            ballot_count=v.ballot_count,
            reason=v.reason,
            by=v.by,
            time=v.time,
            position=v.position,
        )


@strawberry.type(description="Points a ballot gives one indicator.")
class Allocation:
    indicator_id: str = strawberry.field(description="Indicator id.")
    points: int = strawberry.field(description="Points of the 100.")


@strawberry.type(description="A panelist's current ballot.")
class Ballot:
    weight_set_id: str = strawberry.field(description="Weight set id.")
    panelist_id: str = strawberry.field(description="Anonymous panelist id.")
    field: str = strawberry.field(description="The panelist's field.")
    allocations: list[Allocation] = strawberry.field(description="Points per indicator.")
    revisions: int = strawberry.field(description="Times the ballot was revised.")
    time: str = strawberry.field(description="When last cast (ISO 8601).")
    position: int = strawberry.field(description="Ledger position of the last cast.")

    @classmethod
    def from_view(cls, v: BallotView) -> Ballot:
        """From the read view."""
        return cls(
            weight_set_id=v.weight_set_id,
            panelist_id=v.panelist_id,
            field=v.field,
            allocations=[Allocation(indicator_id=i, points=p) for i, p in v.allocations],
            revisions=v.revisions,
            time=v.time,
            position=v.position,
        )


@strawberry.type(description="A weight set's revisions and the ballots the viewer may see.")
class Weights:
    """Weights of a set."""

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
