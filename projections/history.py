"""A city's history: its bands (and, for those allowed, ranks, scores, points) by edition."""

from __future__ import annotations

from fractions import Fraction
from itertools import pairwise
from typing import Annotated

from sqlite_utils import Database

from ledger.doc import Doc
from ledger.errors import NoWeightsInForce
from ledger.fields import Position, Table
from ledger.vocabulary import RankingTable
from projections import catalogue, publications
from projections.catalogue import PinnedEdition
from projections.compare import Cut, Verdict, verdict
from projections.model import tracking_position
from projections.ranking import TABLES, NamedCity, TablePlacing
from projections.rankings import indicator_scores, tables_at
from projections.view import View


class TableStanding(TablePlacing):
    """The city's place in one table at one cut."""

    table: Table


class HistoryEntry(PinnedEdition):
    """The city in one edition at one publication (publication_no None: now, unpublished)."""

    publication_no: Annotated[int | None, Doc("Publication number (null: the live standing now).")]
    position: Position
    time: Annotated[str | None, Doc("Time of the event at that position.")]
    tables: Annotated[tuple[TableStanding, ...], Doc("Band (and more) in each table.")]
    points: tuple[tuple[str, int], ...]


class EditionStep(View):
    """The comparability verdict between two consecutive editions of the city's history."""

    from_edition: Annotated[str, Doc("Earlier edition.")]
    to_edition: Annotated[str, Doc("Later edition.")]
    verdict: Verdict


class CityHistory(NamedCity):
    """Every edition and publication the city appears in, oldest first."""

    entries: Annotated[tuple[HistoryEntry, ...], Doc("Oldest first.")]
    steps: Annotated[
        tuple[EditionStep, ...],
        Doc("Comparability verdicts between consecutive editions."),
    ]


def city_history(db: Database, city_id: str, *, live: bool = False) -> CityHistory:
    """The city's standing at every publication of every edition it is in, oldest first.

    With `live`, editions also get an entry for now (for those who may see unpublished
    standings).
    """
    city = catalogue.city(db, city_id)
    editions = sorted(
        (
            e
            for e in catalogue.editions(db)
            if city_id in {c.city_id for c in catalogue.cities(db, e.edition_id)}
        ),
        key=lambda e: (e.year, e.position),
    )
    now = tracking_position(db)
    entries: list[HistoryEntry] = []
    last_cut: dict[str, Cut] = {}
    for e in editions:
        cuts = [
            Cut(edition=e, position=p.position, publication_no=p.publication_no)
            for p in publications.publications(db, e.edition_id)
        ]
        if live or not cuts:
            cuts.append(Cut(edition=e, position=now, publication_no=None))
        if not live:
            cuts = [c for c in cuts if c.publication_no is not None]
        for c in cuts:
            entries.append(_entry(db, c, city_id))
        if cuts:
            last_cut[e.edition_id] = cuts[-1]
    ordered = [e.edition_id for e in editions if e.edition_id in last_cut]
    steps = tuple(
        EditionStep(from_edition=x, to_edition=y, verdict=verdict(db, last_cut[x], last_cut[y]))
        for x, y in pairwise(ordered)
    )
    return CityHistory(
        city_id=city.city_id, name_en=city.name_en, entries=tuple(entries), steps=steps
    )


def _entry(db: Database, c: Cut, city_id: str) -> HistoryEntry:
    try:
        views = tables_at(db, c.edition.edition_id, TABLES, c.position)
    except NoWeightsInForce:
        views = []  # an edition opened but not yet weighted has no table to stand in
    time = views[-1].time if views else None
    tables = []
    for view in views:
        row = next((r for r in view.rows if r.city_id == city_id), None)
        if row is not None:
            tables.append(
                TableStanding(
                    table=RankingTable(view.table),
                    band=row.band,
                    rank=row.rank,
                    n=len(view.rows),
                    score=row.score,
                )
            )
    scores = indicator_scores(db, c.edition.edition_id, [city_id], c.position, strict=False)
    points = tuple((s.indicator_id, s.points) for s in scores.get(city_id, []))
    return HistoryEntry(
        edition_id=c.edition.edition_id,
        year=c.edition.year,
        framework_id=c.edition.framework_id,
        framework_version=c.edition.framework_version,
        publication_no=c.publication_no,
        position=c.position,
        time=time,
        tables=tuple(tables),
        points=points,
    )


def history_json(h: CityHistory, *, scores: bool) -> dict[str, object]:
    """The history as JSON (exact numbers as strings); ranks, scores, points only with scores."""

    def hide(value: Fraction | int) -> str | None:
        return str(value) if scores else None

    return {
        "city_id": h.city_id,
        "name_en": h.name_en,
        "entries": [
            {
                "edition_id": e.edition_id,
                "year": e.year,
                "framework": f"{e.framework_id} v{e.framework_version}",
                "publication_no": e.publication_no,
                "position": e.position,
                "time": e.time,
                "tables": [
                    {
                        "table": t.table,
                        "band": t.band,
                        "rank": hide(t.rank),
                        "n": str(t.n),
                        "score": hide(t.score),
                    }
                    for t in e.tables
                ],
                "points": [{"indicator_id": i, "points": p} for i, p in e.points] if scores else [],
            }
            for e in h.entries
        ],
        "steps": [
            {
                "from": s.from_edition,
                "to": s.to_edition,
                "comparable": s.verdict.comparable,
                "reasons": list(s.verdict.reasons),
            }
            for s in h.steps
        ],
    }
