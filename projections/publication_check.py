"""The runtime's PublicationCheck: publication facts from the read models, caught up first."""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Protocol

from sqlite_utils import Database

from ledger.errors import InvalidState
from ledger.publishing import PublicationFacts, PublicationRequest
from projections.merkle import chain_hash_at, tree_head_at
from projections.whatif import publication_facts


class CatchesUp(Protocol):
    """What the check needs of the follower: applying every committed event."""

    def position(self) -> int:
        """The position every read model has reached."""
        ...

    def catch_up(self, limit: int | None = None) -> int:
        """Apply every committed event not yet applied; return the position reached."""
        ...


class ReadModelCheck:
    """Answers `publish` from the read models at the exact cut, once they have reached it.

    `publish` runs inside a command, while the read models may lag the log: the follower is
    caught up first (under its own lock), then every read is "as of the cut", so events
    committed meanwhile by others change nothing, and the answer is the one a fold of the log
    up to the cut gives.
    """

    def __init__(self, follower: CatchesUp, db: Database) -> None:
        self.follower = follower
        #: The runtime's connection to the read models (autocommit: it reads committed rows).
        self.db = db
        self._lock = threading.Lock()

    def __call__(self, request: PublicationRequest) -> PublicationFacts:
        """The facts for publishing the request's tables at its cut (ledger.publishing)."""
        cut = request.cut
        reached = self.follower.position()
        if reached < cut:
            reached = self.follower.catch_up()
        if reached < cut:
            raise InvalidState(
                f"the read models reached position {reached}, not {cut}: they cannot say "
                "what the publication would show yet; try again",
                field="position",
                value=cut,
            )
        with self._lock:
            facts = publication_facts(self.db, request)
            return replace(
                facts, digest=chain_hash_at(self.db, cut), tree_head=tree_head_at(self.db, cut)
            )
