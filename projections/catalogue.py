"""Catalogue: cities, editions, frameworks, weights, panel and verifiers: tables, views, queries."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Annotated, Any

from sqlite_utils import Database

from ledger.appeal import Appeal
from ledger.city import City
from ledger.claim import Claim
from ledger.doc import Doc
from ledger.edition import Edition
from ledger.errors import UnknownId
from ledger.feedback import Feedback
from ledger.fields import (
    EditionId,
    FrameworkId,
    IndicatorId,
    PanelistId,
    Position,
    Quorum,
    Reason,
    Time,
    Title,
    VerifierId,
    WeightSetId,
)
from ledger.framework import Framework, sub_table
from ledger.receipt import Receipt
from ledger.records import EventRecord, events_of
from ledger.verifier import Verifier
from ledger.weights import WeightSet, stored_weight
from projections.model import (
    ReadModel,
    by_name,
    from_row,
    insert_row,
    insert_rows,
    marks,
    rows,
)
from projections.ranking import CityNames
from projections.view import View

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS cities (city_id TEXT PRIMARY KEY, name_en TEXT, name_zh TEXT, "
    "country TEXT, aliases_zh TEXT, registered_at TEXT, position INTEGER)",
    "CREATE TABLE IF NOT EXISTS editions (edition_id TEXT PRIMARY KEY, originator_id TEXT, "
    "year INTEGER, title TEXT, region TEXT, framework_id TEXT, framework_version INTEGER, "
    "weight_set_id TEXT, evidence_cutoff TEXT, quorum INTEGER, created_at TEXT, position INTEGER)",
    "CREATE TABLE IF NOT EXISTS edition_cities (edition_id TEXT, city_id TEXT, ordinal INTEGER, "
    "PRIMARY KEY (edition_id, city_id))",
    "CREATE TABLE IF NOT EXISTS frameworks (framework_id TEXT, version INTEGER, "
    "originator_id TEXT, title TEXT, pillars TEXT, note TEXT, defined_at TEXT, position INTEGER, "
    "PRIMARY KEY (framework_id, version))",
    "CREATE TABLE IF NOT EXISTS indicators (framework_id TEXT, version INTEGER, indicator_id TEXT, "
    "ordinal INTEGER, pillar TEXT, name TEXT, proposed INTEGER, ladder TEXT, "
    "PRIMARY KEY (framework_id, version, indicator_id))",
    "CREATE TABLE IF NOT EXISTS framework_lineage (framework_id TEXT, version INTEGER, "
    "predecessor_framework_id TEXT, predecessor_version INTEGER, lineage TEXT, "
    "stated_at TEXT, position INTEGER, PRIMARY KEY (framework_id, version))",
    "CREATE TABLE IF NOT EXISTS weight_sets (weight_set_id TEXT PRIMARY KEY, originator_id TEXT, "
    "title TEXT, framework_id TEXT, framework_version INTEGER, revision INTEGER, created_at TEXT)",
    "CREATE TABLE IF NOT EXISTS weight_revisions (weight_set_id TEXT, revision INTEGER, "
    "method TEXT, weights TEXT, ballot_count INTEGER, reason TEXT, by TEXT, time TEXT, "
    "position INTEGER, PRIMARY KEY (weight_set_id, revision))",
    "CREATE TABLE IF NOT EXISTS panelists (weight_set_id TEXT, panelist_id TEXT, field TEXT, "
    "enrolled_at TEXT, PRIMARY KEY (weight_set_id, panelist_id))",
    "CREATE TABLE IF NOT EXISTS ballots (weight_set_id TEXT, panelist_id TEXT, allocations TEXT, "
    "revisions INTEGER, reason TEXT, time TEXT, position INTEGER, "
    "PRIMARY KEY (weight_set_id, panelist_id))",
    "CREATE TABLE IF NOT EXISTS verifiers (verifier_id TEXT PRIMARY KEY, originator_id TEXT, "
    "languages TEXT, enrolled_at TEXT)",
)


class _Batch:
    """One batch's view of the catalogue: an aggregate's own id by its aggregate id and a
    ballot's revisions so far, each read once in the batch and then kept (the handlers of a
    batch of ballots on one weight set ask once, not once per ballot)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.keys: dict[tuple[str, str], Any] = {}
        self.revisions: dict[tuple[str, str], int | None] = {}

    def key(self, table: str, column: str, originator_id: str) -> Any:
        """The id (`column` of `table`) of the aggregate with this aggregate id."""
        held = (table, originator_id)
        if held not in self.keys:
            row = self.db.execute(
                f"SELECT {column} FROM {table} WHERE originator_id = ?", [originator_id]
            ).fetchone()
            self.keys[held] = row[0] if row else None
        return self.keys[held]

    def ballot_revised(self, weight_set_id: str, panelist_id: str) -> int:
        """The revisions a panelist's ballot has after one more (0: the first ballot)."""
        held = (weight_set_id, panelist_id)
        if held not in self.revisions:
            row = self.db.execute(
                "SELECT revisions FROM ballots WHERE weight_set_id = ? AND panelist_id = ?",
                [weight_set_id, panelist_id],
            ).fetchone()
            self.revisions[held] = None if row is None else int(row[0])
        before = self.revisions[held]
        now = self.revisions[held] = 0 if before is None else before + 1
        return now


Handler = Callable[[_Batch, EventRecord], None]


def _city(batch: _Batch, r: EventRecord) -> None:
    db = batch.db
    d = r.data
    insert_row(
        db,
        "cities",
        {
            "city_id": d["city_id"],
            "name_en": d["name_en"],
            "name_zh": d["name_zh"],
            "country": d["country"],
            "aliases_zh": json.dumps(d["aliases_zh"], ensure_ascii=False),
            "registered_at": r.instant,
            "position": r.position,
        },
    )


def _framework_version(
    db: Database, r: EventRecord, framework_id: str, version: int, title: str
) -> None:
    d = r.data
    insert_row(
        db,
        "frameworks",
        {
            "framework_id": framework_id,
            "version": version,
            "originator_id": r.originator_id,
            "title": title,
            "pillars": json.dumps(d["pillars"], ensure_ascii=False),
            "note": d.get("note", ""),
            "defined_at": r.instant,
            "position": r.position,
        },
    )
    insert_rows(
        db,
        "indicators",
        [
            {
                "framework_id": framework_id,
                "version": version,
                "indicator_id": ind["id"],
                "ordinal": n,
                "pillar": ind["pillar"],
                "name": ind["name"],
                "proposed": int(bool(ind.get("proposed"))),
                "ladder": json.dumps(ind["ladder"], ensure_ascii=False),
            }
            for n, ind in enumerate(d["indicators"])
        ],
    )


def _framework(batch: _Batch, r: EventRecord) -> None:
    _framework_version(batch.db, r, r.data["framework_id"], 1, r.data["title"])


def _framework_revised(batch: _Batch, r: EventRecord) -> None:
    db = batch.db
    row = db.execute(
        "SELECT framework_id, title FROM frameworks WHERE originator_id = ? LIMIT 1",
        [r.originator_id],
    ).fetchone()
    _framework_version(db, r, row[0], int(r.data["version_no"]), row[1])
    if r.data.get("lineage") is not None:
        version = int(r.data["version_no"])
        _lineage(db, r, row[0], version, row[0], version - 1, r.data["lineage"])


def _lineage(
    db: Database,
    r: EventRecord,
    framework_id: str,
    version: int,
    predecessor_id: str,
    predecessor_version: int,
    lineage: list[dict[str, Any]],
) -> None:
    insert_row(
        db,
        "framework_lineage",
        {
            "framework_id": framework_id,
            "version": version,
            "predecessor_framework_id": predecessor_id,
            "predecessor_version": predecessor_version,
            "lineage": json.dumps(lineage, ensure_ascii=False),
            "stated_at": r.instant,
            "position": r.position,
        },
    )


def _lineage_stated(batch: _Batch, r: EventRecord) -> None:
    db = batch.db
    d = r.data
    framework_id = batch.key("frameworks", "framework_id", r.originator_id)
    _lineage(
        db, r, framework_id, int(d["version_no"]), d["predecessor_framework_id"],
        int(d["predecessor_version"]), d["lineage"],
    )  # fmt: skip


def _weight_set(batch: _Batch, r: EventRecord) -> None:
    db = batch.db
    d = r.data
    insert_row(
        db,
        "weight_sets",
        {
            "weight_set_id": d["weight_set_id"],
            "originator_id": r.originator_id,
            "title": d["title"],
            "framework_id": d["framework_id"],
            "framework_version": d["framework_version"],
            "revision": 0,
            "created_at": r.instant,
        },
    )


def _panelist(batch: _Batch, r: EventRecord) -> None:
    db = batch.db
    ws = batch.key("weight_sets", "weight_set_id", r.originator_id)
    insert_row(db, "panelists",
        {"weight_set_id": ws, "panelist_id": r.data["panelist_id"], "field": r.data["field"],
         "enrolled_at": r.instant}
    )  # fmt: skip


def _ballot(batch: _Batch, r: EventRecord) -> None:
    db = batch.db
    ws = batch.key("weight_sets", "weight_set_id", r.originator_id)
    pid = r.data["panelist_id"]
    insert_row(
        db,
        "ballots",
        {
            "weight_set_id": ws,
            "panelist_id": pid,
            "allocations": json.dumps(r.data["allocations"], sort_keys=True),
            "revisions": batch.ballot_revised(ws, pid),
            "reason": r.data.get("reason", ""),
            "time": r.instant,
            "position": r.position,
        },
        replace=True,
    )


def _weights(batch: _Batch, r: EventRecord) -> None:
    db = batch.db
    ws = batch.key("weight_sets", "weight_set_id", r.originator_id)
    d = r.data
    insert_row(
        db,
        "weight_revisions",
        {
            "weight_set_id": ws,
            "revision": d["revision"],
            "method": "mean-of-ballots"
            if r.type == WeightSet.WeightsAggregated.__name__
            else "set-by-editor",
            "weights": json.dumps(d["weights"], sort_keys=True),
            "ballot_count": d.get("ballot_count"),
            "reason": d.get("reason", ""),
            "by": d["by"],
            "time": r.instant,
            "position": r.position,
        },
    )
    db.execute("UPDATE weight_sets SET revision = ? WHERE weight_set_id = ?", [d["revision"], ws])


def _verifier(batch: _Batch, r: EventRecord) -> None:
    db = batch.db
    insert_row(
        db,
        "verifiers",
        {
            "verifier_id": r.data["verifier_id"],
            "originator_id": r.originator_id,
            "languages": json.dumps(r.data["languages"]),
            "enrolled_at": r.instant,
        },
    )


def _verifier_languages(batch: _Batch, r: EventRecord) -> None:
    db = batch.db
    db.execute(
        "UPDATE verifiers SET languages = ? WHERE originator_id = ?",
        [json.dumps(r.data["languages"]), r.originator_id],
    )


def _edition(batch: _Batch, r: EventRecord) -> None:
    db = batch.db
    d = r.data
    keep = ("edition_id", "year", "title", "region", "framework_id", "framework_version")
    insert_row(
        db,
        "editions",
        {k: d[k] for k in keep}
        | {
            "originator_id": r.originator_id,
            "weight_set_id": d["weight_set_id"],
            "evidence_cutoff": d["evidence_cutoff"],
            "quorum": d["quorum"],
            "created_at": r.instant,
            "position": r.position,
        },
    )


def _cities_included(batch: _Batch, r: EventRecord) -> None:
    db = batch.db
    edition = batch.key("editions", "edition_id", r.originator_id)
    start = db.execute(
        "SELECT COUNT(*) FROM edition_cities WHERE edition_id = ?", [edition]
    ).fetchone()[0]
    insert_rows(
        db,
        "edition_cities",
        [
            {"edition_id": edition, "city_id": c, "ordinal": start + n}
            for n, c in enumerate(r.data["city_ids"])
        ],
    )


def _quorum(batch: _Batch, r: EventRecord) -> None:
    db = batch.db
    db.execute(
        "UPDATE editions SET quorum = ? WHERE originator_id = ?",
        [r.data["quorum"], r.originator_id],
    )


HANDLERS: dict[str, Handler] = by_name({
    City.CityRegistered: _city,
    Framework.FrameworkDefined: _framework,
    Framework.FrameworkRevised: _framework_revised,
    Framework.LineageStated: _lineage_stated,
    WeightSet.WeightSetCreated: _weight_set,
    WeightSet.PanelistEnrolled: _panelist,
    WeightSet.BallotCast: _ballot,
    WeightSet.BallotRevised: _ballot,
    WeightSet.WeightsAggregated: _weights,
    WeightSet.WeightsSet: _weights,
    Verifier.VerifierEnrolled: _verifier,
    Verifier.VerifierLanguagesChanged: _verifier_languages,
    Edition.EditionCreated: _edition,
    Edition.CitiesIncluded: _cities_included,
    Edition.QuorumChanged: _quorum,
})  # fmt: skip


class Catalogue(ReadModel):
    """Reference tables that the API lists and that rankings are labelled with."""

    name = "catalogue"
    tables = (
        "cities", "editions", "edition_cities", "frameworks", "indicators", "framework_lineage",
        "weight_sets",
        "weight_revisions", "panelists", "ballots", "verifiers",
    )  # fmt: skip
    handles = frozenset(HANDLERS)
    ignores = events_of(Claim, Receipt, Appeal, Feedback) | {
        Edition.AppealWindowSet.__name__,
        Edition.RankingPublished.__name__,
    }
    #: Bump on any change to the tables or handlers (the follower then replays this model).
    #: 2: framework_lineage; 3: appeals moved to their own model; 4: publications moved to theirs
    version = 4

    def create(self, db: Database) -> None:
        """Create the catalogue tables."""
        for statement in SCHEMA:
            db.execute(statement)

    def apply(self, db: Database, records: list[EventRecord]) -> None:
        """Dispatch each record to its handler."""
        batch = _Batch(db)
        for r in records:
            handler = HANDLERS.get(r.type)
            if handler is not None:
                handler(batch, r)


class FrameworkVersion(View):
    """One version of an indicator framework."""

    framework_id: FrameworkId
    version: Annotated[int, Doc("Version number, from 1.")]


class PinnedEdition(View):
    """An edition by id and year, with the framework version it pins."""

    edition_id: EditionId
    year: Annotated[int, Doc("Edition year.")]
    framework_id: Annotated[str, Doc("Framework pinned.")]
    framework_version: Annotated[int, Doc("Framework version pinned.")]


class CityView(CityNames):
    """A city and its names."""

    country: Annotated[str, Doc("ISO 3166-1 alpha-2 country code.")]
    aliases_zh: Annotated[tuple[str, ...], Doc("Other Chinese names.")]


class EditionView(PinnedEdition):
    """An edition and what it pins."""

    title: Title
    region: Annotated[str, Doc("Region covered.")]
    weight_set_id: Annotated[str, Doc("Weight set used.")]
    evidence_cutoff: Annotated[str, Doc("Last date of admissible evidence.")]
    quorum: Quorum
    city_count: Annotated[int, Doc("Cities included.")]
    created_at: Annotated[str, Doc("When the edition was created (ISO 8601).")]
    position: Annotated[int, Doc("Ledger position of the creating event.")]


class RungView(View):
    """One rung of a ladder."""

    rung: Annotated[int, Doc("Rung number, ascending.")]
    points: Annotated[int, Doc("Points a city on this rung scores.")]
    description: Annotated[str, Doc("What a city must show to stand here.")]


class IndicatorView(FrameworkVersion):
    """An indicator of one framework version, with its ladder."""

    indicator_id: IndicatorId
    pillar: Annotated[str, Doc("Pillar id the indicator belongs to.")]
    name: Annotated[str, Doc("Indicator name.")]
    proposed: Annotated[bool, Doc("Proposed (not yet scored) indicator.")]
    ladder: Annotated[tuple[RungView, ...], Doc("The rungs, lowest first.")]


class FrameworkView(FrameworkVersion):
    """One version of an indicator framework."""

    title: Title
    #: (pillar id, name, sub-table it belongs to, or None for the total only)
    pillars: Annotated[tuple[tuple[str, str, str | None], ...], Doc("Pillars, in order.")]
    note: Annotated[str, Doc("Revision note (empty for version 1).")]
    defined_at: Annotated[str, Doc("When the version was defined (ISO 8601).")]
    position: Annotated[int, Doc("Ledger position of the defining event.")]


class WeightRevisionView(View):
    """A revision of the weights in force."""

    weight_set_id: WeightSetId
    revision: Annotated[int, Doc("Revision number.")]
    method: Annotated[
        str,
        Doc("How the weights were set, e.g. set-by-editor or a mean of ballots."),
    ]
    weights: Annotated[tuple[tuple[str, Fraction], ...], Doc("The weights.")]
    ballot_count: Annotated[int | None, Doc("Ballots averaged, if aggregated.")]
    reason: Reason
    by: Annotated[str, Doc("Who.")]
    time: Time
    position: Position


class BallotView(View):
    """A panelist's current ballot."""

    weight_set_id: WeightSetId
    panelist_id: PanelistId
    field: Annotated[str, Doc("The panelist's field.")]
    allocations: Annotated[tuple[tuple[str, int], ...], Doc("Points per indicator.")]
    revisions: Annotated[int, Doc("Times the ballot was revised.")]
    time: Annotated[str, Doc("When last cast (ISO 8601).")]
    position: Annotated[int, Doc("Ledger position of the last cast.")]


class VerifierView(View):
    """An anonymous verifier and the languages they read."""

    verifier_id: VerifierId
    languages: Annotated[tuple[str, ...], Doc("Languages read.")]


def _city_view(r: dict[str, Any]) -> CityView:
    return from_row(CityView, r, aliases_zh=tuple(json.loads(r["aliases_zh"])))


def cities(db: Database, edition_id: str | None = None) -> list[CityView]:
    """Cities in English alphabetical order, optionally those of one edition."""
    if edition_id is None:
        found = rows(db, "SELECT * FROM cities ORDER BY name_en COLLATE NOCASE, city_id")
    else:
        edition(db, edition_id)
        found = rows(
            db,
            "SELECT c.* FROM cities c JOIN edition_cities e ON e.city_id = c.city_id "
            "WHERE e.edition_id = ? ORDER BY c.name_en COLLATE NOCASE, c.city_id",
            [edition_id],
        )
    return [_city_view(r) for r in found]


def cities_by_id(db: Database, city_ids: Sequence[str]) -> dict[str, CityView]:
    """Cities keyed by id, in one statement (for DataLoaders)."""
    ids = list(dict.fromkeys(city_ids))
    if not ids:
        return {}
    found = rows(db, f"SELECT * FROM cities WHERE city_id IN ({marks(ids)})", ids)
    return {r["city_id"]: _city_view(r) for r in found}


def city(db: Database, city_id: str) -> CityView:
    """One city, or UnknownId."""
    found = cities_by_id(db, [city_id]).get(city_id)
    if found is None:
        raise UnknownId(f"city {city_id!r} does not exist", field="city_id", value=city_id)
    return found


EDITION_SQL = (
    "SELECT e.*, (SELECT COUNT(*) FROM edition_cities c WHERE c.edition_id = e.edition_id) "
    "AS city_count FROM editions e"
)


def editions(db: Database) -> list[EditionView]:
    """Every edition, newest year first."""
    return [
        from_row(EditionView, r) for r in rows(db, EDITION_SQL + " ORDER BY year DESC, edition_id")
    ]


def edition(db: Database, edition_id: str) -> EditionView:
    """One edition, or UnknownId."""
    found = rows(db, EDITION_SQL + " WHERE edition_id = ?", [edition_id])
    if not found:
        known = ", ".join(sorted(e.edition_id for e in editions(db))) or "none yet"
        raise UnknownId(
            f"edition {edition_id!r} does not exist (known: {known})",
            field="edition_id",
            value=edition_id,
        )
    return from_row(EditionView, found[0])


def frameworks(db: Database, framework_id: str | None = None) -> list[FrameworkView]:
    """Every version of every framework (or of one)."""
    where, params = ("WHERE framework_id = ?", [framework_id]) if framework_id else ("", [])
    return [
        from_row(
            FrameworkView,
            r,
            pillars=tuple((p["id"], p["name"], sub_table(p)) for p in json.loads(r["pillars"])),
        )
        for r in rows(
            db, f"SELECT * FROM frameworks {where} ORDER BY framework_id, version", params
        )
    ]


def framework(db: Database, framework_id: str, version: int) -> FrameworkView:
    """One framework version, or UnknownId."""
    for found in frameworks(db, framework_id):
        if found.version == version:
            return found
    raise UnknownId(
        f"framework {framework_id!r} has no version {version}",
        field="framework_id",
        value=framework_id,
    )


def indicators(db: Database, framework_id: str, version: int) -> list[IndicatorView]:
    """The indicators of one framework version, in framework order, with ladders."""
    found = rows(
        db,
        "SELECT * FROM indicators WHERE framework_id = ? AND version = ? ORDER BY ordinal",
        [framework_id, version],
    )
    if not found:
        raise UnknownId(
            f"framework {framework_id!r} has no version {version}",
            field="framework_id",
            value=framework_id,
        )
    return [
        from_row(
            IndicatorView,
            r,
            proposed=bool(r["proposed"]),
            ladder=tuple(from_row(RungView, x) for x in json.loads(r["ladder"])),
        )
        for r in found
    ]


def require_weight_set(db: Database, weight_set_id: str) -> None:
    """Nothing for a weight set that exists; UnknownId naming it otherwise."""
    if not db.execute(
        "SELECT 1 FROM weight_sets WHERE weight_set_id = ?", [weight_set_id]
    ).fetchone():
        raise UnknownId(
            f"weight set {weight_set_id!r} does not exist",
            field="weight_set_id",
            value=weight_set_id,
        )


def weight_revisions(db: Database, weight_set_id: str) -> list[WeightRevisionView]:
    """Every revision of a weight set's weights, oldest first."""
    found = rows(
        db,
        "SELECT * FROM weight_revisions WHERE weight_set_id = ? ORDER BY revision",
        [weight_set_id],
    )
    return [
        from_row(
            WeightRevisionView,
            r,
            weights=tuple((k, stored_weight(v)) for k, v in json.loads(r["weights"]).items()),
        )
        for r in found
    ]


def ballots(db: Database, weight_set_id: str, panelist_id: str | None = None) -> list[BallotView]:
    """Current ballots of a panel (or of one panelist)."""
    sql = (
        "SELECT b.*, p.field FROM ballots b JOIN panelists p ON p.weight_set_id = b.weight_set_id "
        "AND p.panelist_id = b.panelist_id WHERE b.weight_set_id = ?"
    )
    params = [weight_set_id]
    if panelist_id is not None:
        sql += " AND b.panelist_id = ?"
        params.append(panelist_id)
    return [
        from_row(BallotView, r, allocations=tuple(json.loads(r["allocations"]).items()))
        for r in rows(db, sql + " ORDER BY b.panelist_id", params)
    ]


def verifiers(db: Database, verifier_id: str | None = None) -> list[VerifierView]:
    """Every verifier (or one) and the languages they read."""
    where, params = ("WHERE verifier_id = ?", [verifier_id]) if verifier_id else ("", [])
    return [
        from_row(VerifierView, r, languages=tuple(json.loads(r["languages"])))
        for r in rows(db, f"SELECT * FROM verifiers {where} ORDER BY verifier_id", params)
    ]


def verifier(db: Database, verifier_id: str) -> VerifierView:
    """One verifier, or UnknownId."""
    found = verifiers(db, verifier_id)
    if not found:
        raise UnknownId(
            f"verifier {verifier_id!r} does not exist", field="verifier_id", value=verifier_id
        )
    return found[0]
