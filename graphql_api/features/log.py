"""The log: decoded events as a Relay connection and the read-model position."""

from __future__ import annotations

import json
from typing import Any

import strawberry
from strawberry.scalars import JSON

from graphql_api.arguments import After, First
from graphql_api.context import Info
from graphql_api.fields import field as query
from graphql_api.inputs import EventFilter, aware
from graphql_api.limits import DEFAULT_PAGE, cursor_value, page_size
from graphql_api.outputs import FromView, output
from graphql_api.paging import Connection
from graphql_api.permissions import CanReadLog, Public
from ledger.application import recorded_types
from ledger.errors import InvalidInput
from projections import event_index
from projections.event_index import EventView
from projections.model import tracking_position


@output(EventView, convert={"data": json.loads})
class Event(FromView[EventView]):
    data: JSON


@strawberry.type
class LogQuery:
    """The log fields of the Query root."""

    @query("The read-model position answers are computed at.", Public)
    def position(self, info: Info) -> int:
        return tracking_position(info.context.db)

    @query("The event log as a Relay connection (cursor = ledger position).", CanReadLog)
    def events(
        self,
        info: Info,
        filter: EventFilter | None = None,
        first: First = DEFAULT_PAGE,
        after: After = None,
    ) -> Connection[Event]:
        f = filter or EventFilter()
        unknown = sorted(set(f.types or ()) - recorded_types())
        if unknown:
            # A closed set: a misspelt type is an error, not an empty page.
            raise InvalidInput(
                f"event type {unknown[0]!r} is not one the ledger records "
                f"({', '.join(sorted(recorded_types()))})",
                field="types",
                value=unknown[0],
            )
        since = None if f.since is None else aware(f.since, "since")
        until = None if f.until is None else aware(f.until, "until")
        chosen: dict[str, Any] = {"types": f.types, "edition_id": f.edition, "city_id": f.city}
        db = info.context.db
        page = event_index.events(
            db, after=cursor_value(after), first=page_size(first), since=since, until=until,
            **chosen,
        )  # fmt: skip
        return Connection.page(
            ((str(e.position), Event.from_view(e)) for e in page.events),
            more=page.has_next,
            total=event_index.event_count(db, since=since, until=until, **chosen),
            position=tracking_position(db),
        )
