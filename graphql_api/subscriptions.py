"""The Subscription root: new ledger events as they are recorded, over graphql-transport-ws."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import aclosing
from typing import Annotated

import strawberry
from starlette.websockets import WebSocket

from graphql_api.context import ApiContext, Info
from graphql_api.features.appeals import AppealUpdate, own_city
from graphql_api.features.log import Event
from graphql_api.fields import stream
from graphql_api.offload import blocking
from graphql_api.permissions import CanReadLog, CanSeeAppeals
from ledger.errors import InvalidInput
from projections import appeals as docket
from projections import event_index
from projections.appeals import AppealChange
from projections.event_index import EventView
from projections.model import tracking_position

#: Close code of a socket whose token was revoked or expired while it was open.
FORBIDDEN = 4403


async def start_after(context: ApiContext, after: int | None) -> int:
    """Where a stream starts: after a position of the log (default: now), refused naming it
    when it is not one (negative, or beyond the ledger's head: no event would ever come)."""
    if after is None:
        return await blocking(tracking_position, context.db)
    if after < 0:
        raise InvalidInput(
            f"after {after} is not a ledger position (>= 0)", field="after", value=after
        )
    head = await blocking(context.ledger.head)
    if after > head:
        raise InvalidInput(
            f"after {after} is beyond the ledger's head at {head}", field="after", value=after
        )
    return after


async def follow_events(context: ApiContext, after: int | None) -> AsyncGenerator[EventView, None]:
    """Every event after a position (default: now), as it reaches the read models.

    An idle stream costs nothing: it waits for the server's one watcher to report new
    events. Reads run off the event loop; the token is checked again before each batch.
    """
    cursor = await start_after(context, after)
    with context.subscriptions.track(), context.watcher.listening():
        while True:
            page = await blocking(
                event_index.events, context.db, after=cursor, first=event_index.MAX_PAGE
            )
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


async def follow_appeals(
    context: ApiContext, city_id: str | None, after: int | None
) -> AsyncGenerator[AppealChange, None]:
    """Every change to appeals (of one city) after a position (default: now), as recorded.

    Like follow_events: idle until the server's watcher reports new events, reads off the
    event loop, the token checked again before each batch.
    """
    cursor = await start_after(context, after)
    with context.subscriptions.track(), context.watcher.listening():
        while True:
            # Read up to a known position, so that a short page moves the cursor there.
            upto = await blocking(tracking_position, context.db)
            changes = await blocking(
                docket.appeal_changes, context.db, cursor, city_id, event_index.MAX_PAGE, upto
            )
            if changes and not await blocking(context.reauthenticate):
                await close_forbidden(context)
                return
            for change in changes:
                cursor = change.position
                yield change
            if len(changes) < event_index.MAX_PAGE:
                cursor = max(cursor, upto)
                await context.watcher.wait_past(cursor)


StartAfter = Annotated[
    int | None, strawberry.argument(description="Start after this position (default: now).")
]


@strawberry.type(description="Live streams.")
class Subscription:
    @stream("Every new ledger event, in order, as it is recorded.", CanReadLog)
    async def ledger_events(
        self,
        info: Info,
        after: StartAfter = None,
    ) -> AsyncGenerator[Event, None]:
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
        after: StartAfter = None,
    ) -> AsyncGenerator[AppealUpdate, None]:
        async with aclosing(follow_appeals(info.context, own_city(info), after)) as changes:
            async for change in changes:
                yield AppealUpdate.from_view(change)
