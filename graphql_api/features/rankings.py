"""Rankings: live and published tables, band changes between two points, exports."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types.nodes import SelectedField, Selection

from graphql_api.arguments import Id
from graphql_api.context import Info
from graphql_api.exports import ExportFile, ExportFormat, Lang, export_table
from graphql_api.features.catalogue import City
from graphql_api.features.claims import IndicatorScore
from graphql_api.features.movement import ScoreCause
from graphql_api.fields import field as query
from graphql_api.inputs import AsOf, as_of_value, aware
from graphql_api.live_tables import ComputedTable, live_tables
from graphql_api.outputs import FromView, documented, output
from graphql_api.permissions import CanSeeCityScores, CanSeeScores, Public, requires
from graphql_api.scalars import Exact, RankingTableName
from ledger.errors import InvalidInput, LedgerError, PermissionDenied, UnknownId
from ledger.fields import CityId, EditionId, NameEn, NameZh, Table
from projections import publications as published
from projections import rankings as ranking
from projections.bands import BAND_LABELS
from projections.publications import Publication as PublicationRecord
from projections.ranking import RankingEntry
from projections.rankings import BandChange, Points, ScoreView


async def row_city(root: RankingRow, info: Info) -> City:
    """The city of a row (batched per request)."""
    view = await info.context.loaders.cities.load(root.city_id)
    if view is None:
        raise UnknownId(f"city {root.city_id!r} does not exist", field="city_id")
    return City.from_view(view)


def guarded(description: str) -> Any:
    """A row field only CanSeeCityScores shows (decided once per row by `table_rows`)."""
    return strawberry.field(description=requires(description, [CanSeeCityScores]))


@documented("A city's row in a ranking table.")
class RankingRow:
    """A flat row: every field but `city` is a value set when the table's rows are built, so
    a long table costs an attribute read per field, not a resolver and a permission check.

    CanSeeCityScores decides once per row what it guards (rank, score, points); a refused
    row's guarded fields hold the refusal, and graphql-core answers a field that resolves to
    an error with that error at the field's path, as the field's own guard would.
    """

    city_id: CityId
    name_en: NameEn
    name_zh: NameZh
    band: str = strawberry.field(description="Percentile band, like 'top 10%'.")
    city: City = strawberry.field(resolver=row_city, description="The city, with its names.")
    rank: int | None = guarded(
        "Rank (ties share a rank). The report publishes bands only, so like the score it is "
        "shown only to those who see scores."
    )
    score: Exact | None = guarded("The exact weighted score.")
    indicator_scores: list[IndicatorScore] | None = guarded(
        "Points per indicator with the supporting claims (one batch per page)."
    )
    indicator_points: JSON | None = guarded(
        "The same points as indicatorScores, in the same order, as one JSON list of "
        '{"indicatorId", "points", "claimId"} objects: a whole table of them without a '
        "GraphQL object per score."
    )


def row_fields(info: Info) -> set[str]:
    """The RankingRow fields a `rankings` selection asks for under `rows`, through fragments
    whatever their directives (reading what a skipped field would show is harmless; leaving
    out what a field shows is not)."""
    names: set[str] = set()

    def walk(selections: Sequence[Selection], in_rows: bool) -> None:
        for selection in selections:
            if not isinstance(selection, SelectedField):
                walk(selection.selections, in_rows)
            elif in_rows:
                names.add(selection.name)
            elif selection.name == "rows":
                walk(selection.selections, True)

    for root in info.selected_fields:
        walk(root.selections if isinstance(root, SelectedField) else [root], False)
    return names


def table_rows(
    info: Info, table: ComputedTable, entries: Sequence[RankingEntry]
) -> list[RankingRow]:
    """The rows of a table: what CanSeeCityScores guards decided once per row, and the
    per-indicator points read in one batch per table, only when the query asks for them."""
    view, rule, db = table.view, CanSeeCityScores(), info.context.db
    refusals = [rule.refusal(e, info) for e in entries]
    asked = row_fields(info) if any(r is None for r in refusals) else set()
    typed = (
        table.kept(
            "indicator_scores",
            lambda: {
                city_id: scores_of(view.edition_id, city_id, found)
                for city_id, found in table.points(db).items()
            },
        )
        if "indicatorScores" in asked
        else None
    )
    as_json = table.points_json(db) if "indicatorPoints" in asked else None
    # The points of a row whose query did not ask for them: should row_fields ever miss a
    # selection, the field fails loudly (logged, INTERNAL) instead of answering null.
    not_read: Any = RuntimeError("per-indicator points were not read for this selection")

    def points(read: Mapping[str, Any] | None, city_id: str) -> Any:
        """A row's points as read for the table (a city outside it: that error)."""
        if read is None:
            return not_read
        return read[city_id] if city_id in read else answered_by(table.outside(city_id))

    rows = []
    for e, refused in zip(entries, refusals, strict=True):
        city_id = e.city_id
        if refused is not None:
            rank = score = per_indicator = json_points = answered_by(refused)
        else:
            rank, score = e.rank, table.scores[city_id]
            per_indicator, json_points = points(typed, city_id), points(as_json, city_id)
        rows.append(
            RankingRow(
                city_id=city_id,
                name_en=e.name_en,
                name_zh=e.name_zh,
                band=e.band,
                rank=rank,
                score=score,
                indicator_scores=per_indicator,
                indicator_points=json_points,
            )
        )
    return rows


def answered_by(error: LedgerError) -> Any:
    """The value of a field that answers with `error` (graphql-core raises it there)."""
    return error


def scores_of(edition_id: str, city_id: str, points: list[Points]) -> list[IndicatorScore]:
    """A city's points as IndicatorScore objects."""
    return [
        IndicatorScore.from_view(
            ScoreView(
                edition_id=edition_id,
                city_id=city_id,
                indicator_id=indicator,
                points=value,
                claim_id=claim,
            )
        )
        for indicator, value, claim in points
    ]


@documented("A table of an edition as computed at a ledger position.")
class RankingTable:
    edition_id: EditionId
    table: Table
    position: int = strawberry.field(description="Ledger position it was computed at.")
    time: str | None = strawberry.field(description="Time of the event at that position.")
    publication_no: int | None = strawberry.field(
        description="The publication shown (null for a live table)."
    )
    rows: list[RankingRow] = strawberry.field(
        description="Rows, best first: by rank for those who see scores; for everyone else "
        "by band (top band first), then alphabetically by English name, as the report lists "
        "them."
    )


@output(BandChange)
class BandMove(FromView[BandChange]):
    causes: list[ScoreCause]


@documented("Band changes of a table between two ledger positions.")
class BandChanges:
    edition_id: EditionId
    table: Table
    from_position: int = strawberry.field(description="The earlier position.")
    to_position: int = strawberry.field(description="The later position.")
    changes: list[BandMove] = strawberry.field(description="Cities that changed band.")


def _ranking(
    info: Info,
    edition: str,
    table: str,
    as_of: AsOf | None,
    number: int | None = None,
    at: datetime | None = None,
) -> RankingTable:
    """Live rankings for score viewers; the latest publication's for everyone else; or the
    publication asked for (by number, or in force at an instant), checked against the digests
    it recorded."""
    db = info.context.db
    if number is not None or at is not None:
        if as_of is not None:
            raise InvalidInput("give asOf or a publication, not both", field="asOf")
        at = None if at is None else aware(at, "publishedAt")
    elif info.context.viewer.sees_scores:
        return _table(info, live_tables(db).table(db, edition, table, as_of_value(as_of)), None)
    elif as_of is not None:
        raise PermissionDenied(
            "asOf needs an editor or auditor token; others see the latest publication",
            field="asOf",
        )
    chosen, view = published.published_rankings(db, info.context.ledger, edition, table, number, at)
    return _table(info, ComputedTable(view), chosen)


def _table(
    info: Info, computed: ComputedTable, publication: PublicationRecord | None
) -> RankingTable:
    """A computed table as the viewer sees it: by rank for score viewers, else as the report
    lists it (`published_order`)."""
    view = computed.view
    rows = view.rows if info.context.viewer.sees_scores else published_order(view.rows)
    return RankingTable(
        edition_id=view.edition_id,
        table=RankingTableName(view.table),
        position=view.position,
        time=view.time,
        publication_no=None if publication is None else publication.publication_no,
        rows=table_rows(info, computed, rows),
    )


def published_order(rows: Sequence[RankingEntry]) -> list[RankingEntry]:
    """Rows as the report lists them: by band, top band first, then by English name.

    Listing by rank would give away the ranks the report does not publish.
    """
    order = {band: i for i, band in enumerate(BAND_LABELS)}
    return sorted(
        rows, key=lambda e: (order.get(e.band, len(order)), e.name_en.casefold(), e.city_id)
    )


@strawberry.type
class RankingsQuery:
    """The rankings fields of the Query root."""

    @query(
        "A ranking table. Editors and auditors get live scores as of any point; everyone "
        "else gets the bands of the latest publication of the table.",
        Public,
    )
    def rankings(
        self,
        info: Info,
        edition: Id,
        table: RankingTableName,
        as_of: AsOf | None = None,
        publication: Annotated[
            int | None,
            strawberry.argument(
                description="A publication's number: the table exactly as it published it "
                "(default: the latest). Anyone may ask for any publication."
            ),
        ] = None,
        published_at: Annotated[
            datetime | None,
            strawberry.argument(
                description="An instant: the table of the publication in force then."
            ),
        ] = None,
    ) -> RankingTable:
        return _ranking(info, edition, table.value, as_of, publication, published_at)

    @query("Cities whose band changed between two points, with the causes.", CanSeeScores)
    def band_changes(
        self,
        info: Info,
        edition: Id,
        table: RankingTableName,
        from_: Annotated[AsOf, strawberry.argument(name="from", description="Earlier point.")],
        to: Annotated[AsOf | None, strawberry.argument(description="Later point (now).")] = None,
    ) -> BandChanges:
        db = info.context.db
        start, end = ranking.resolve(db, as_of_value(from_)), ranking.resolve(db, as_of_value(to))
        changes = ranking.band_changes(db, edition, table.value, start, end)
        return BandChanges(
            edition_id=edition,
            table=table,
            from_position=min(start, end),
            to_position=max(start, end),
            changes=[BandMove.from_view(c) for c in changes],
        )

    @query(
        "A table rendered as a file, with a header naming its cut and digest. Editors and "
        "auditors export any cut with ranks and exact scores; everyone else any publication "
        "(default: the latest), bands only.",
        Public,
    )
    def export(
        self,
        info: Info,
        edition: Id,
        table: RankingTableName,
        format: Annotated[ExportFormat, strawberry.argument(description="File format.")],
        lang: Annotated[Lang, strawberry.argument(description="Names and order.")] = Lang.EN,
        publication: Annotated[
            int | None, strawberry.argument(description="Publication number.")
        ] = None,
        as_of: Annotated[AsOf | None, strawberry.argument(description="A point (scores).")] = None,
    ) -> ExportFile:
        return export_table(info, edition, table, format, lang, publication, as_of)
