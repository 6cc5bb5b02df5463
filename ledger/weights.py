"""Weight set: the expert panel, its ballots and the revisions of the weights in force."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from typing import Any

from eventsourcing.domain import Aggregate

from ledger import validate
from ledger.aggregate import LedgerAggregate
from ledger.errors import AlreadyExists, BallotInvalid, InvalidInput, InvalidState, UnknownId

FIELDS = (
    "public-administration",
    "international-relations-finance",
    "traditional-infrastructure",
    "digital-infrastructure",
)
BUDGET = 100


def fraction_text(value: Fraction) -> str:
    """Exact text of a fraction: '25/8', or '3' when whole."""
    return str(value)


def stored_weight(value: Any) -> Fraction:
    """A weight as the log holds it (fraction_text's '25/8', or an int). A text with an
    exponent, which no command writes and which can make Fraction() take hours ('1e999999999'),
    raises ValueError, as any other text that is not a number does."""
    if isinstance(value, str) and "e" in value.lower():
        raise ValueError(f"weight {value[:40]!r} has an exponent: no command writes one")
    return Fraction(value)


def parse_weight(indicator: str, value: Any) -> Fraction:
    """A non-negative exact weight from '25/8', '3.125' or an int."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InvalidInput(
            f"weight of {indicator} must be a number as text, got {value!r}", field="weights"
        )
    if isinstance(value, str) and (len(value) > 40 or "e" in value.lower()):
        # Exponent forms can make Fraction() arbitrarily slow; plain decimals suffice.
        raise InvalidInput(
            f"weight of {indicator} {value[:40]!r} must be a plain number like 25/8 or 3.125",
            field="weights",
            value=value[:40],
        )
    try:
        weight = Fraction(value)
    except (ValueError, ZeroDivisionError):
        raise InvalidInput(
            f"weight of {indicator} {value!r} is not a number", field="weights", value=value
        ) from None
    if weight < 0:
        raise InvalidInput(
            f"weight of {indicator} is negative: {value!r}", field="weights", value=value
        )
    return weight


@dataclass(frozen=True)
class Ballot:
    """The facts of a panelist's ballot, first cast or revised."""

    panelist_id: str
    allocations: dict[str, int]

    def apply(self, aggregate: WeightSet) -> None:
        """Record the ballot, replacing any before it."""
        aggregate.ballots[self.panelist_id] = self.allocations


@dataclass(frozen=True)
class WeightsInForce:
    """The facts of new weights in force, aggregated from ballots or set directly."""

    revision: int
    weights: dict[str, str]

    def apply(self, aggregate: WeightSet) -> None:
        """Set the weights in force."""
        aggregate.weights = self.weights
        aggregate.revision = self.revision


class WeightSet(LedgerAggregate, kind="weight-set", id_field="weight_set_id"):
    """Weights for one framework version; several editions may share one weight set."""

    class WeightSetCreated(Aggregate.Created):
        """A weight set and its (empty) panel were created."""

        weight_set_id: str
        title: str
        framework_id: str
        framework_version: int
        indicator_ids: list[str]
        #: Added later, with a default: events recorded before it decode with None.
        by: str | None = None

    class PanelistEnrolled(Aggregate.Event):
        """An anonymous panelist joined the panel."""

        panelist_id: str
        field: str
        #: Added later, with a default: events recorded before it decode with None.
        by: str | None = None

        def apply(self, aggregate: WeightSet) -> None:
            """Add the panelist."""
            aggregate.panelists[self.panelist_id] = self.field

    class BallotCast(Ballot, Aggregate.Event):
        """A panelist allocated 100 points over the indicators."""

    class BallotRevised(Ballot, Aggregate.Event):
        """A panelist replaced their ballot."""

        reason: str

    class WeightsAggregated(WeightsInForce, Aggregate.Event):
        """The weights in force became the mean of the current ballots."""

        ballot_count: int
        by: str

    class WeightsSet(WeightsInForce, Aggregate.Event):
        """An editor set the weights in force directly, with a reason."""

        reason: str
        by: str

    # The state the commands decide on, initialised from the created event (ledger.aggregate).
    weight_set_id: str
    title: str
    framework_id: str
    framework_version: int
    indicator_ids: list[str]
    #: Panelist id -> the field they come from.
    panelists: dict[str, str] = field(init=False, default_factory=dict)
    #: Panelist id -> their current ballot (indicator id -> points).
    ballots: dict[str, dict[str, int]] = field(init=False, default_factory=dict)
    #: The weights in force (indicator id -> exact weight as text) and their revision.
    weights: dict[str, str] = field(init=False, default_factory=dict)
    revision: int = field(init=False, default=0)

    @classmethod
    def create(cls, *, at: datetime | None = None, **fields: Any) -> WeightSet:
        """Record a new weight set: WeightSetCreated's fields, validated by the caller's checks."""
        return cls._record(cls.WeightSetCreated, at, fields)

    def enrol_panelist(
        self, *, panelist_id: str, field: str, at: datetime | None, by: str | None = None
    ) -> None:
        """Add an anonymous panelist from one of the four fields."""
        validate.one_of("field", field, FIELDS)
        if panelist_id in self.panelists:
            raise AlreadyExists(
                f"panelist {panelist_id!r} is already on panel {self.weight_set_id}",
                field="panelist_id",
                value=panelist_id,
            )
        self.trigger_event(
            self.PanelistEnrolled, panelist_id=panelist_id, field=field, by=by, timestamp=at
        )

    def cast_ballot(self, *, panelist_id: str, allocations: Any, at: datetime | None) -> None:
        """Record a panelist's first ballot."""
        self._record_ballot(self.BallotCast, panelist_id, allocations, at)

    def revise_ballot(
        self, *, panelist_id: str, allocations: Any, reason: str, at: datetime | None
    ) -> None:
        """Replace a panelist's ballot."""
        self._record_ballot(self.BallotRevised, panelist_id, allocations, at, reason=reason)

    def aggregate(self, *, by: str, at: datetime | None) -> int:
        """Make the mean of the current ballots the weights in force; return the revision."""
        if not self.ballots:
            raise InvalidState(
                f"weight set {self.weight_set_id} has no ballots to aggregate",
                field="weight_set_id",
            )
        n = len(self.ballots)
        weights = {
            i: fraction_text(Fraction(sum(b.get(i, 0) for b in self.ballots.values()), n))
            for i in self.indicator_ids
        }
        return self._in_force(self.WeightsAggregated, weights, at, ballot_count=n, by=by)

    def set_weights(self, *, weights: Any, reason: str, by: str, at: datetime | None) -> int:
        """Set the weights in force directly; they must cover the indicators and sum to 100."""
        if not isinstance(weights, dict):
            raise InvalidInput(f"weights must be an object, got {weights!r}", field="weights")
        self._check_keys(weights, "weights")
        missing = [i for i in self.indicator_ids if i not in weights]
        if missing:
            raise InvalidInput(
                f"weights give no weight to {missing[0]}", field="weights", value=missing[0]
            )
        exact = {i: parse_weight(i, weights[i]) for i in self.indicator_ids}
        total = sum(exact.values(), Fraction(0))
        if total != BUDGET:
            raise InvalidInput(
                f"weights sum to {total}, not {BUDGET}", field="weights", value=str(total)
            )
        texts = {i: fraction_text(w) for i, w in exact.items()}
        return self._in_force(self.WeightsSet, texts, at, reason=reason, by=by)

    def _in_force(
        self,
        event: type[Aggregate.Event],
        weights: dict[str, str],
        at: datetime | None,
        **facts: Any,
    ) -> int:
        """Put the weights in force as the next revision, recorded by a `WeightsInForce`
        event with its other facts; return the revision."""
        revision = self.revision + 1
        self.trigger_event(event, revision=revision, weights=weights, timestamp=at, **facts)
        return revision

    def _require_panelist(self, panelist_id: str) -> None:
        self._require_member(
            "panelist", panelist_id, self.panelists, f"on panel {self.weight_set_id}"
        )

    def _check_keys(self, mapping: dict[str, Any], field: str) -> None:
        unknown = sorted(set(mapping) - set(self.indicator_ids))
        if unknown:
            raise UnknownId(
                f"{field} name indicator {unknown[0]!r}, which is not in the framework",
                field=field,
                value=unknown[0],
            )

    def _record_ballot(
        self,
        event: type[Aggregate.Event],
        panelist_id: str,
        allocations: Any,
        at: datetime | None,
        **facts: Any,
    ) -> None:
        """Record a panelist's ballot, first cast or revised, by a `Ballot` event with its other
        facts, once its allocations are checked."""
        clean = self._check_ballot(panelist_id, allocations, revising=event is self.BallotRevised)
        self.trigger_event(event, panelist_id=panelist_id, allocations=clean, timestamp=at, **facts)

    def _check_ballot(
        self, panelist_id: str, allocations: Any, *, revising: bool
    ) -> dict[str, int]:
        """The clean allocations of a panelist's first ballot, or (revising) of a new one."""
        self._require_panelist(panelist_id)
        if revising and panelist_id not in self.ballots:
            raise InvalidState(
                f"panelist {panelist_id!r} has no ballot to revise",
                field="panelist_id",
                value=panelist_id,
            )
        if not revising and panelist_id in self.ballots:
            raise AlreadyExists(
                f"panelist {panelist_id!r} has already cast a ballot; revise it instead",
                field="panelist_id",
                value=panelist_id,
            )
        if not isinstance(allocations, dict):
            raise BallotInvalid(
                f"allocations must be an object, got {allocations!r}", field="allocations"
            )
        self._check_keys(allocations, "allocations")
        clean: dict[str, int] = {}
        for i in self.indicator_ids:
            v = allocations.get(i, 0)
            if isinstance(v, bool) or not isinstance(v, int) or v < 0 or v > BUDGET:
                raise BallotInvalid(
                    f"allocation to {i} must be an integer 0..{BUDGET}, got {v!r}",
                    field="allocations",
                    value=v,
                )
            clean[i] = v
        total = sum(clean.values())
        if total != BUDGET:
            raise BallotInvalid(
                f"ballot allocates {total} points; it must allocate exactly {BUDGET}",
                field="allocations",
                value=total,
            )
        return clean
