"""The Starlette application: /graphql (HTTP, GraphiQL, WebSockets), /healthz and the page at /."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute

from cityledger.bootstrap import Runtime
from graphql_api.context import SubscriptionCounter
from graphql_api.errors import INTERNAL_MESSAGE
from graphql_api.http import LedgerGraphQL, error_response
from graphql_api.published_cache import PublishedTableCache
from graphql_api.schema import schema
from graphql_api.tokens import ensure_table
from graphql_api.web.routes import web_routes
from projections import queries as reads

logger = logging.getLogger("graphql_api.app")


async def internal_error(request: Request, exc: Exception) -> Response:
    """The catch-all: log the failure, answer a JSON error without a traceback."""
    logger.error("unhandled error on %s", request.url.path, exc_info=exc)
    return error_response(500, INTERNAL_MESSAGE, "INTERNAL")


def create_app(runtime: Runtime, *, follow: bool = True) -> Starlette:
    """The API over a runtime; with follow=True a background thread keeps read models current."""
    ensure_table(runtime.db)
    subscriptions = SubscriptionCounter()
    graphql = LedgerGraphQL(schema, runtime, subscriptions)
    published_cache = PublishedTableCache(graphql, runtime.db)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        stop = threading.Event()
        thread = threading.Thread(
            target=runtime.follower.follow, args=(stop,), name="cityledger-follower", daemon=True
        )
        if follow:
            thread.start()
        try:
            yield
        finally:
            stop.set()
            if follow:
                thread.join(timeout=10)

    async def healthz(request: Request) -> Response:
        """Liveness, with positions and the number of live subscriptions."""
        return JSONResponse(
            {
                "status": "ok",
                "position": reads.tracking_position(runtime.db),
                "head": runtime.ledger.head(),
                "subscriptions": subscriptions.active,
            }
        )

    app = Starlette(
        routes=[
            Route("/healthz", healthz, methods=["GET"]),
            # Anonymous published tables are answered from memory (graphql_api/published_cache).
            Route("/graphql", published_cache),
            WebSocketRoute("/graphql", graphql),
            *web_routes(),
        ],
        lifespan=lifespan,
        exception_handlers={Exception: internal_error},
    )
    app.state.subscriptions = subscriptions
    app.state.published_cache = published_cache
    return app
