"""The Subscription root: new ledger events as they are recorded, over graphql-transport-ws."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import aclosing
from typing import Annotated

import strawberry
from starlette.websockets import WebSocket

from graphql_api.context import ApiContext, Info
from graphql_api.fields import stream
from graphql_api.offload import blocking
from graphql_api.permissions import CanReadLog
from graphql_api.types import Event
from projections import queries as reads
from projections.views import EventView

#: Close code of a socket whose token was revoked or expired while it was open.
FORBIDDEN = 4403


async def follow_events(context: ApiContext, after: int | None) -> AsyncGenerator[EventView, None]:
    """Every event after a position (default: now), as it reaches the read models.

    An idle stream costs nothing: it waits for the server's one watcher to report new
    events. Reads run off the event loop; the token is checked again before each batch.
    """
    cursor = await blocking(reads.tracking_position, context.db) if after is None else after
    cursor = max(cursor, 0)
    with context.subscriptions.track(), context.watcher.listening():
        while True:
            page = await blocking(reads.events, context.db, after=cursor, first=reads.MAX_PAGE)
            if page.events and not await blocking(context.reauthenticate):
                await close_forbidden(context)
                return
            for view in page.events:
                cursor = view.position
                yield view
            if not page.has_next:
                await context.watcher.wait_past(cursor)


async def close_forbidden(context: ApiContext) -> None:
    """Close the stream's socket with 4403: its token no longer admits it."""
    socket = context.request
    if isinstance(socket, WebSocket):
        await socket.close(FORBIDDEN, "Forbidden: the token was revoked or has expired")


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
