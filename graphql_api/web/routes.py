"""Routes of the web page (`/`, `/static/…`) and the GraphiQL page's HTML."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

STATIC = Path(__file__).resolve().parent / "static"
#: Only this origin: the browser itself refuses any CDN or other host.
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
#: GraphiQL sets inline styles and opens a WebSocket to this host for subscriptions.
IDE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


@cache
def _text(name: str) -> str:
    return (STATIC / name).read_text(encoding="utf-8")


def graphiql_page() -> HTMLResponse:
    """GraphiQL with the explorer plugin, every asset served from /static/vendor."""
    return HTMLResponse(_text("graphiql.html"), headers={"Content-Security-Policy": IDE_POLICY})


async def index(request: Request) -> Response:
    """The web page: editions, tables, a city's history, comparisons (it calls /graphql)."""
    return HTMLResponse(_text("index.html"), headers={"Content-Security-Policy": PAGE_POLICY})


def web_routes() -> list[BaseRoute]:
    """`/` and the static files under `/static`."""
    return [
        Route("/", index, methods=["GET"]),
        Mount("/static", app=StaticFiles(directory=STATIC), name="static"),
    ]
