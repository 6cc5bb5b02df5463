"""Rankings: live and published tables, band changes between two points, exports."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from fractions import Fraction
from typing import Annotated, cast

import strawberry
from sqlite_utils import Database
from strawberry.scalars import JSON

from graphql_api.arguments import Id
from graphql_api.context import Info
from graphql_api.exports import ExportFile, ExportFormat, Lang, export_table
from graphql_api.features.catalogue import City
from graphql_api.features.claims import IndicatorScore
from graphql_api.features.movement import ScoreCause
from graphql_api.fields import field as query
from graphql_api.fields import field as resolver
from graphql_api.inputs import AsOf, as_of_value, aware
from graphql_api.outputs import FromView, output
from graphql_api.permissions import CanSeeCityScores, CanSeeScores, Public
from graphql_api.scalars import Exact, RankingTableName
from ledger.errors import InvalidInput, PermissionDenied, UnknownId
from projections import publications as published
from projections import rankings as ranking
from projections.bands import BAND_LABELS
from projections.publications import Publication as PublicationRecord
from projections.published import published_rankings
from projections.ranking import RankingEntry
from projections.rankings import BandChange, Points, RankingView, ScoreView


class TableScores:
    """Every row's per-indicator points of one table, read in one batch when a row first asks
    (so that a table of N rows costs one read, and its rows resolve without awaiting)."""

    def __init__(self, db: Database, edition_id: str, position: int, city_ids: list[str]) -> None:
        self.db, self.edition_id, self.position, self.city_ids = db, edition_id, position, city_ids
        self._found: dict[str, list[Points]] | None = None

    def of(self, city_id: str) -> list[Points]:
        """A city's (indicator id, points, claim id) rows (the batch is read on the first call)."""
        if self._found is None:
            self._found = ranking.indicator_points(
                self.db, self.edition_id, self.city_ids, self.position
            )
        found = self._found.get(city_id)
        if found is None:
            # A city outside the edition fails its own row, not the table.
            raise ranking.not_in_edition(city_id, self.edition_id, self.position)
        return found


@strawberry.type(description="A city's row in a ranking table.")
class RankingRow:
    city_id: str = strawberry.field(description="City id.")
    name_en: str = strawberry.field(description="English name.")
    name_zh: str = strawberry.field(description="Chinese name.")
    band: str = strawberry.field(description="Percentile band, like 'top 10%'.")
    exact_rank: strawberry.Private[int]
    edition_id: strawberry.Private[str]
    position: strawberry.Private[int]
    exact_score: strawberry.Private[Fraction]
    scores: strawberry.Private[TableScores]

    @resolver("The city, with its names.")
    async def city(self, info: Info) -> City:
        """The city (batched per request)."""
        view = await info.context.loaders.cities.load(self.city_id)
        if view is None:
            raise UnknownId(f"city {self.city_id!r} does not exist", field="city_id")
        return City.from_view(view)

    @resolver(
        "Rank (ties share a rank). The report publishes bands only, so like the score it is "
        "shown only to those who see scores.",
        CanSeeCityScores,
    )
    def rank(self) -> int | None:
        return self.exact_rank

    @resolver("The exact weighted score.", CanSeeCityScores)
    def score(self) -> Exact | None:
        return Exact(value=self.exact_score)

    @resolver(
        "Points per indicator with the supporting claims (one batch per page).", CanSeeCityScores
    )
    def indicator_scores(self) -> list[IndicatorScore] | None:
        edition_id, city_id = self.edition_id, self.city_id
        return [
            IndicatorScore.from_view(
                ScoreView(
                    edition_id=edition_id,
                    city_id=city_id,
                    indicator_id=indicator,
                    points=points,
                    claim_id=claim,
                )
            )
            for indicator, points, claim in self.scores.of(city_id)
        ]

    @resolver(
        "The same points as indicatorScores, in the same order, as one JSON list of "
        '{"indicatorId", "points", "claimId"} objects: a whole table of them without a '
        "GraphQL object per score.",
        CanSeeCityScores,
    )
    def indicator_points(self) -> JSON | None:
        """Per-indicator points as plain data."""
        return cast(
            JSON,
            [
                {"indicatorId": indicator_id, "points": points, "claimId": claim_id}
                for indicator_id, points, claim_id in self.scores.of(self.city_id)
            ],
        )

    @classmethod
    def from_entry(
        cls, e: RankingEntry, edition_id: str, position: int, scores: TableScores
    ) -> RankingRow:
        return cls(
            city_id=e.city_id,
            name_en=e.name_en,
            name_zh=e.name_zh,
            exact_rank=e.rank,
            band=e.band,
            edition_id=edition_id,
            position=position,
            exact_score=e.score,
            scores=scores,
        )


def table_rows(info: Info, view: RankingView, entries: Sequence[RankingEntry]) -> list[RankingRow]:
    """The rows of a table, sharing one batch of per-indicator scores."""
    scores = TableScores(
        info.context.db, view.edition_id, view.position, [e.city_id for e in entries]
    )
    return [RankingRow.from_entry(e, view.edition_id, view.position, scores) for e in entries]


@strawberry.type(description="A table of an edition as computed at a ledger position.")
class RankingTable:
    edition_id: str = strawberry.field(description="Edition id.")
    table: RankingTableName = strawberry.field(description="Which table.")
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


@strawberry.type(description="Band changes of a table between two ledger positions.")
class BandChanges:
    edition_id: str = strawberry.field(description="Edition id.")
    table: RankingTableName = strawberry.field(description="Which table.")
    from_position: int = strawberry.field(description="The earlier position.")
    to_position: int = strawberry.field(description="The later position.")
    changes: list[BandMove] = strawberry.field(description="Cities that changed band.")


def _published(info: Info, edition: str, table: str) -> PublicationRecord:
    """The latest publication of an edition that includes the table."""
    return published.publication(info.context.db, edition, table=table)


def _verified(info: Info, publication: PublicationRecord, table: str) -> RankingView:
    """A publication's table, checked against its event as the log (not the read models)
    holds it."""
    found = info.context.ledger.records(after=publication.event_position - 1, limit=1)
    recorded = found[0] if found and found[0].position == publication.event_position else None
    return published_rankings(info.context.db, publication, table, recorded)


def _publication_ranking(
    info: Info, edition: str, table: str, number: int | None, at: datetime | None
) -> RankingTable:
    """A table exactly as a publication (by number, or in force at an instant) published it,
    checked against the digests the publication recorded."""
    chosen, view = published.published_rankings(
        info.context.db, info.context.ledger, edition, table, number,
        None if at is None else aware(at, "publishedAt"),
    )  # fmt: skip
    rows = view.rows if info.context.viewer.sees_scores else published_order(view.rows)
    return RankingTable(
        edition_id=view.edition_id,
        table=RankingTableName(view.table),
        position=view.position,
        time=view.time,
        publication_no=chosen.publication_no,
        rows=table_rows(info, view, rows),
    )


def _ranking(
    info: Info,
    edition: str,
    table: str,
    as_of: AsOf | None,
    number: int | None = None,
    at: datetime | None = None,
) -> RankingTable:
    """Live rankings for score viewers; the latest publication's for everyone else; or the
    publication asked for."""
    publication: PublicationRecord | None = None
    if number is not None or at is not None:
        if as_of is not None:
            raise InvalidInput("give asOf or a publication, not both", field="asOf")
        return _publication_ranking(info, edition, table, number, at)
    if info.context.viewer.sees_scores:
        view: RankingView = ranking.rankings(info.context.db, edition, table, as_of_value(as_of))
    else:
        if as_of is not None:
            raise PermissionDenied(
                "asOf needs an editor or auditor token; others see the latest publication",
                field="asOf",
            )
        publication = _published(info, edition, table)
        view = _verified(info, publication, table)
    return RankingTable(
        edition_id=view.edition_id,
        table=RankingTableName(view.table),
        position=view.position,
        time=view.time,
        publication_no=publication.publication_no if publication else None,
        rows=table_rows(
            info, view, view.rows if publication is None else published_order(view.rows)
        ),
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
