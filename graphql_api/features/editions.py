"""Editions and publications: what an edition pins, what it published, how two publications
differ."""

from __future__ import annotations

import strawberry

from graphql_api.arguments import Id
from graphql_api.context import Info
from graphql_api.features.catalogue import City
from graphql_api.fields import field as query
from graphql_api.fields import field as resolver
from graphql_api.permissions import (
    Public,
)
from graphql_api.scalars import RankingTableName
from projections import catalogue
from projections import publications as published
from projections.catalogue import EditionView
from projections.publications import Cause, PublicationDiff, PublishedChange
from projections.publications import Publication as PublicationRecord


@strawberry.type(description="A publication of an edition's tables at a ledger position.")
class Publication:
    """A publication."""

    edition_id: str = strawberry.field(description="Edition id.")
    publication_no: int = strawberry.field(description="Publication number within the edition.")
    position: int = strawberry.field(description="Ledger position the tables were computed at.")
    digest: str = strawberry.field(description="Chain hash of the log up to that position.")
    tree_head: str | None = strawberry.field(
        description="RFC 9162 Merkle tree head over the events up to that position (null for "
        "publications recorded before tree heads were pinned)."
    )
    tables: list[str] = strawberry.field(description="Tables published.")
    by: str = strawberry.field(description="Who published.")
    time: str = strawberry.field(description="When it was published (ISO 8601).")
    event_position: int = strawberry.field(description="Ledger position of the publish event.")

    @resolver("The number of the publication this one corrects (null: not a correction).")
    def corrects(self, info: Info) -> int | None:
        """The corrected publication."""
        return self._record(info).corrects

    @resolver("A correction's band changes, each with the appeals and decisions that caused it.")
    def changes(self, info: Info) -> list[PublicationChange]:
        """The corrections listed."""
        return [PublicationChange.from_view(c) for c in self._record(info).changes]

    @resolver("Why the editor published despite undecided evidence (null: nothing undecided).")
    def forced_reason(self, info: Info) -> str | None:
        """The recorded reason for forcing."""
        return self._record(info).forced_reason

    def _record(self, info: Info) -> PublicationRecord:
        return published.publication(info.context.db, self.edition_id, self.publication_no)

    @classmethod
    def from_view(cls, v: PublicationRecord) -> Publication:
        """From the read view."""
        return cls(
            edition_id=v.edition_id,
            publication_no=v.publication_no,
            position=v.position,
            digest=v.digest,
            tree_head=v.tree_head,
            tables=list(v.tables),
            by=v.by,
            time=v.time,
            event_position=v.event_position,
        )


@strawberry.type(description="An edition and what it pins.")
class Edition:
    """An edition."""

    edition_id: str = strawberry.field(description="Edition id.")
    year: int = strawberry.field(description="Year.")
    title: str = strawberry.field(description="Title.")
    region: str = strawberry.field(description="Region covered.")
    framework_id: str = strawberry.field(description="Framework pinned.")
    framework_version: int = strawberry.field(description="Framework version pinned.")
    weight_set_id: str = strawberry.field(description="Weight set used.")
    evidence_cutoff: str = strawberry.field(description="Last date of admissible evidence.")
    quorum: int = strawberry.field(description="Accepting votes a claim needs.")
    city_count: int = strawberry.field(description="Cities included.")
    created_at: str = strawberry.field(description="When the edition was created (ISO 8601).")
    position: int = strawberry.field(description="Ledger position of the creating event.")

    @resolver("The edition's cities, in English alphabetical order.")
    def cities(self, info: Info) -> list[City]:
        """Included cities."""
        return [City.from_view(c) for c in catalogue.cities(info.context.db, self.edition_id)]

    @resolver("The edition's publications, oldest first.")
    def publications(self, info: Info) -> list[Publication]:
        views = published.publications(info.context.db, self.edition_id)
        return [Publication.from_view(p) for p in views]

    @classmethod
    def from_view(cls, v: EditionView) -> Edition:
        """From the read view."""
        return cls(
            edition_id=v.edition_id,
            year=v.year,
            title=v.title,
            region=v.region,
            framework_id=v.framework_id,
            framework_version=v.framework_version,
            weight_set_id=v.weight_set_id,
            evidence_cutoff=v.evidence_cutoff,
            quorum=v.quorum,
            city_count=v.city_count,
            created_at=v.created_at,
            position=v.position,
        )


@strawberry.type(description="A decision that moved a band between two publications.")
class ChangeCause:
    """A cause."""

    position: int = strawberry.field(description="Ledger position of the decision.")
    type: str = strawberry.field(description="Event type, like ClaimAcceptedOnAppeal.")
    claim_id: str | None = strawberry.field(description="The claim decided, if any.")
    appeal_id: str | None = strawberry.field(description="The appeal upheld, if any.")

    @classmethod
    def from_view(cls, v: Cause) -> ChangeCause:
        """From the read view."""
        return cls(position=v.position, type=v.type, claim_id=v.claim_id, appeal_id=v.appeal_id)


@strawberry.type(description="A city whose band in a table differs between two publications.")
class PublicationChange:
    """A band change between publications."""

    table: RankingTableName = strawberry.field(description="Which table.")
    city_id: str = strawberry.field(description="City id.")
    name_en: str = strawberry.field(description="English name.")
    band_before: str = strawberry.field(description="Band in the earlier publication.")
    band_after: str = strawberry.field(description="Band in the later publication.")
    causes: list[ChangeCause] = strawberry.field(
        description="The appeals and decisions a correction recorded as causing it."
    )

    @classmethod
    def from_view(cls, v: PublishedChange) -> PublicationChange:
        """From the read view."""
        return cls(
            table=RankingTableName(v.table), city_id=v.city_id, name_en=v.name_en,
            band_before=v.before, band_after=v.after,
            causes=[ChangeCause.from_view(c) for c in v.causes],
        )  # fmt: skip


@strawberry.type(description="What changed between two publications of an edition.")
class PublicationDiffResult:
    """A publication diff."""

    edition_id: str = strawberry.field(description="Edition id.")
    a: int = strawberry.field(description="The first publication's number.")
    b: int = strawberry.field(description="The second publication's number.")
    changes: list[PublicationChange] = strawberry.field(description="Every band change.")

    @classmethod
    def from_view(cls, v: PublicationDiff) -> PublicationDiffResult:
        """From the read view."""
        return cls(
            edition_id=v.edition_id, a=v.a, b=v.b,
            changes=[PublicationChange.from_view(c) for c in v.changes],
        )  # fmt: skip


@strawberry.type
class EditionsQuery:
    """The editions fields of the Query root."""

    @query("Every edition, newest year first.", Public)
    def editions(self, info: Info) -> list[Edition]:
        return [Edition.from_view(e) for e in catalogue.editions(info.context.db)]

    @query("One edition.", Public)
    def edition(self, info: Info, id: Id) -> Edition:
        return Edition.from_view(catalogue.edition(info.context.db, id))

    @query("Publications of every edition, oldest first.", Public)
    def publications(self, info: Info, edition: str | None = None) -> list[Publication]:
        return [Publication.from_view(p) for p in published.publications(info.context.db, edition)]

    @query(
        "Every band change between two publications of an edition, with the appeals and "
        "decisions the corrections between them recorded as causes.",
        Public,
    )
    def publication_diff(self, info: Info, edition: Id, a: int, b: int) -> PublicationDiffResult:
        """Publication diff."""
        return PublicationDiffResult.from_view(
            published.publication_diff(info.context.db, edition, a, b)
        )
