"""Verifier: an anonymous multilingual expert who votes on evidence in languages they read."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate

from ledger.ids import aggregate_id


class Verifier(Aggregate):
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

    def __init__(self, verifier_id: str, languages: list[str]) -> None:
        self.verifier_id = verifier_id
        self.languages = languages

    @staticmethod
    def key(verifier_id: str) -> UUID:
        """Aggregate id of the verifier with this anonymous id."""
        return aggregate_id("verifier", verifier_id)

    @classmethod
    def enrol(
        cls, verifier_id: str, languages: list[str], at: datetime | None, by: str | None = None
    ) -> Verifier:
        """Record a new verifier."""
        return cls._create(
            cls.VerifierEnrolled,
            id=cls.key(verifier_id),
            verifier_id=verifier_id,
            languages=sorted(languages),
            by=by,
            timestamp=at,
        )

    def change_languages(
        self, languages: list[str], at: datetime | None, by: str | None = None
    ) -> None:
        """Restate the languages this verifier reads."""
        self.trigger_event(
            self.VerifierLanguagesChanged, languages=sorted(languages), by=by, timestamp=at
        )
