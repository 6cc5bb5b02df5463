"""The weight panel: panelists, ballots and revisions of the weights in force."""

from __future__ import annotations

from datetime import datetime

from ledger import validate
from ledger.usecases.base import LedgerBase, Outcome, use_case
from ledger.weights import WeightSet


class WeightUseCases(LedgerBase):
    """The weight panel: panelists, ballots and revisions of the weights in force."""

    @use_case
    def create_weight_set(
        self,
        weight_set_id: str,
        title: str,
        framework_id: str,
        framework_version: int,
        *,
        by: str | None = None,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> str:
        """Create a weight set (and its empty panel) for a framework version."""
        by = validate.actor(by)
        validate.ident("weight_set_id", weight_set_id)
        title = validate.text("title", title, max_len=300)
        validate.integer("framework_version", framework_version, low=1, high=10_000)

        def body(when: datetime) -> Outcome:
            self._absent(WeightSet, WeightSet.key(weight_set_id), "weight set", weight_set_id)
            framework = self._framework(framework_id, framework_version)
            indicator_ids = [i["id"] for i in framework.indicators_of(framework_version)]
            weight_set = WeightSet.create(
                weight_set_id=weight_set_id, title=title, framework_id=framework_id,
                framework_version=framework_version, indicator_ids=indicator_ids, by=by, at=when,
            )  # fmt: skip
            return Outcome(weight_set_id, [weight_set])

        return str(self._run("create_weight_set", idempotency_key, at, body))

    @use_case
    def enrol_panelist(
        self,
        weight_set_id: str,
        panelist_id: str,
        field: str,
        *,
        by: str | None = None,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> str:
        """Add an anonymous panelist from one of the four fields."""
        by = validate.actor(by)
        validate.ident("panelist_id", panelist_id)

        def body(when: datetime) -> Outcome:
            weight_set = self._get(
                WeightSet, WeightSet.key(weight_set_id), "weight set", weight_set_id
            )
            weight_set.enrol_panelist(panelist_id=panelist_id, field=field, at=when, by=by)
            return Outcome(panelist_id, [weight_set])

        return str(self._run("enrol_panelist", idempotency_key, at, body))

    @use_case
    def cast_ballot(
        self,
        weight_set_id: str,
        panelist_id: str,
        allocations: dict[str, int],
        *,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> str:
        """Record a panelist's ballot of 100 points over the indicators."""

        def body(when: datetime) -> Outcome:
            weight_set = self._get(
                WeightSet, WeightSet.key(weight_set_id), "weight set", weight_set_id
            )
            weight_set.cast_ballot(panelist_id=panelist_id, allocations=allocations, at=when)
            return Outcome(panelist_id, [weight_set])

        return str(self._run("cast_ballot", idempotency_key, at, body))

    @use_case
    def revise_ballot(
        self,
        weight_set_id: str,
        panelist_id: str,
        allocations: dict[str, int],
        reason: str,
        *,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> str:
        """Replace a panelist's ballot."""
        reason = validate.text("reason", reason)

        def body(when: datetime) -> Outcome:
            weight_set = self._get(
                WeightSet, WeightSet.key(weight_set_id), "weight set", weight_set_id
            )
            weight_set.revise_ballot(
                panelist_id=panelist_id, allocations=allocations, reason=reason, at=when
            )
            return Outcome(panelist_id, [weight_set])

        return str(self._run("revise_ballot", idempotency_key, at, body))

    @use_case
    def aggregate_weights(
        self,
        weight_set_id: str,
        by: str = "editor",
        *,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> int:
        """Make the mean of the current ballots the weights in force; return the revision."""
        by = validate.text("by", by, max_len=120)

        def body(when: datetime) -> Outcome:
            weight_set = self._get(
                WeightSet, WeightSet.key(weight_set_id), "weight set", weight_set_id
            )
            return Outcome(weight_set.aggregate(by=by, at=when), [weight_set])

        return int(self._run("aggregate_weights", idempotency_key, at, body))

    @use_case
    def set_weights(
        self,
        weight_set_id: str,
        weights: dict[str, str],
        reason: str,
        by: str = "editor",
        *,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> int:
        """Set the weights in force directly, with a reason; return the revision."""
        reason = validate.text("reason", reason)
        by = validate.text("by", by, max_len=120)

        def body(when: datetime) -> Outcome:
            weight_set = self._get(
                WeightSet, WeightSet.key(weight_set_id), "weight set", weight_set_id
            )
            return Outcome(
                weight_set.set_weights(weights=weights, reason=reason, by=by, at=when), [weight_set]
            )

        return int(self._run("set_weights", idempotency_key, at, body))
