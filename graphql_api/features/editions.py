"""Editions and publications: what an edition pins, what it published, how two publications
differ."""

from __future__ import annotations

from typing import Any

import strawberry

from graphql_api.arguments import Id
from graphql_api.commands import mutation, payload
from graphql_api.context import ApiContext, Info
from graphql_api.features.catalogue import City
from graphql_api.fields import field as query
from graphql_api.fields import field as resolver
from graphql_api.outputs import FromView, output
from graphql_api.permissions import IsEditor, Public
from projections import catalogue
from projections import publications as published
from projections.catalogue import EditionView
from projections.publications import Cause, PublicationDiff, PublishedChange
from projections.publications import Publication as PublicationRecord


@output(Cause)
class ChangeCause(FromView[Cause]):
    pass


@output(
    PublishedChange,
    renamed={"before": "band_before", "after": "band_after"},
)
class PublicationChange(FromView[PublishedChange]):
    pass


@output(PublicationRecord)
class Publication(FromView[PublicationRecord]):
    pass


@output(EditionView)
class Edition(FromView[EditionView]):
    @resolver("The edition's cities, in English alphabetical order.")
    def cities(self, info: Info) -> list[City]:
        return [City.from_view(c) for c in catalogue.cities(info.context.db, self.view.edition_id)]

    @resolver("The edition's publications, oldest first.")
    def publications(self, info: Info) -> list[Publication]:
        views = published.publications(info.context.db, self.view.edition_id)
        return [Publication.from_view(p) for p in views]


@output(PublicationDiff)
class PublicationDiffResult(FromView[PublicationDiff]):
    pass


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
        return PublicationDiffResult.from_view(
            published.publication_diff(info.context.db, edition, a, b)
        )


# ---- commands: editions and publications --------------------------------------------------

EditionPayload = payload(
    "EditionPayload",
    "An edition was created or changed.",
    edition=(Edition, "The edition as it now stands."),
)
PublicationPayload = payload(
    "PublicationPayload",
    "An edition's tables were published.",
    publication=(Publication, "The publication."),
)


def _edition(c: ApiContext, args: dict[str, Any], _: object) -> dict[str, Any]:
    return {"edition": Edition.from_view(catalogue.edition(c.db, args["edition_id"]))}


def _publication(c: ApiContext, args: dict[str, Any], done: dict[str, Any]) -> dict[str, Any]:
    made = published.publication(c.db, args["edition_id"], int(done["publication_no"]))
    return {"publication": Publication.from_view(made)}


@strawberry.type
class EditionsMutation:
    """Commands on editions: their cities, quorum, appeal window and publications."""

    create_edition = mutation("create_edition", IsEditor, EditionPayload, _edition)
    include_cities = mutation("include_cities", IsEditor, EditionPayload, _edition, flat=True)
    change_quorum = mutation("change_quorum", IsEditor, EditionPayload, _edition, flat=True)
    publish = mutation("publish", IsEditor, PublicationPayload, _publication)
    set_appeal_window = mutation(
        "set_appeal_window", IsEditor, EditionPayload, _edition, input_name="AppealWindowInput"
    )
