"""A count of what is live right now (streams, subscribers), safe across threads."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class LiveCount:
    """How many blocks are running `track()` at this moment."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._active = 0

    @property
    def active(self) -> int:
        """Blocks started and not yet finished."""
        with self._lock:
            return self._active

    @contextmanager
    def track(self) -> Iterator[None]:
        """Count one while the block runs, however it ends."""
        with self._lock:
            self._active += 1
        try:
            yield
        finally:
            with self._lock:
                self._active -= 1
