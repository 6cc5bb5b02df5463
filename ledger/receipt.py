"""Receipt: the result of a command sent with an idempotency key, saved atomically with it."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from ledger.ids import aggregate_id


class Receipt(Aggregate):
    """Proof that a keyed command was recorded, so a retry records nothing twice."""

    class ReceiptIssued(Aggregate.Created):
        """A keyed command was recorded with this result."""

        key: str
        command: str
        result: str
        #: Added later, with a default: receipts recorded before it decode with "".
        fingerprint: str = ""

    # The state the commands decide on, initialised from the created event (ledger.aggregate).
    key: str
    command: str
    result: str
    fingerprint: str = ""

    @staticmethod
    def key_id(key: str) -> UUID:
        """Aggregate id of the receipt for this idempotency key."""
        return aggregate_id("receipt", key)

    @classmethod
    def issue(cls, *, key: str, at: datetime | None = None, **fields: Any) -> Receipt:
        """Record a new receipt: ReceiptIssued's fields."""
        return cls._create(cls.ReceiptIssued, id=cls.key_id(key), key=key, timestamp=at, **fields)

    def answers(self, *, command: str, fingerprint: str) -> bool:
        """Whether a retry is the same request as the one this receipt recorded."""
        # A receipt from before fingerprints (empty) can only be matched by its command.
        return self.command == command and self.fingerprint in ("", fingerprint)
