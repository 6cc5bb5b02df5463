"""EventSource: the port through which the read side reads the log (the Ledger implements it)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Protocol

from ledger.records import EventRecord


class EventSource(Protocol):
    """A log read in position order; the read side never needs more of the write side."""

    def head(self) -> int:
        """The position of the last recorded event (0 when empty)."""
        ...

    def records(
        self, after: int = 0, limit: int = 1000, upto: int | None = None
    ) -> list[EventRecord]:
        """Recorded events after a position, in ledger order."""
        ...

    def listen(self, wake: threading.Event) -> Callable[[], None] | None:
        """Set `wake` whenever new events are committed, by anyone (PostgreSQL LISTEN/NOTIFY);
        return a function that stops listening, or None where the engine cannot notify."""
        ...
