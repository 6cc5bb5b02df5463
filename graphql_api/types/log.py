"""The event log and the Relay connections over events and claims."""

from __future__ import annotations

import json

import strawberry
from strawberry.scalars import JSON

from graphql_api.types.evidence import Claim
from projections.event_index import EventView


@strawberry.type(description="One event of the ledger, decoded.")
class Event:
    """An event."""

    position: int = strawberry.field(description="Ledger position.")
    type: str = strawberry.field(description="Event type, like ClaimSubmitted.")
    time: str = strawberry.field(description="When it occurred (ISO 8601, UTC).")
    originator_id: str = strawberry.field(description="Aggregate UUID.")
    originator_version: int = strawberry.field(description="Aggregate version.")
    edition_id: str | None = strawberry.field(description="Edition it concerns, if any.")
    city_id: str | None = strawberry.field(description="City it concerns, if any.")
    data: JSON = strawberry.field(description="The event's own data.")
    hash: str = strawberry.field(description="Chain hash up to and including this event.")

    @classmethod
    def from_view(cls, v: EventView) -> Event:
        """From the read view."""
        return cls(
            position=v.position,
            type=v.type,
            time=v.time,
            originator_id=v.originator_id,
            originator_version=v.originator_version,
            edition_id=v.edition_id,
            city_id=v.city_id,
            data=json.loads(v.data),
            hash=v.hash,
        )


@strawberry.type(description="Relay page information.")
class PageInfo:
    """Page information."""

    has_next_page: bool = strawberry.field(description="Whether more items follow.")
    end_cursor: str | None = strawberry.field(description="Cursor of the last item.")


@strawberry.type(description="An event and its cursor (its ledger position).")
class EventEdge:
    """An event edge."""

    cursor: str = strawberry.field(description="Pass as `after` to continue after this event.")
    node: Event = strawberry.field(description="The event.")


@strawberry.type(description="A page of the event log.")
class EventConnection:
    """A page of events."""

    edges: list[EventEdge] = strawberry.field(description="Events in ledger order.")
    page_info: PageInfo = strawberry.field(description="Paging.")
    total_count: int = strawberry.field(
        description="How many events of the whole log match the filter, over all pages."
    )
    position: int = strawberry.field(description="Read-model position the page was read at.")


@strawberry.type(description="A claim and its cursor.")
class ClaimEdge:
    """A claim edge."""

    cursor: str = strawberry.field(description="Pass as `after` to continue after this claim.")
    node: Claim = strawberry.field(description="The claim.")


@strawberry.type(description="A page of claims.")
class ClaimConnection:
    """A page of claims."""

    edges: list[ClaimEdge] = strawberry.field(description="Claims in submission order.")
    page_info: PageInfo = strawberry.field(description="Paging.")
    total_count: int = strawberry.field(
        description="How many claims the viewer may read match the filter, over all pages."
    )
    position: int = strawberry.field(description="Read-model position the page was read at.")
