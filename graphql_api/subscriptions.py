"""The Subscription root: new ledger events as they are recorded, over graphql-transport-ws."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from contextlib import aclosing
from typing import Annotated

import strawberry

from graphql_api.context import ApiContext, Info
from graphql_api.fields import stream
from graphql_api.permissions import CanReadLog
from graphql_api.types import Event
from projections import queries as reads
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
