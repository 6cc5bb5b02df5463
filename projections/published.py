"""Published tables, served only when they match the digests their publication recorded."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlite_utils import Database

from ledger.edition import Edition
from ledger.errors import UnverifiedPublication
from ledger.published import table_digest
from ledger.records import EventRecord
from projections.rankings import RankingView, rankings

if TYPE_CHECKING:
    from projections.publications import Publication


def published_rankings(
    db: Database, publication: Publication, table: str, recorded: EventRecord | None
) -> RankingView:
    """A publication's table, checked against its `RankingPublished` event as the log holds it.

    `recorded` is the event at the publication's position read from the log itself (not from
    the read models, which are what is being checked): the table computed from the read models
    must have the bands whose digest the publication recorded. Publications recorded before
    table digests existed are served unchecked.
    """
    edition_id, number = publication.edition_id, publication.publication_no
    if (
        recorded is None
        or recorded.type != Edition.RankingPublished.__name__
        or recorded.originator_id != str(Edition.key(edition_id))
        or recorded.data.get("publication_no") != number
        or recorded.data.get("position") != publication.position
    ):
        raise UnverifiedPublication(
            f"publication {number} of {edition_id} in the read models does not match the log "
            f"at position {publication.event_position}; run cityledger verify",
            field="edition",
            value=edition_id,
        )
    view = rankings(db, edition_id, table, publication.position)
    digests = recorded.data.get("table_digests") or {}
    if table in digests and table_digest((r.city_id, r.band) for r in view.rows) != digests[table]:
        raise UnverifiedPublication(
            f"the {table} table computed for publication {number} of {edition_id} does not "
            f"match the digest the publication recorded; the read models differ from the log "
            "(run cityledger verify, then cityledger rebuild)",
            field="edition",
            value=edition_id,
        )
    return view
