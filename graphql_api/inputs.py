"""Query input types and values several features share (as-of, filters, enums)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

import strawberry

from ledger import vocabulary
from ledger.errors import InvalidInput


@strawberry.input(one_of=True, description="A point in time: a ledger position or an instant.")
class AsOf:
    """Exactly one of position or instant."""

    position: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="A ledger position, 0 up to the current head (a later one is refused "
        "with INVALID_INPUT).",
    )
    instant: datetime | None = strawberry.field(
        default=strawberry.UNSET, description="An ISO-8601 instant with a UTC offset."
    )


def as_of_value(as_of: AsOf | None) -> int | datetime | None:
    """The as-of the projections take: a position, an aware instant or None (now)."""
    if as_of is None:
        return None
    if isinstance(as_of.position, int):
        return as_of.position
    if isinstance(as_of.instant, datetime):
        return aware(as_of.instant, "asOf.instant")
    return None


def aware(moment: datetime, field: str) -> datetime:
    """An instant with a UTC offset, or InvalidInput."""
    if moment.tzinfo is None:
        raise InvalidInput(
            f"{field} {moment.isoformat()} needs a UTC offset", field=field, value=str(moment)
        )
    return moment


def keyed(pairs: list[tuple[str, Any]], field: str) -> dict[str, Any]:
    """A mapping from (key, value) pairs, refusing a repeated key."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise InvalidInput(f"{field} repeats {key!r}", field=field, value=key)
        out[key] = value
    return out


# The ledger's enums, shown in GraphQL as they are (strawberry.enum marks the class).
strawberry.enum(vocabulary.Decision, description="A verifier's decision.")
Decision = vocabulary.Decision
strawberry.enum(vocabulary.AppealStatus, description="Where an appeal stands.")
AppealStatus = vocabulary.AppealStatus


@strawberry.input(description="Which claims to list.")
class ClaimFilter:
    """Claim filters; all given must match."""

    edition: str | None = strawberry.field(default=None, description="Edition id.")
    city_ids: list[str] | None = strawberry.field(default=None, description="City ids.")
    indicator: str | None = strawberry.field(default=None, description="Indicator id.")
    status: str | None = strawberry.field(
        default=None, description="pending, accepted, rejected, withdrawn or superseded."
    )


@strawberry.input(description="Which events to list.")
class EventFilter:
    """Event filters; all given must match."""

    types: list[str] | None = strawberry.field(default=None, description="Event types.")
    city: str | None = strawberry.field(default=None, description="City id.")
    edition: str | None = strawberry.field(default=None, description="Edition id.")
    since: datetime | None = strawberry.field(default=None, description="At or after (aware).")
    until: datetime | None = strawberry.field(default=None, description="At or before (aware).")


@strawberry.enum(description="A sub-table a pillar counts in (every pillar counts in the total).")
class SubTable(Enum):
    """The sub-tables of an edition."""

    DIGITAL_TRADITIONAL = "digital_traditional"
    INSTITUTIONAL = "institutional"
