"""Serving the app with uvicorn: slow clients are timed out, big WebSocket frames refused.

uvicorn times out an idle keep-alive connection but not a client that sends its request
headers one byte at a time; TimedH11Protocol closes a connection whose headers are not
complete within `header_timeout` seconds. A slow body is timed out where it is read
(graphql_api.http.read_body).
"""

from __future__ import annotations

import asyncio
import gc
import logging

import h11
import uvicorn
from starlette.applications import Starlette
from uvicorn.config import Config
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState

from graphql_api.http import MAX_BODY_BYTES

LOG = logging.getLogger("graphql_api.serving")
#: Seconds a client may take to send a request's headers.
HEADER_TIMEOUT = 10.0
#: Seconds an idle keep-alive connection is kept open.
KEEP_ALIVE = 5


class TimedH11Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol with a deadline on each request's headers."""

    header_timeout = HEADER_TIMEOUT

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, object],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self._header_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Start the clock for the first request's headers."""
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        """Keep the clock running while headers are incomplete; stop it once they are in."""
        super().data_received(data)
        if self._awaiting_headers():
            self._arm()
        else:
            self._disarm()

    def connection_lost(self, exc: Exception | None) -> None:
        """Stop the clock."""
        self._disarm()
        super().connection_lost(exc)

    def _awaiting_headers(self) -> bool:
        return self.conn.their_state is h11.IDLE

    def _arm(self) -> None:
        if self._header_deadline is None:
            self._header_deadline = self.loop.call_later(self.header_timeout, self._too_slow)

    def _disarm(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _too_slow(self) -> None:
        self._header_deadline = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            client = f"{self.client[0]}:{self.client[1]}" if self.client else "a client"
            LOG.info(
                "closed the connection of %s: its request headers took over %.0f s",
                client,
                self.header_timeout,
            )
            self.transport.close()


def one_line_logs() -> None:
    """Send the API's and the ledger's log records to stderr, one line each, from INFO up."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s:  %(name)s: %(message)s"))
    for name in ("graphql_api", "cityledger", "projections"):
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False


def settle_heap() -> None:
    """Keep what is loaded before serving (modules, schema, caches) out of the garbage
    collector's full passes: each request's garbage is then collected without rescanning
    some 270,000 long-lived objects (a quarter of a large table's time)."""
    gc.collect()
    gc.freeze()


def serve(
    app: Starlette, host: str, port: int, *, header_timeout: float = HEADER_TIMEOUT
) -> None:  # pragma: no cover - exercised by the end-to-end tests in a subprocess
    """Run the app under uvicorn with the API's timeouts and frame limit."""
    protocol = type("Timed", (TimedH11Protocol,), {"header_timeout": header_timeout})
    one_line_logs()
    settle_heap()
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="info",
        http=protocol,
        timeout_keep_alive=KEEP_ALIVE,
        # A frame a little over the message limit is read (and refused with 1009 by the
        # API); a much larger one is refused by uvicorn before it is buffered.
        ws_max_size=MAX_BODY_BYTES + 64 * 1024,
    )
