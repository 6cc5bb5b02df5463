"""The Subscription root: new ledger events as they are recorded, over graphql-transport-ws."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from contextlib import aclosing
from typing import Annotated

import strawberry

from graphql_api.context import ApiContext, Info
from graphql_api.fields import stream
from graphql_api.permissions import CanReadLog, CanSeeAppeals
from graphql_api.types import Appeal, AppealUpdate, Event
from projections import appeals as docket
from projections import queries as reads
from projections.appeals import AppealChange
from projections.views import EventView

#: How often a stream looks for new events when it has none to send.
POLL_SECONDS = 0.05


async def follow_events(context: ApiContext, after: int | None) -> AsyncGenerator[EventView, None]:
    """Every event after a position (default: now), as it reaches the read models."""
    cursor = reads.tracking_position(context.db) if after is None else max(after, 0)
    with context.subscriptions.track():
        while True:
            context.caught_up()
            page = reads.events(context.db, after=cursor, first=reads.MAX_PAGE)
            for view in page.events:
                cursor = view.position
                yield view
            if not page.has_next:
                await asyncio.sleep(POLL_SECONDS)


async def follow_appeals(
    context: ApiContext, city_id: str | None, after: int | None
) -> AsyncGenerator[AppealChange, None]:
    """Every change to appeals (of one city) after a position (default: now), as recorded."""
    cursor = reads.tracking_position(context.db) if after is None else max(after, 0)
    with context.subscriptions.track():
        while True:
            context.caught_up()
            changes = docket.appeal_changes(context.db, cursor, city_id, reads.MAX_PAGE)
            for change in changes:
                cursor = change.position
                yield change
            if len(changes) < reads.MAX_PAGE:
                await asyncio.sleep(POLL_SECONDS)


@strawberry.type(description="Live streams.")
class Subscription:
    """The subscription root."""

    @stream("Every new ledger event, in order, as it is recorded.", CanReadLog)
    async def ledger_events(
        self,
        info: Info,
        after: Annotated[
            int | None, strawberry.argument(description="Start after this position (default: now).")
        ] = None,
    ) -> AsyncGenerator[Event, None]:
        """Stream events."""
        async with aclosing(follow_events(info.context, after)) as views:
            async for view in views:
                yield Event.from_view(view)

    @stream(
        "Changes to appeals as they are recorded: a city gets its own appeals only, editors "
        "and auditors every appeal.",
        CanSeeAppeals,
    )
    async def appeal_updates(
        self,
        info: Info,
        after: Annotated[
            int | None, strawberry.argument(description="Start after this position (default: now).")
        ] = None,
    ) -> AsyncGenerator[AppealUpdate, None]:
        """Stream appeal changes."""
        v = info.context.viewer
        own = (v.city_id or "") if v.role == "city" else None
        async with aclosing(follow_appeals(info.context, own, after)) as changes:
            async for change in changes:
                yield AppealUpdate(
                    position=change.position, type=change.type,
                    appeal=Appeal.from_view(change.appeal),
                )  # fmt: skip
