"""ReadModel: the contract every read model keeps with the follower."""

from __future__ import annotations

from abc import ABC, abstractmethod

from sqlite_utils import Database

from ledger.records import EventRecord


class ReadModel(ABC):
    """Tables derived from the log; applying the same events always yields the same rows."""

    #: Name under which the follower tracks this model's position.
    name: str
    #: Tables this model owns, dropped on rebuild.
    tables: tuple[str, ...]

    @abstractmethod
    def create(self, db: Database) -> None:
        """Create the model's tables and indexes when missing."""

    @abstractmethod
    def apply(self, db: Database, records: list[EventRecord]) -> None:
        """Apply events in ledger order (inside the follower's transaction)."""

    def drop(self, db: Database) -> None:
        """Drop the model's tables."""
        for table in self.tables:
            db.execute(f"DROP TABLE IF EXISTS [{table}]")

    def reset(self) -> None:
        """Forget any in-memory cache (after a drop)."""
        return None
