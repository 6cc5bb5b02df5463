"""The log: decoded events as a Relay connection and the read-model position."""

from __future__ import annotations

import json

import strawberry
from strawberry.scalars import JSON

from graphql_api.arguments import After, First
from graphql_api.context import Info
from graphql_api.fields import field as query
from graphql_api.inputs import (
    EventFilter,
    aware,
)
from graphql_api.limits import DEFAULT_PAGE, cursor_value, page_size
from graphql_api.permissions import (
    CanReadLog,
    Public,
)
from projections import event_index
from projections.event_index import EventView
from projections.model import tracking_position


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


@strawberry.type
class LogQuery:
    """The log fields of the Query root."""

    @query("The read-model position answers are computed at.", Public)
    def position(self, info: Info) -> int:
        """Tracking position."""
        return tracking_position(info.context.db)

    @query("The event log as a Relay connection (cursor = ledger position).", CanReadLog)
    def events(
        self,
        info: Info,
        filter: EventFilter | None = None,
        first: First = DEFAULT_PAGE,
        after: After = None,
    ) -> EventConnection:
        """A page of events."""
        f = filter or EventFilter()
        page = event_index.events(
            info.context.db, after=cursor_value(after), first=page_size(first), types=f.types,
            edition_id=f.edition, city_id=f.city,
            since=None if f.since is None else aware(f.since, "since"),
            until=None if f.until is None else aware(f.until, "until"),
        )  # fmt: skip
        edges = [EventEdge(cursor=str(e.position), node=Event.from_view(e)) for e in page.events]
        total = event_index.event_count(
            info.context.db, types=f.types, edition_id=f.edition, city_id=f.city,
            since=None if f.since is None else aware(f.since, "since"),
            until=None if f.until is None else aware(f.until, "until"),
        )  # fmt: skip
        return EventConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=page.has_next, end_cursor=edges[-1].cursor if edges else None
            ),
            total_count=total,
            position=tracking_position(info.context.db),
        )
