"""Edition: one year's ranking, pinning a framework version, a weight set and its cities."""

from __future__ import annotations

from dataclasses import field
from datetime import datetime, timedelta
from typing import Any

from eventsourcing.domain import Aggregate

from ledger.aggregate import LedgerAggregate
from ledger.errors import AlreadyExists, InvalidInput, InvalidState, UnknownId
from ledger.vocabulary import RankingTable

TABLES = tuple(RankingTable)
#: Days after its latest publication during which an edition accepts appeals, unless set.
DEFAULT_APPEAL_WINDOW_DAYS = 30


class Edition(LedgerAggregate, kind="edition", id_field="edition_id"):
    """A ranking edition such as asia-2023; it may reuse another edition's weight set."""

    class EditionCreated(Aggregate.Created):
        """An edition was opened."""

        edition_id: str
        year: int
        title: str
        region: str
        framework_id: str
        framework_version: int
        weight_set_id: str
        evidence_cutoff: str
        quorum: int
        #: Added later, with a default: events recorded before it decode with None.
        by: str | None = None

    class CitiesIncluded(Aggregate.Event):
        """Cities were added to the edition's list."""

        city_ids: list[str]
        #: Added later, with a default: events recorded before it decode with None.
        by: str | None = None

        def apply(self, aggregate: Edition) -> None:
            """Extend the city list."""
            aggregate.city_ids.extend(self.city_ids)

    class QuorumChanged(Aggregate.Event):
        """The number of accepting votes a claim needs changed."""

        quorum: int
        #: Added later, with a default: events recorded before it decode with None.
        by: str | None = None

        def apply(self, aggregate: Edition) -> None:
            """Set the quorum."""
            aggregate.quorum = self.quorum

    class RankingPublished(Aggregate.Event):
        """The three tables were published as computed at a ledger position."""

        publication_no: int
        position: int
        digest: str
        tables: list[str]
        by: str
        #: Added later, with a default: publications recorded before it decode with None.
        tree_head: str | None = None
        #: Table name → ledger.published.table_digest of its bands at `position` (added later:
        #: None for publications recorded before).
        table_digests: dict[str, str] | None = None
        #: The number of the publication this one corrects (None: not a correction).
        corrects: int | None = None
        #: A correction's band changes: {table, city_id, before, after, causes}.
        changes: list[dict[str, Any]] | None = None
        #: Why the editor published despite undecided evidence (None: nothing undecided).
        forced_reason: str | None = None

        def apply(self, aggregate: Edition) -> None:
            """Count the publication and remember when it was made."""
            aggregate.publications.append(self.position)
            aggregate.published_at.append(self.timestamp)

    class AppealWindowSet(Aggregate.Event):
        """The days after a publication during which cities may appeal were set."""

        days: int
        by: str

        def apply(self, aggregate: Edition) -> None:
            """Set the window."""
            aggregate.appeal_window_days = self.days

    # The state the commands decide on, initialised from the created event (ledger.aggregate).
    edition_id: str
    framework_id: str
    framework_version: int
    weight_set_id: str
    evidence_cutoff: str
    quorum: int
    city_ids: list[str] = field(init=False, default_factory=list)
    #: The ledger position of each publication, first first.
    publications: list[int] = field(init=False, default_factory=list)
    #: When each publication was made, first first.
    published_at: list[datetime] = field(init=False, default_factory=list)
    appeal_window_days: int = field(init=False, default=DEFAULT_APPEAL_WINDOW_DAYS)

    @classmethod
    def create(cls, *, at: datetime | None = None, **fields: Any) -> Edition:
        """Record a new edition: EditionCreated's fields, validated by the caller's checks."""
        return cls._record(cls.EditionCreated, at, fields)

    def include_cities(
        self, *, city_ids: list[str], at: datetime | None, by: str | None = None
    ) -> None:
        """Add cities that are not yet in the edition."""
        present = sorted(set(city_ids) & set(self.city_ids))
        if present:
            raise AlreadyExists(
                f"city {present[0]!r} is already in edition {self.edition_id}",
                field="city_ids",
                value=present[0],
            )
        self.trigger_event(self.CitiesIncluded, city_ids=list(city_ids), by=by, timestamp=at)

    def change_quorum(self, *, quorum: int, at: datetime | None, by: str | None = None) -> None:
        """Set the accepting votes a claim needs."""
        self.trigger_event(self.QuorumChanged, quorum=quorum, by=by, timestamp=at)

    def set_appeal_window(self, *, days: int, by: str, at: datetime | None) -> None:
        """Set how many days after a publication cities may appeal."""
        self.trigger_event(self.AppealWindowSet, days=days, by=by, timestamp=at)

    def appeal_deadline(self) -> datetime | None:
        """The end of the current appeal window (None before the first publication)."""
        if not self.published_at:
            return None
        return self.published_at[-1] + timedelta(days=self.appeal_window_days)

    def require_appeal_window(self, *, when: datetime) -> datetime:
        """InvalidState unless `when` falls in the appeal window; return its deadline."""
        deadline = self.appeal_deadline()
        if deadline is None:
            raise InvalidState(
                f"edition {self.edition_id} has no publication to appeal against yet",
                field="edition_id",
                value=self.edition_id,
            )
        if when > deadline:
            raise InvalidState(
                f"the appeal window of edition {self.edition_id} closed at "
                f"{deadline.isoformat()} ({self.appeal_window_days} days after its latest "
                "publication)",
                field="deadline",
                value=deadline.isoformat(),
            )
        return deadline

    def require_publication(self, number: int) -> int:
        """UnknownId unless the edition has a publication of this number; return its position."""
        if not 1 <= number <= len(self.publications):
            raise UnknownId(
                f"edition {self.edition_id} has no publication {number}",
                field="corrects",
                value=number,
            )
        return self.publications[number - 1]

    def require_city(self, city_id: str) -> None:
        """UnknownId unless the city is in this edition."""
        self._require_member("city", city_id, self.city_ids, f"in edition {self.edition_id}")

    def require_evidence_by_cutoff(self, sources: list[dict[str, Any]]) -> None:
        """InvalidInput naming the first source dated after the edition's evidence cut-off."""
        late = sorted(s["date"] for s in sources if s["date"] > self.evidence_cutoff)
        if late:
            raise InvalidInput(
                f"source dated {late[0]} is after the evidence cut-off {self.evidence_cutoff} "
                f"of edition {self.edition_id}",
                field="source.date",
                value=late[0],
            )

    def publish(
        self,
        *,
        position: int,
        digest: str,
        tree_head: str,
        tables: list[str],
        by: str,
        at: datetime | None,
        table_digests: dict[str, str] | None = None,
        corrects: int | None = None,
        changes: list[dict[str, Any]] | None = None,
        forced_reason: str | None = None,
    ) -> int:
        """Record a publication of tables at a ledger position; return its number."""
        unknown = sorted(set(tables) - set(TABLES))
        if unknown or not tables:
            raise InvalidInput(
                f"table {unknown[0] if unknown else None!r} is not one of {', '.join(TABLES)}",
                field="tables",
                value=unknown[0] if unknown else None,
            )
        if not self.city_ids:
            raise InvalidInput(
                f"edition {self.edition_id} has no cities to publish", field="edition_id"
            )
        if self.publications and position < self.publications[-1]:
            raise InvalidInput(
                f"position {position} is before the previous publication's "
                f"{self.publications[-1]}; publications never go back in time",
                field="position",
                value=position,
            )
        if corrects is not None:
            self.require_publication(corrects)
        number = len(self.publications) + 1
        self.trigger_event(
            self.RankingPublished,
            publication_no=number,
            position=position,
            digest=digest,
            tree_head=tree_head,
            tables=list(tables),
            by=by,
            table_digests=table_digests,
            corrects=corrects,
            changes=changes,
            forced_reason=forced_reason,
            timestamp=at,
        )
        return number
