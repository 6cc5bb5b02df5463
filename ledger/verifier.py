"""Verifier: an anonymous multilingual expert who votes on evidence in languages they read."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from eventsourcing.domain import Aggregate

from ledger.aggregate import LedgerAggregate


class Verifier(LedgerAggregate, kind="verifier", id_field="verifier_id"):
    """An expert identified only by an anonymous id, with the languages they read."""

    class VerifierEnrolled(Aggregate.Created):
        """A verifier joined the pool."""

        verifier_id: str
        languages: list[str]
        #: Added later, with a default: events recorded before it decode with None.
        by: str | None = None

    class VerifierLanguagesChanged(Aggregate.Event):
        """The languages a verifier reads were restated."""

        languages: list[str]
        #: Added later, with a default: events recorded before it decode with None.
        by: str | None = None

        def apply(self, aggregate: Verifier) -> None:
            """Set the languages."""
            aggregate.languages = self.languages

    # The state the commands decide on, initialised from the created event (ledger.aggregate).
    verifier_id: str
    languages: list[str]

    @classmethod
    def enrol(cls, *, languages: list[str], at: datetime | None = None, **fields: Any) -> Verifier:
        """Record a new verifier: VerifierEnrolled's fields (its languages sorted)."""
        return cls._record(cls.VerifierEnrolled, at, {**fields, "languages": sorted(languages)})

    def change_languages(
        self, *, languages: list[str], at: datetime | None, by: str | None = None
    ) -> None:
        """Restate the languages this verifier reads."""
        self.trigger_event(
            self.VerifierLanguagesChanged, languages=sorted(languages), by=by, timestamp=at
        )
