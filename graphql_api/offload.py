"""Blocking work off the event loop: SQLite calls run in worker threads, never on the loop.

A whole GraphQL operation (its resolvers are plain functions reading SQLite) runs in a worker
thread on that thread's own event loop, so the server's loop only moves bytes: /healthz and
every other request stay answered while one operation waits for a lock or computes a table.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from functools import partial
from typing import ParamSpec, TypeVar

import anyio.to_thread

T = TypeVar("T")
P = ParamSpec("P")

_local = threading.local()


def _thread_loop() -> asyncio.AbstractEventLoop:
    """The worker thread's own event loop (created on first use, kept for the next job)."""
    loop: asyncio.AbstractEventLoop | None = getattr(_local, "loop", None)
    if loop is None or loop.is_closed():
        loop = asyncio.new_event_loop()
        _local.loop = loop
    return loop


def _run_here(factory: Callable[[], Awaitable[T]]) -> T:
    async def main() -> T:
        return await factory()

    _local.working = True
    try:
        return _thread_loop().run_until_complete(main())
    finally:
        _local.working = False


def in_a_worker() -> bool:
    """Whether this code runs in a worker thread's loop (where blocking is allowed)."""
    return bool(getattr(_local, "working", False))


async def in_worker(factory: Callable[[], Awaitable[T]]) -> T:
    """Await a coroutine made by `factory` in a worker thread, on that thread's event loop
    (directly when already there)."""
    if in_a_worker():
        return await factory()
    return await anyio.to_thread.run_sync(_run_here, factory)


async def blocking(function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Call a blocking function (a SQLite read, a catch-up) in a worker thread (directly
    when already in one)."""
    if in_a_worker():
        return function(*args, **kwargs)
    return await anyio.to_thread.run_sync(partial(function, *args, **kwargs))
