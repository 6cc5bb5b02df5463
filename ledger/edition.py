"""Edition: one year's ranking, pinning a framework version, a weight set and its cities."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from ledger.errors import AlreadyExists, InvalidInput, UnknownId
from ledger.ids import aggregate_id
from ledger.vocabulary import RankingTable

TABLES = tuple(RankingTable)


class Edition(Aggregate):
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

        def apply(self, aggregate: Edition) -> None:
            """Count the publication."""
            aggregate.publications.append(self.position)

    def __init__(
        self,
        edition_id: str,
        year: int,
        title: str,
        region: str,
        framework_id: str,
        framework_version: int,
        weight_set_id: str,
        evidence_cutoff: str,
        quorum: int,
    ) -> None:
        self.edition_id = edition_id
        self.year = year
        self.title = title
        self.region = region
        self.framework_id = framework_id
        self.framework_version = framework_version
        self.weight_set_id = weight_set_id
        self.evidence_cutoff = evidence_cutoff
        self.quorum = quorum
        self.city_ids: list[str] = []
        self.publications: list[int] = []

    @staticmethod
    def key(edition_id: str) -> UUID:
        """Aggregate id of the edition with this id."""
        return aggregate_id("edition", edition_id)

    @classmethod
    def create(
        cls,
        edition_id: str,
        year: int,
        title: str,
        region: str,
        framework_id: str,
        framework_version: int,
        weight_set_id: str,
        evidence_cutoff: str,
        quorum: int,
        at: datetime | None,
        by: str | None = None,
    ) -> Edition:
        """Record a new edition."""
        return cls._create(
            cls.EditionCreated,
            id=cls.key(edition_id),
            edition_id=edition_id,
            year=year,
            title=title,
            region=region,
            framework_id=framework_id,
            framework_version=framework_version,
            weight_set_id=weight_set_id,
            evidence_cutoff=evidence_cutoff,
            quorum=quorum,
            by=by,
            timestamp=at,
        )

    def include_cities(
        self, city_ids: list[str], at: datetime | None, by: str | None = None
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

    def change_quorum(self, quorum: int, at: datetime | None, by: str | None = None) -> None:
        """Set the accepting votes a claim needs."""
        self.trigger_event(self.QuorumChanged, quorum=quorum, by=by, timestamp=at)

    def require_city(self, city_id: str) -> None:
        """UnknownId unless the city is in this edition."""
        if city_id not in self.city_ids:
            raise UnknownId(
                f"city {city_id!r} is not in edition {self.edition_id}",
                field="city_id",
                value=city_id,
            )

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
        position: int,
        digest: str,
        tree_head: str,
        tables: list[str],
        by: str,
        at: datetime | None,
        table_digests: dict[str, str] | None = None,
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
            timestamp=at,
        )
        return number
