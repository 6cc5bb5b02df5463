"""The Starlette application: /graphql (HTTP, GraphiQL, WebSockets), /healthz and the page at /."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute

from cityledger.bootstrap import Runtime
from graphql_api.counting import LiveCount
from graphql_api.errors import INTERNAL_MESSAGE
from graphql_api.http import BODY_TIMEOUT, BodyDeadline, LedgerGraphQL, error_response
from graphql_api.offload import blocking
from graphql_api.published_cache import PublishedTableCache
from graphql_api.schema import schema
from graphql_api.tokens import ensure_table
from graphql_api.watcher import Watcher
from graphql_api.web.routes import web_routes
from ledger.errors import Replaced

logger = logging.getLogger("graphql_api.app")


async def internal_error(request: Request, exc: Exception) -> Response:
    """The catch-all: log the failure, answer a JSON error without a traceback."""
    logger.error("unhandled error on %s", request.url.path, exc_info=exc)
    return error_response(500, INTERNAL_MESSAGE, "INTERNAL")


def database_file(runtime: Runtime) -> Path:
    """The file of the read-model database (where the tokens table lives)."""
    rows = runtime.db.execute("PRAGMA database_list").fetchall()
    return Path(next(str(row[2]) for row in rows if row[1] == "main"))


def create_app(
    runtime: Runtime, *, follow: bool = True, body_timeout: float = BODY_TIMEOUT
) -> Starlette:
    """The API over a runtime; with follow=True a background thread keeps read models current.

    Nothing blocking runs on the event loop: operations run in worker threads (offload),
    and one watcher thread follows the ledger for every subscriber and for /healthz.
    """
    ensure_table(runtime.db)
    subscriptions = LiveCount()
    watcher = Watcher(runtime, database_file(runtime), follow=follow)
    graphql = LedgerGraphQL(schema, runtime, subscriptions, watcher)
    published_cache = PublishedTableCache(graphql, runtime.db, database_file(runtime))

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await blocking(watcher.start)
        try:
            yield
        finally:
            await blocking(watcher.stop)
            published_cache.close()

    async def healthz(request: Request) -> Response:
        """Liveness, with positions and the number of live subscriptions.

        Answered from the watcher's latest look (at most one tick old) without touching the
        database, so it stays fast while another process holds the write lock.
        """
        seen = watcher.snapshot
        # A server whose database file was replaced under it must leave the rotation.
        gone = seen.problem is not None and seen.problem.startswith(Replaced.code)
        return JSONResponse(
            {
                "status": "replaced" if gone else "ok",
                "position": seen.position,
                "head": seen.head,
                "subscriptions": subscriptions.active,
                "problem": seen.problem,
            },
            status_code=503 if gone else 200,
        )

    app = Starlette(
        routes=[
            Route("/healthz", healthz, methods=["GET"]),
            # Anonymous published tables are answered from memory (graphql_api/published_cache).
            # A slow body is cut off with 408 whichever layer reads it (graphql_api/http).
            Route("/graphql", BodyDeadline(published_cache, body_timeout)),
            WebSocketRoute("/graphql", graphql),
            *web_routes(),
        ],
        lifespan=lifespan,
        exception_handlers={Exception: internal_error},
    )
    app.state.subscriptions = subscriptions
    app.state.watcher = watcher
    app.state.published_cache = published_cache
    return app
