"""The Query root: thin resolvers over projections.queries and projections.rankings."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated

import strawberry

from graphql_api.context import Info
from graphql_api.exports import ExportFile, ExportFormat, Lang, export_table
from graphql_api.fields import field as query
from graphql_api.inputs import AppealStatus, AsOf, ClaimFilter, EventFilter, as_of_value, aware
from graphql_api.limits import DEFAULT_PAGE, cursor_value, page_size
from graphql_api.permissions import (
    CanAskWhatIf,
    CanExplainCity,
    CanReadClaims,
    CanReadLog,
    CanSeeAppeals,
    CanSeeDocket,
    CanSeeScores,
    CanSeeVotes,
    CanSeeWeights,
    Public,
    claim_scope,
)
from graphql_api.types import (
    Appeal,
    Appeals,
    AppealWhatIf,
    Ballot,
    BandChanges,
    BandMove,
    City,
    Claim,
    ClaimConnection,
    ClaimEdge,
    DocketItem,
    Edition,
    Event,
    EventConnection,
    EventEdge,
    Feedback,
    FrameworkVersion,
    Me,
    PageInfo,
    Publication,
    PublicationDiffResult,
    RankingRow,
    RankingTable,
    RankingTableName,
    Verifier,
    WeightRevision,
    Weights,
)
from graphql_api.types.appeals import AppealWindowInfo
from graphql_api.types.movement import (
    BandRobustnessType,
    Cut,
    MoveExplanationType,
    NextBandType,
    cut_value,
)
from graphql_api.types.years import (
    CityTimeline,
    ComparisonPoint,
    EditionComparison,
    FrameworkComparison,
)
from ledger.errors import InvalidInput, PermissionDenied, UnknownId
from ledger.vocabulary import Role
from projections import appeals as docket
from projections import catalogue, event_index, evidence
from projections import publications as published
from projections import rankings as ranking
from projections.bands import BAND_LABELS
from projections.compare import compare
from projections.counterfactual import next_band
from projections.explain import explain_move
from projections.history import city_history
from projections.lineage import framework_diff
from projections.model import tracking_position
from projections.publications import Publication as PublicationRecord
from projections.published import published_rankings
from projections.ranking import RankingEntry
from projections.rankings import RankingView
from projections.robustness import band_robustness


def _published(info: Info, edition: str, table: str) -> PublicationRecord:
    """The latest publication of an edition that includes the table."""
    found = [p for p in published.publications(info.context.db, edition) if table in p.tables]
    if not found:
        catalogue.edition(info.context.db, edition)
        raise UnknownId(
            f"edition {edition!r} has no published {table} table", field="edition", value=edition
        )
    return found[-1]


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
        rows=[RankingRow.from_entry(e, view.edition_id, view.position) for e in rows],
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
        rows=[
            RankingRow.from_entry(e, view.edition_id, view.position)
            for e in (view.rows if publication is None else published_order(view.rows))
        ],
    )


def _own_city(info: Info) -> str | None:
    """The city a city token confines reads to (None for other roles)."""
    v = info.context.viewer
    return (v.city_id or "") if v.role == "city" else None


def published_order(rows: Sequence[RankingEntry]) -> list[RankingEntry]:
    """Rows as the report lists them: by band, top band first, then by English name.

    Listing by rank would give away the ranks the report does not publish.
    """
    order = {band: i for i, band in enumerate(BAND_LABELS)}
    return sorted(
        rows, key=lambda e: (order.get(e.band, len(order)), e.name_en.casefold(), e.city_id)
    )


Id = Annotated[str, strawberry.argument(description="An id.")]
First = Annotated[int, strawberry.argument(description="Page size, 1..100.")]
After = Annotated[str | None, strawberry.argument(description="Continue after this cursor.")]


@strawberry.type(description="Read the ledger's projections; every answer names its position.")
class Query:
    """The query root."""

    @query("The read-model position answers are computed at.", Public)
    def position(self, info: Info) -> int:
        """Tracking position."""
        return tracking_position(info.context.db)

    @query("Who the bearer token identifies.", Public)
    def viewer(self, info: Info) -> Me:
        v = info.context.viewer
        return Me(
            role=v.role,
            name=v.name,
            city_id=v.city_id,
            languages=list(v.languages),
            weight_set_id=v.weight_set_id,
            panelist_id=v.panelist_id,
        )

    @query("Every edition, newest year first.", Public)
    def editions(self, info: Info) -> list[Edition]:
        return [Edition.from_view(e) for e in catalogue.editions(info.context.db)]

    @query("One edition.", Public)
    def edition(self, info: Info, id: Id) -> Edition:
        return Edition.from_view(catalogue.edition(info.context.db, id))

    @query("Every version of every framework, with indicators and ladders.", Public)
    def frameworks(self, info: Info) -> list[FrameworkVersion]:
        return [FrameworkVersion.from_view(f) for f in catalogue.frameworks(info.context.db)]

    @query("Cities in English alphabetical order, optionally those of one edition.", Public)
    def cities(self, info: Info, edition: str | None = None) -> list[City]:
        return [City.from_view(c) for c in catalogue.cities(info.context.db, edition)]

    @query("One city; its scores need a score-viewing token (or the city's own).", Public)
    def city(self, info: Info, id: Id) -> City:
        return City.from_view(catalogue.city(info.context.db, id))

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

    @query("Claims, filtered; verifiers see their languages, cities their own.", CanReadClaims)
    def claims(
        self,
        info: Info,
        filter: ClaimFilter | None = None,
        first: First = DEFAULT_PAGE,
        after: After = None,
    ) -> ClaimConnection:
        """A page of claims (cursor = offset)."""
        f, offset, size = filter or ClaimFilter(), cursor_value(after), page_size(first)
        languages, city_ids = claim_scope(info.context.viewer, f.city_ids)
        found = evidence.claims(
            info.context.db, edition_id=f.edition, city_ids=city_ids, indicator_id=f.indicator,
            status=f.status, languages=languages, limit=size + 1, offset=offset,
        )  # fmt: skip
        edges = [
            ClaimEdge(cursor=str(offset + i + 1), node=Claim.from_view(c))
            for i, c in enumerate(found[:size])
        ]
        total = evidence.claim_count(
            info.context.db, edition_id=f.edition, city_ids=city_ids, indicator_id=f.indicator,
            status=f.status, languages=languages,
        )  # fmt: skip
        return ClaimConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=len(found) > size, end_cursor=edges[-1].cursor if edges else None
            ),
            total_count=total,
            position=tracking_position(info.context.db),
        )

    @query("One claim; verifiers see those in their languages, cities their own.", CanReadClaims)
    def claim(self, info: Info, id: Id) -> Claim:
        """A claim."""
        languages, city_ids = claim_scope(info.context.viewer, None)
        found = evidence.claims(
            info.context.db, claim_ids=[id], languages=languages, city_ids=city_ids
        )
        if not found:
            raise UnknownId(
                f"claim {id!r} does not exist or is not readable with this token",
                field="id",
                value=id,
            )
        return Claim.from_view(found[0])

    @query("Publications of every edition, oldest first.", Public)
    def publications(self, info: Info, edition: str | None = None) -> list[Publication]:
        return [Publication.from_view(p) for p in published.publications(info.context.db, edition)]

    @query("The event log as a Relay connection (cursor = ledger position).", CanReadLog)
    def events(
        self,
        info: Info,
        filter: EventFilter | None = None,
        first: First = DEFAULT_PAGE,
        after: After = None,
    ) -> EventConnection:
        """A page of events."""
        f = filter or EventFilter()
        page = event_index.events(
            info.context.db, after=cursor_value(after), first=page_size(first), types=f.types,
            edition_id=f.edition, city_id=f.city,
            since=None if f.since is None else aware(f.since, "since"),
            until=None if f.until is None else aware(f.until, "until"),
        )  # fmt: skip
        edges = [EventEdge(cursor=str(e.position), node=Event.from_view(e)) for e in page.events]
        total = event_index.event_count(
            info.context.db, types=f.types, edition_id=f.edition, city_id=f.city,
            since=None if f.since is None else aware(f.since, "since"),
            until=None if f.until is None else aware(f.until, "until"),
        )  # fmt: skip
        return EventConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=page.has_next, end_cursor=edges[-1].cursor if edges else None
            ),
            total_count=total,
            position=tracking_position(info.context.db),
        )

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
        "Why a city moved between two cuts: the exact Shapley split of its score change per "
        "indicator (rung and weight parts), the deciding events, band lines at both cuts, the "
        "cities that overtook it or fell behind it, and whether the tie rule decides.",
        CanExplainCity,
    )
    def explain_move(
        self,
        info: Info,
        edition: Id,
        table: RankingTableName,
        city: Id,
        from_: Annotated[Cut, strawberry.argument(name="from", description="Earlier cut.")],
        to: Annotated[Cut | None, strawberry.argument(description="Later cut (now).")] = None,
    ) -> MoveExplanationType:
        """A movement explanation."""
        found = explain_move(
            info.context.db, edition, table.value, city, cut_value(from_), cut_value(to)
        )
        return MoveExplanationType.from_view(found, info.context.viewer.sees_scores)

    @query(
        "What it would take: with other cities and weights held as at a cut, the fewest ladder "
        "steps (then the largest margin) that move the city up one band, and down one band.",
        CanExplainCity,
    )
    def next_band(
        self,
        info: Info,
        edition: Id,
        table: RankingTableName,
        city: Id,
        at: Annotated[Cut | None, strawberry.argument(description="The cut (now).")] = None,
    ) -> NextBandType:
        """A counterfactual."""
        found = next_band(info.context.db, edition, table.value, city, cut_value(at))
        return NextBandType.from_view(found, info.context.viewer.sees_scores)

    @query(
        "How robust the bands are: the panel's ballots resampled with replacement (bootstrap), "
        "the table recomputed per draw; per city the share of draws in each band, the 5-95% "
        "rank interval and the weights that drive it. Same seed, same answer.",
        CanSeeScores,
    )
    def band_robustness(
        self,
        info: Info,
        edition: Id,
        table: RankingTableName,
        draws: Annotated[int, strawberry.argument(description="Draws, 1..10000.")] = 1000,
        seed: Annotated[int, strawberry.argument(description="Seed of the draws.")] = 0,
    ) -> BandRobustnessType:
        """Band robustness."""
        found = band_robustness(info.context.db, edition, table.value, draws, seed)
        return BandRobustnessType.from_view(found)

    @query(
        "Two editions compared: common cities with band, rank, N, percentile and the move; "
        "entering and leaving cities; the band transition matrix; the framework and weight "
        "diffs; a comparability verdict; the method/performance split of score changes. "
        "Everyone may compare published bands; at NOW needs an editor or auditor token.",
        Public,
    )
    def compare_editions(
        self,
        info: Info,
        a: Id,
        b: Id,
        table: RankingTableName,
        at: Annotated[
            ComparisonPoint, strawberry.argument(description="Latest publications, or now.")
        ] = ComparisonPoint.PUBLICATION,
    ) -> EditionComparison:
        """Edition comparison."""
        if at is ComparisonPoint.NOW and not info.context.viewer.sees_scores:
            raise PermissionDenied(
                "at NOW needs an editor or auditor token; others compare publications",
                field="at",
            )
        return EditionComparison.from_view(compare(info.context.db, a, b, table.value, at.value))

    @query("The changes between two framework versions, following the lineage chain.", Public)
    def framework_diff(
        self,
        info: Info,
        from_framework: Id,
        from_version: int,
        to_framework: Id,
        to_version: int,
    ) -> FrameworkComparison:
        """Framework diff."""
        diff = framework_diff(
            info.context.db, (from_framework, from_version), (to_framework, to_version)
        )
        return FrameworkComparison.from_view(diff)

    @query(
        "A city in every edition and publication, oldest first (editors and auditors also "
        "get each edition's live standing), with comparability verdicts between editions.",
        Public,
    )
    def city_history(self, info: Info, city: Id) -> CityTimeline:
        """A city's history."""
        live = info.context.viewer.sees_scores
        return CityTimeline.from_view(city_history(info.context.db, city, live=live))

    @query("A weight set's revisions and ballots (a panelist sees only their own).", CanSeeWeights)
    def weights(self, info: Info, weight_set_id: Id) -> Weights:
        v, db = info.context.viewer, info.context.db
        own = v.panelist_id if v.role == Role.PANELIST else None
        if own is not None and v.weight_set_id != weight_set_id:
            raise PermissionDenied("a panelist sees only their own panel", field="weightSetId")
        return Weights(
            weight_set_id=weight_set_id,
            position=tracking_position(db),
            revisions=[
                WeightRevision.from_view(r) for r in catalogue.weight_revisions(db, weight_set_id)
            ],
            ballots=[Ballot.from_view(b) for b in catalogue.ballots(db, weight_set_id, own)],
        )

    @query("Appeals, oldest first, optionally by status; a city sees its own.", CanSeeAppeals)
    def appeals(
        self, info: Info, edition: str | None = None, status: AppealStatus | None = None
    ) -> Appeals:
        """Appeals."""
        db = info.context.db
        found = docket.appeals(
            db, edition_id=edition, city_id=_own_city(info),
            statuses=None if status is None else [status.value],
        )  # fmt: skip
        return Appeals(position=tracking_position(db), items=[Appeal.from_view(a) for a in found])

    @query(
        "One appeal with its review and the verifiers' notes (anonymised); another city's "
        "appeal is answered like an unknown id.",
        CanSeeAppeals,
    )
    def appeal(self, info: Info, id: Id) -> Appeal:
        """An appeal."""
        return Appeal.from_view(docket.appeal(info.context.db, id, _own_city(info)))

    @query("An edition's appeal window and when the current one closes.", Public)
    def appeal_window(self, info: Info, edition: Id) -> AppealWindowInfo:
        """The appeal window."""
        return AppealWindowInfo.from_view(docket.appeal_window(info.context.db, edition))

    @query("The docket: open appeals, nearest deadline first, then oldest.", CanSeeDocket)
    def appeal_docket(self, info: Info, edition: str | None = None) -> list[DocketItem]:
        """The docket."""
        return [DocketItem.from_view(d) for d in docket.docket(info.context.db, edition)]

    @query(
        "The band, rank and score the appeal's city would have in each table if the open "
        "appeal were upheld, computed on a copy of the current state and not recorded.",
        CanAskWhatIf,
    )
    def appeal_what_if(self, info: Info, id: Id) -> AppealWhatIf:
        """What-if."""
        return AppealWhatIf.from_view(docket.what_if(info.context.db, id, _own_city(info)))

    @query("Cities' plain feedback, oldest first; a city sees its own.", CanSeeAppeals)
    def feedback(
        self, info: Info, edition: str | None = None, city: str | None = None
    ) -> list[Feedback]:
        """Feedback."""
        own = _own_city(info)
        if own is not None and city not in (None, own):
            raise PermissionDenied("a city sees only its own feedback", field="city", value=city)
        found = docket.feedback(info.context.db, edition, own or city)
        return [Feedback.from_view(f) for f in found]

    @query("Every verifier and the languages they read.", CanSeeVotes)
    def verifiers(self, info: Info) -> list[Verifier]:
        return [Verifier.from_view(v) for v in catalogue.verifiers(info.context.db)]

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
        """An export."""
        return export_table(info, edition, table, format, lang, publication, as_of)
