"""Publications read side: every publication kept as published, corrections linked to what they
correct, the tables of any publication (by number or in force at an instant) and their diffs."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

from sqlite_utils import Database

from ledger.appeal import Appeal
from ledger.city import City
from ledger.claim import Claim
from ledger.doc import Doc
from ledger.edition import Edition
from ledger.errors import InvalidInput, UnknownId
from ledger.feedback import Feedback
from ledger.fields import EditionId, Table
from ledger.framework import Framework
from ledger.receipt import Receipt
from ledger.records import EventRecord, events_of
from ledger.verifier import Verifier
from ledger.vocabulary import RankingTable
from ledger.weights import WeightSet
from projections import rankings as tables
from projections.catalogue import edition as edition_view
from projections.event_index import EventAt, instant_text
from projections.model import ReadModel, from_row, insert_rows, rows, rows_in
from projections.published import published_rankings as checked_rankings
from projections.ranking import TABLES, NamedCity
from projections.rankings import RankingView
from projections.source import EventSource
from projections.view import View

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS publications (edition_id TEXT, publication_no INTEGER, "
    "position INTEGER, digest TEXT, tree_head TEXT, tables TEXT, by TEXT, time TEXT, "
    "event_position INTEGER, corrects INTEGER, changes TEXT, forced_reason TEXT, "
    "PRIMARY KEY (edition_id, publication_no))",
)


PUBLISHED = Edition.RankingPublished.__name__


class PublicationRecords(ReadModel):
    """Each publication with what a correction changed and why a forced one was forced."""

    name = "publications"
    tables = ("publications",)
    #: Version 1 kept these rows in `publication_records`, beside a second copy in the
    #: catalogue's `publications` table; version 2 keeps them once, here.
    retired = ("publication_records",)
    version = 2
    handles = frozenset({PUBLISHED})
    ignores = (
        events_of(City, Framework, WeightSet, Verifier, Claim, Appeal, Feedback, Receipt)
        | events_of(Edition)
    ) - handles

    def create(self, db: Database) -> None:
        """Create the table."""
        for statement in SCHEMA:
            db.execute(statement)

    def apply(self, db: Database, records: list[EventRecord]) -> None:
        """Record each publication (its edition's id read once for the batch)."""
        published = [r for r in records if r.type == PUBLISHED]
        if not published:
            return
        editions = dict(
            rows_in(
                db,
                "SELECT originator_id, edition_id FROM editions WHERE originator_id IN ({})",
                {r.originator_id for r in published},
            )
        )
        insert_rows(
            db,
            "publications",
            [
                {
                    "edition_id": editions[r.originator_id], "publication_no": d["publication_no"],
                    "position": d["position"], "digest": d["digest"],
                    "tree_head": d.get("tree_head"), "tables": json.dumps(d["tables"]),
                    "by": d["by"], "time": r.instant, "event_position": r.position,
                    "corrects": d.get("corrects"),
                    "changes": json.dumps(d.get("changes") or [], ensure_ascii=False),
                    "forced_reason": d.get("forced_reason"),
                }
                for r in published
                for d in (r.data,)
            ],
        )  # fmt: skip


class Cause(EventAt):
    """A decision that moved a band: an appeal upheld, a claim decided, a weight revision."""

    claim_id: Annotated[str | None, Doc("The claim decided, if any.")]
    appeal_id: Annotated[str | None, Doc("The appeal upheld, if any.")]


class PublishedChange(NamedCity):
    """A city whose band in a table differs between two publications."""

    table: Table
    before: Annotated[str, Doc("Band in the earlier publication.")]
    after: Annotated[str, Doc("Band in the later publication.")]
    causes: Annotated[
        tuple[Cause, ...], Doc("The appeals and decisions a correction recorded as causing it.")
    ]


class Publication(View):
    """A publication as it was made; a correction names the one it corrects and its changes."""

    edition_id: EditionId
    publication_no: Annotated[int, Doc("Publication number within the edition.")]
    position: Annotated[int, Doc("Ledger position the tables were computed at.")]
    digest: Annotated[str, Doc("Chain hash of the log up to that position.")]
    tree_head: Annotated[
        str | None,
        Doc(
            "RFC 9162 Merkle tree head over the events up to that position (null "
            "for publications recorded before tree heads were pinned)."
        ),
    ]
    tables: Annotated[tuple[str, ...], Doc("Tables published.")]
    by: Annotated[str, Doc("Who published.")]
    time: Annotated[str, Doc("When it was published (ISO 8601).")]
    event_position: Annotated[int, Doc("Ledger position of the publish event.")]
    corrects: Annotated[
        int | None,
        Doc("The number of the publication this one corrects (null: not a correction)."),
    ]
    changes: Annotated[
        tuple[PublishedChange, ...],
        Doc("A correction's band changes, each with the appeals and decisions that caused it."),
    ]
    forced_reason: Annotated[
        str | None,
        Doc("Why the editor published despite undecided evidence (null: nothing undecided)."),
    ]


class PublicationDiff(View):
    """What changed between two publications of an edition."""

    edition_id: EditionId
    a: Annotated[int, Doc("The first publication's number.")]
    b: Annotated[int, Doc("The second publication's number.")]
    changes: Annotated[tuple[PublishedChange, ...], Doc("Every band change.")]


def _change(c: dict[str, Any], names: dict[str, str]) -> PublishedChange:
    causes = tuple(
        from_row(Cause, {"claim_id": None, "appeal_id": None} | x) for x in c.get("causes", [])
    )
    return from_row(
        PublishedChange, c, name_en=names.get(c["city_id"], c["city_id"]), causes=causes
    )


def _publication(r: dict[str, Any], names: dict[str, str]) -> Publication:
    return from_row(
        Publication,
        r,
        tables=tuple(json.loads(r["tables"])),
        changes=tuple(_change(c, names) for c in json.loads(r["changes"])),
    )


def _names(db: Database, found: list[dict[str, Any]]) -> dict[str, str]:
    """English names of the cities the rows' changes name (no query when none changed)."""
    if all(r["changes"] in (None, "[]") for r in found):
        return {}
    return {str(r[0]): str(r[1]) for r in db.execute("SELECT city_id, name_en FROM cities")}


def publications(db: Database, edition_id: str | None = None) -> list[Publication]:
    """Publications, oldest first, of every edition or of one (UnknownId for an unknown one)."""
    sql, params = "SELECT * FROM publications", list[Any]()
    if edition_id is not None:
        sql += " WHERE edition_id = ?"
        params.append(edition_id)
    found = rows(db, sql + " ORDER BY event_position", params)
    if edition_id is not None and not found:
        edition_view(db, edition_id)
    names = _names(db, found)
    return [_publication(r, names) for r in found]


def publication(
    db: Database,
    edition_id: str,
    number: int | None = None,
    at: datetime | None = None,
    table: str | None = None,
) -> Publication:
    """The latest publication (of a table), publication `number`, or the one in force at `at`."""
    if number is not None and at is not None:
        raise InvalidInput("give a publication number or an instant, not both", field="publication")
    found = [p for p in publications(db, edition_id) if table is None or table in p.tables]
    if number is not None:
        chosen = [p for p in found if p.publication_no == number]
        if not chosen:
            raise UnknownId(
                f"edition {edition_id!r} has no publication {number}"
                + (f" of the {table} table" if table else ""),
                field="publication",
                value=number,
            )
        return chosen[0]
    if at is not None:
        if at.tzinfo is None:
            raise InvalidInput(
                f"publishedAt {at.isoformat()} needs a UTC offset", field="publishedAt"
            )
        moment = instant_text(at)
        found = [p for p in found if p.time <= moment]
        if not found:
            raise UnknownId(
                f"edition {edition_id!r} had no publication in force at {at.isoformat()}",
                field="publishedAt",
                value=at.isoformat(),
            )
    if not found:
        raise UnknownId(
            f"edition {edition_id!r} has no published " + (f"{table} table" if table else "table"),
            field="edition",
            value=edition_id,
        )
    return found[-1]


def published_rankings(
    db: Database,
    log: EventSource,
    edition_id: str,
    table: str,
    number: int | None = None,
    at: datetime | None = None,
) -> tuple[Publication, RankingView]:
    """A publication (by number, in force at an instant, or the latest) and its table as it
    was published, checked against the digests its event in the log recorded."""
    if table not in TABLES:
        raise InvalidInput(
            f"table {table!r} is not one of {', '.join(TABLES)}", field="table", value=table
        )
    chosen = publication(db, edition_id, number, at, table)
    found = log.records(after=chosen.event_position - 1, limit=1)
    recorded = found[0] if found and found[0].position == chosen.event_position else None
    return chosen, checked_rankings(db, chosen, table, recorded)


def publication_diff(db: Database, edition_id: str, a: int, b: int) -> PublicationDiff:
    """Every band change between publications a and b, in the tables both published, with the
    causes the corrections between them recorded."""
    first, second = publication(db, edition_id, a), publication(db, edition_id, b)
    recorded: dict[tuple[str, str], list[Cause]] = {}
    low, high = sorted((first.publication_no, second.publication_no))
    for p in publications(db, edition_id):
        if low < p.publication_no <= high:
            for c in p.changes:
                recorded.setdefault((c.table, c.city_id), []).extend(c.causes)
    changes = []
    both = [t for t in TABLES if t in first.tables and t in second.tables]
    views = zip(
        tables.tables_at(db, edition_id, both, first.position),
        tables.tables_at(db, edition_id, both, second.position),
        strict=True,
    )
    for table, (earlier, later) in zip(both, views, strict=True):
        before = {r.city_id: r for r in earlier.rows}
        for row in sorted(later.rows, key=lambda r: r.city_id):
            old = before.get(row.city_id)
            if old is not None and old.band != row.band:
                causes = recorded.get((table, row.city_id), [])
                changes.append(
                    PublishedChange(
                        table=RankingTable(table),
                        city_id=row.city_id,
                        name_en=row.name_en,
                        before=old.band,
                        after=row.band,
                        causes=tuple(sorted(set(causes), key=lambda c: c.position)),
                    )
                )
    return PublicationDiff(edition_id=edition_id, a=a, b=b, changes=tuple(changes))
