"""The weight panel: panelists, ballots and revisions of the weights in force."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Unpack

from ledger.doc import Doc
from ledger.fields import PanelistId
from ledger.usecases.base import LedgerBase, use_case
from ledger.usecases.params import (
    NEW_ID,
    Actor,
    Allocations,
    Editor,
    FrameworkId,
    FrameworkVersion,
    Reason,
    Run,
    Supplied,
    Title,
    WeightSetId,
)
from ledger.weights import WeightSet

PanelistId = PanelistId
Panel = Annotated[str, Doc("The weight set whose panel votes."), Supplied.PANEL]
Panelist = Annotated[str, Doc("The panelist voting."), Supplied.PANELIST]


class WeightUseCases(LedgerBase):
    """The weight panel: panelists, ballots and revisions of the weights in force."""

    @use_case
    def create_weight_set(
        self,
        weight_set_id: Annotated[WeightSetId, NEW_ID],
        title: Title,
        framework_id: FrameworkId,
        framework_version: FrameworkVersion,
        *,
        by: Actor = None,
        **run: Unpack[Run],
    ) -> str:
        """Create a weight set (and its empty panel) for a framework version."""

        def make(when: datetime) -> WeightSet:
            framework = self._framework(framework_id, framework_version)
            return WeightSet.create(
                weight_set_id=weight_set_id, title=title, framework_id=framework_id,
                framework_version=framework_version,
                indicator_ids=[i["id"] for i in framework.indicators_of(framework_version)],
                at=when, by=by,
            )  # fmt: skip

        return self._run(run, self._new(WeightSet, weight_set_id, make, weight_set_id))

    @use_case
    def enrol_panelist(
        self,
        weight_set_id: WeightSetId,
        panelist_id: Annotated[PanelistId, NEW_ID],
        field: Annotated[str, Doc("One of the four panel fields.")],
        *,
        by: Actor = None,
        **run: Unpack[Run],
    ) -> str:
        """Add an anonymous panelist from one of the four fields."""

        def enrol(weight_set: WeightSet, when: datetime) -> None:
            weight_set.enrol_panelist(panelist_id=panelist_id, field=field, at=when, by=by)

        return self._run(run, self._update(WeightSet, weight_set_id, enrol, panelist_id))

    @use_case
    def cast_ballot(
        self,
        weight_set_id: Panel,
        panelist_id: Panelist,
        allocations: Allocations,
        **run: Unpack[Run],
    ) -> str:
        """Record a panelist's ballot of 100 points over the indicators."""

        def cast(weight_set: WeightSet, when: datetime) -> None:
            weight_set.cast_ballot(panelist_id=panelist_id, allocations=allocations, at=when)

        return self._run(run, self._update(WeightSet, weight_set_id, cast, panelist_id))

    @use_case
    def revise_ballot(
        self,
        weight_set_id: Panel,
        panelist_id: Panelist,
        allocations: Allocations,
        reason: Reason,
        **run: Unpack[Run],
    ) -> str:
        """Replace a panelist's ballot."""

        def revise(weight_set: WeightSet, when: datetime) -> None:
            weight_set.revise_ballot(
                panelist_id=panelist_id, allocations=allocations, reason=reason, at=when
            )

        return self._run(run, self._update(WeightSet, weight_set_id, revise, panelist_id))

    @use_case
    def aggregate_weights(
        self,
        weight_set_id: WeightSetId,
        by: Editor = "editor",
        **run: Unpack[Run],
    ) -> int:
        """Make the mean of the current ballots the weights in force; return the revision."""
        return self._run(
            run, self._step(WeightSet, weight_set_id, lambda ws, when: ws.aggregate(by=by, at=when))
        )

    @use_case
    def set_weights(
        self,
        weight_set_id: WeightSetId,
        weights: Annotated[dict[str, str], Doc("Weights summing to 100.")],
        reason: Reason,
        by: Editor = "editor",
        **run: Unpack[Run],
    ) -> int:
        """Set the weights in force directly, with a reason; return the revision."""

        def change(weight_set: WeightSet, when: datetime) -> int:
            return weight_set.set_weights(weights=weights, reason=reason, by=by, at=when)

        return self._run(run, self._step(WeightSet, weight_set_id, change))
