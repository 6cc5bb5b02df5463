"""Weights: a weight set's revisions and the panel's ballots."""

from __future__ import annotations

from typing import Any

import strawberry

from graphql_api.arguments import Id
from graphql_api.commands import Nested, mutation, payload, recorded
from graphql_api.context import ApiContext, Info
from graphql_api.fields import field as query
from graphql_api.inputs import keyed
from graphql_api.outputs import FromView, documented, exact, output, rows
from graphql_api.permissions import CanSeeWeights, IsEditor, IsPanelist
from graphql_api.scalars import Exact
from ledger.errors import PermissionDenied
from ledger.fields import IndicatorId, WeightSetId
from ledger.vocabulary import Role
from projections import catalogue
from projections.catalogue import BallotView, WeightRevisionView
from projections.model import tracking_position


@documented("An indicator's weight.")
class Weight:
    indicator_id: IndicatorId
    weight: Exact = strawberry.field(description="Exact weight.")


@output(WeightRevisionView, convert={"weights": rows(Weight, weight=exact)})
class WeightRevision(FromView[WeightRevisionView]):
    weights: list[Weight]


@documented("Points a ballot gives one indicator.")
class Allocation:
    indicator_id: IndicatorId
    points: int = strawberry.field(description="Points of the 100.")


@output(BallotView, convert={"allocations": rows(Allocation)})
class Ballot(FromView[BallotView]):
    allocations: list[Allocation]


@documented("A weight set's revisions and the ballots the viewer may see.")
class Weights:
    weight_set_id: WeightSetId
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
        catalogue.require_weight_set(db, weight_set_id)
        return Weights(
            weight_set_id=weight_set_id,
            position=tracking_position(db),
            revisions=[
                WeightRevision.from_view(r) for r in catalogue.weight_revisions(db, weight_set_id)
            ],
            ballots=[Ballot.from_view(b) for b in catalogue.ballots(db, weight_set_id, own)],
        )


# ---- commands: weight sets, panels, ballots -----------------------------------------------


@documented("Points a ballot gives one indicator.", is_input=True)
class AllocationInput:
    indicator_id: IndicatorId
    points: int = strawberry.field(description="Points (the ballot sums to 100).")


@documented("An exact weight for one indicator.", is_input=True)
class WeightInput:
    indicator_id: IndicatorId
    weight: str = strawberry.field(description="Exact weight as text, like 25/8 or 3.125.")


#: A ballot: one allocation per indicator, none repeated.
ALLOCATIONS = Nested(
    list[AllocationInput],
    lambda items: keyed([(a.indicator_id, a.points) for a in items], "allocations"),
)
#: Weights: one per indicator, none repeated.
WEIGHTS = Nested(
    list[WeightInput], lambda items: keyed([(w.indicator_id, w.weight) for w in items], "weights")
)

WeightSetPayload = payload(
    "WeightSetPayload",
    "A weight set or its panel changed.",
    weight_set_id=(str, "The weight set."),
    panelist_id=(str | None, "The panelist enrolled, if any."),
)
BallotPayload = payload(
    "BallotPayload", "A ballot was cast or revised.", ballot=(Ballot, "The ballot as recorded.")
)
WeightRevisionPayload = payload(
    "WeightRevisionPayload",
    "New weights are in force.",
    revision=(WeightRevision, "The revision now in force."),
)


def _weight_set(c: ApiContext, args: dict[str, Any], _: str) -> dict[str, Any]:
    return {"weight_set_id": args["weight_set_id"], "panelist_id": args.get("panelist_id")}


def _ballot(c: ApiContext, args: dict[str, Any], _: str) -> dict[str, Any]:
    view = catalogue.ballots(c.db, args["weight_set_id"], args["panelist_id"])[0]
    return {"ballot": Ballot.from_view(view)}


def _revision(c: ApiContext, args: dict[str, Any], revision: int) -> dict[str, Any]:
    made = recorded(catalogue.weight_revisions(c.db, args["weight_set_id"]), revision=revision)
    return {"revision": WeightRevision.from_view(made)}


@strawberry.type
class WeightsMutation:
    """Commands on weight sets, their panels and ballots."""

    create_weight_set = mutation("create_weight_set", IsEditor, WeightSetPayload, _weight_set)
    enrol_panelist = mutation("enrol_panelist", IsEditor, WeightSetPayload, _weight_set)
    cast_ballot = mutation(
        "cast_ballot", IsPanelist, BallotPayload, _ballot,
        description="Cast the token's panelist's ballot of 100 points.",
        flat=True, nested={"allocations": ALLOCATIONS},
    )  # fmt: skip
    revise_ballot = mutation(
        "revise_ballot", IsPanelist, BallotPayload, _ballot,
        description="Replace the token's panelist's ballot.", nested={"allocations": ALLOCATIONS},
    )  # fmt: skip
    aggregate_weights = mutation(
        "aggregate_weights", IsEditor, WeightRevisionPayload, _revision, flat=True
    )
    set_weights = mutation(
        "set_weights", IsEditor, WeightRevisionPayload, _revision, nested={"weights": WEIGHTS}
    )
