"""Read queries over the catalogue and evidence tables; each returns frozen views."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from sqlite_utils import Database

from ledger.errors import InvalidInput, UnknownId
from ledger.framework import sub_table
from projections.event_index import data_text, instant_text

if TYPE_CHECKING:
    from projections.appeals import AppealCase
from projections.views import (
    BallotView,
    CityView,
    ClaimView,
    EditionView,
    EventPage,
    EventView,
    FrameworkView,
    IndicatorView,
    PublicationView,
    RoundView,
    RungView,
    SourceView,
    VerifierView,
    VoteView,
    WeightRevisionView,
)

MAX_PAGE = 100


def _rows(db: Database, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    cursor = db.execute(sql, list(params))
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _marks(values: Sequence[Any]) -> str:
    return ",".join("?" * len(values))


def tracking_position(db: Database) -> int:
    """The position every read model has reached (0 before the first event)."""
    row = db.execute("SELECT MIN(position), COUNT(*) FROM projection_tracking").fetchone()
    return int(row[0] or 0) if row and row[1] else 0


def _city(r: dict[str, Any]) -> CityView:
    return CityView(
        r["city_id"], r["name_en"], r["name_zh"], r["country"], tuple(json.loads(r["aliases_zh"]))
    )


def cities(db: Database, edition_id: str | None = None) -> list[CityView]:
    """Cities in English alphabetical order, optionally those of one edition."""
    if edition_id is None:
        rows = _rows(db, "SELECT * FROM cities ORDER BY name_en COLLATE NOCASE, city_id")
    else:
        edition(db, edition_id)
        rows = _rows(
            db,
            "SELECT c.* FROM cities c JOIN edition_cities e ON e.city_id = c.city_id "
            "WHERE e.edition_id = ? ORDER BY c.name_en COLLATE NOCASE, c.city_id",
            [edition_id],
        )
    return [_city(r) for r in rows]


def cities_by_id(db: Database, city_ids: Sequence[str]) -> dict[str, CityView]:
    """Cities keyed by id, in one statement (for DataLoaders)."""
    ids = list(dict.fromkeys(city_ids))
    if not ids:
        return {}
    rows = _rows(db, f"SELECT * FROM cities WHERE city_id IN ({_marks(ids)})", ids)
    return {r["city_id"]: _city(r) for r in rows}


def city(db: Database, city_id: str) -> CityView:
    """One city, or UnknownId."""
    found = cities_by_id(db, [city_id]).get(city_id)
    if found is None:
        raise UnknownId(f"city {city_id!r} does not exist", field="city_id", value=city_id)
    return found


def _edition(r: dict[str, Any]) -> EditionView:
    return EditionView(
        r["edition_id"], r["year"], r["title"], r["region"], r["framework_id"],
        r["framework_version"], r["weight_set_id"], r["evidence_cutoff"], r["quorum"],
        r["city_count"], r["created_at"], r["position"],
    )  # fmt: skip


EDITION_SQL = (
    "SELECT e.*, (SELECT COUNT(*) FROM edition_cities c WHERE c.edition_id = e.edition_id) "
    "AS city_count FROM editions e"
)


def editions(db: Database) -> list[EditionView]:
    """Every edition, newest year first."""
    return [_edition(r) for r in _rows(db, EDITION_SQL + " ORDER BY year DESC, edition_id")]


def edition(db: Database, edition_id: str) -> EditionView:
    """One edition, or UnknownId."""
    rows = _rows(db, EDITION_SQL + " WHERE edition_id = ?", [edition_id])
    if not rows:
        known = ", ".join(sorted(e.edition_id for e in editions(db))) or "none yet"
        raise UnknownId(
            f"edition {edition_id!r} does not exist (known: {known})",
            field="edition_id",
            value=edition_id,
        )
    return _edition(rows[0])


def frameworks(db: Database, framework_id: str | None = None) -> list[FrameworkView]:
    """Every version of every framework (or of one)."""
    where, params = ("WHERE framework_id = ?", [framework_id]) if framework_id else ("", [])
    return [
        FrameworkView(
            r["framework_id"],
            r["version"],
            r["title"],
            tuple((p["id"], p["name"], sub_table(p)) for p in json.loads(r["pillars"])),
            r["note"],
            r["defined_at"],
            r["position"],
        )
        for r in _rows(
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
    rows = _rows(
        db,
        "SELECT * FROM indicators WHERE framework_id = ? AND version = ? ORDER BY ordinal",
        [framework_id, version],
    )
    if not rows:
        raise UnknownId(
            f"framework {framework_id!r} has no version {version}",
            field="framework_id",
            value=framework_id,
        )
    return [
        IndicatorView(
            r["framework_id"],
            r["version"],
            r["indicator_id"],
            r["pillar"],
            r["name"],
            bool(r["proposed"]),
            tuple(
                RungView(x["rung"], x["points"], x["description"]) for x in json.loads(r["ladder"])
            ),
        )
        for r in rows
    ]


def _claim(r: dict[str, Any]) -> ClaimView:
    sources = tuple(
        SourceView(
            s.get("url"), s.get("citation"), s["title"], s["language"], s["date"], s["excerpt"]
        )
        for s in json.loads(r["sources"])
    )
    return ClaimView(
        r["claim_id"], r["edition_id"], r["city_id"], r["indicator_id"], r["rung"], r["points"],
        r["status"], sources, tuple(json.loads(r["languages"])), r["submitted_by"],
        r["supersedes"], r["superseded_by"], r["withdrawn_reason"], r["submitted_at"],
        r["submitted_position"], r["decided_at"], r["decided_position"],
    )  # fmt: skip


def _claim_filter(
    edition_id: str | None,
    city_ids: Sequence[str] | None,
    indicator_id: str | None,
    status: str | None,
    languages: Sequence[str] | None,
    claim_ids: Sequence[str] | None,
) -> tuple[str, list[Any]]:
    """The WHERE clause and parameters of a claim filter."""
    where: list[str] = ["1 = 1"]
    params: list[Any] = []
    for column, value in (
        ("edition_id", edition_id),
        ("indicator_id", indicator_id),
        ("status", status),
    ):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    for column, values in (("city_id", city_ids), ("claim_id", claim_ids)):
        if values is not None:
            where.append(f"{column} IN ({_marks(values) or 'NULL'})")
            params.extend(values)
    if languages is not None and not languages:
        where.append("0 = 1")  # a reader of no language can read no claim
    elif languages is not None:
        # A claim is readable when every language of its sources is among the reader's.
        where.append(
            "NOT EXISTS (SELECT 1 FROM json_each(claims.languages) j "
            f"WHERE j.value NOT IN ({_marks(languages)}))"
        )
        params.extend(languages)
    return " AND ".join(where), params


def claims(
    db: Database,
    *,
    edition_id: str | None = None,
    city_ids: Sequence[str] | None = None,
    indicator_id: str | None = None,
    status: str | None = None,
    languages: Sequence[str] | None = None,
    claim_ids: Sequence[str] | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[ClaimView]:
    """Claims matching every filter given; `languages` keeps claims readable in those languages."""
    where, params = _claim_filter(edition_id, city_ids, indicator_id, status, languages, claim_ids)
    sql = f"SELECT * FROM claims WHERE {where} ORDER BY submitted_position"
    if limit is not None:
        sql += " LIMIT ? OFFSET ?"
        params.extend([limit, offset])
    return [_claim(r) for r in _rows(db, sql, params)]


def claim_count(
    db: Database,
    *,
    edition_id: str | None = None,
    city_ids: Sequence[str] | None = None,
    indicator_id: str | None = None,
    status: str | None = None,
    languages: Sequence[str] | None = None,
) -> int:
    """How many claims match the filters (as `claims` takes them)."""
    where, params = _claim_filter(edition_id, city_ids, indicator_id, status, languages, None)
    return int(db.execute(f"SELECT COUNT(*) FROM claims WHERE {where}", params).fetchone()[0])


def claim(db: Database, claim_id: str) -> ClaimView:
    """One claim, or UnknownId."""
    found = claims(db, claim_ids=[claim_id])
    if not found:
        raise UnknownId(f"claim {claim_id!r} does not exist", field="claim_id", value=claim_id)
    return found[0]


def rounds_for(db: Database, claim_ids: Sequence[str]) -> dict[str, list[RoundView]]:
    """Rounds per claim, in one statement."""
    out: dict[str, list[RoundView]] = defaultdict(list)
    ids = list(dict.fromkeys(claim_ids))
    if ids:
        sql = f"SELECT * FROM rounds WHERE claim_id IN ({_marks(ids)}) ORDER BY claim_id, round_no"
        for r in _rows(db, sql, ids):
            out[r["claim_id"]].append(RoundView(**r))
    return out


def votes_for(db: Database, claim_ids: Sequence[str]) -> dict[tuple[str, int], list[VoteView]]:
    """Votes per (claim, round), in one statement."""
    out: dict[tuple[str, int], list[VoteView]] = defaultdict(list)
    ids = list(dict.fromkeys(claim_ids))
    if ids:
        sql = f"SELECT * FROM votes WHERE claim_id IN ({_marks(ids)}) ORDER BY position"
        for r in _rows(db, sql, ids):
            out[(r["claim_id"], r["round_no"])].append(VoteView(**r))
    return out


def publications(db: Database, edition_id: str | None = None) -> list[PublicationView]:
    """Publications, oldest first, optionally of one edition."""
    sql, params = "SELECT * FROM publications", list[Any]()
    if edition_id is not None:
        sql += " WHERE edition_id = ?"
        params.append(edition_id)
    return [
        PublicationView(
            r["edition_id"],
            r["publication_no"],
            r["position"],
            r["digest"],
            r["tree_head"],
            tuple(json.loads(r["tables"])),
            r["by"],
            r["time"],
            r["event_position"],
        )
        for r in _rows(db, sql + " ORDER BY event_position", params)
    ]


def _event_filter(
    after: int,
    types: Sequence[str] | None,
    edition_id: str | None,
    city_id: str | None,
    since: datetime | None,
    until: datetime | None,
) -> tuple[str, list[Any]]:
    """The WHERE clause and parameters of an event filter."""
    where: list[str] = ["position > ?"]
    params: list[Any] = [after]
    if types:
        where.append(f"type IN ({_marks(types)})")
        params.extend(types)
    for column, value in (("edition_id", edition_id), ("city_id", city_id)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    if since is not None:
        where.append("time >= ?")
        params.append(instant_text(since))
    if until is not None:
        where.append("time <= ?")
        params.append(instant_text(until))
    return " AND ".join(where), params


def events(
    db: Database,
    *,
    after: int = 0,
    first: int = MAX_PAGE,
    types: Sequence[str] | None = None,
    edition_id: str | None = None,
    city_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> EventPage:
    """A page of the log after a position, filtered by type, edition, city and time range."""
    if not 1 <= first <= MAX_PAGE:
        raise InvalidInput(
            f"first {first} is out of range 1..{MAX_PAGE}", field="first", value=first
        )
    where, params = _event_filter(after, types, edition_id, city_id, since, until)
    sql = (
        "SELECT e.position, e.type, e.time, e.originator_id, e.originator_version, e.edition_id, "
        "e.city_id, e.data, e.hash, b.stored FROM (SELECT * FROM events "
        f"WHERE {where} ORDER BY position LIMIT ?) e "
        "JOIN event_bodies b ON b.position = e.position ORDER BY e.position"
    )
    rows = _rows(db, sql, [*params, first + 1])
    page = tuple(
        EventView(**(r | {"data": data_text(r.pop("stored"), r["data"])})) for r in rows[:first]
    )
    return EventPage(page, len(rows) > first)


def event_count(
    db: Database,
    *,
    types: Sequence[str] | None = None,
    edition_id: str | None = None,
    city_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> int:
    """How many events of the whole log match the filters (as `events` takes them)."""
    where, params = _event_filter(0, types, edition_id, city_id, since, until)
    return int(db.execute(f"SELECT COUNT(*) FROM events WHERE {where}", params).fetchone()[0])


def weight_revisions(db: Database, weight_set_id: str) -> list[WeightRevisionView]:
    """Every revision of a weight set's weights, oldest first."""
    rows = _rows(
        db,
        "SELECT * FROM weight_revisions WHERE weight_set_id = ? ORDER BY revision",
        [weight_set_id],
    )
    return [
        WeightRevisionView(
            r["weight_set_id"],
            r["revision"],
            r["method"],
            tuple((k, Fraction(v)) for k, v in json.loads(r["weights"]).items()),
            r["ballot_count"],
            r["reason"],
            r["by"],
            r["time"],
            r["position"],
        )
        for r in rows
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
        BallotView(
            r["weight_set_id"],
            r["panelist_id"],
            r["field"],
            tuple(json.loads(r["allocations"]).items()),
            r["revisions"],
            r["time"],
            r["position"],
        )
        for r in _rows(db, sql + " ORDER BY b.panelist_id", params)
    ]


def verifiers(db: Database, verifier_id: str | None = None) -> list[VerifierView]:
    """Every verifier (or one) and the languages they read."""
    where, params = ("WHERE verifier_id = ?", [verifier_id]) if verifier_id else ("", [])
    return [
        VerifierView(r["verifier_id"], tuple(json.loads(r["languages"])))
        for r in _rows(db, f"SELECT * FROM verifiers {where} ORDER BY verifier_id", params)
    ]


def verifier(db: Database, verifier_id: str) -> VerifierView:
    """One verifier, or UnknownId."""
    found = verifiers(db, verifier_id)
    if not found:
        raise UnknownId(
            f"verifier {verifier_id!r} does not exist", field="verifier_id", value=verifier_id
        )
    return found[0]


def appeals(
    db: Database,
    *,
    edition_id: str | None = None,
    city_id: str | None = None,
    appeal_id: str | None = None,
) -> list[AppealCase]:
    """Appeals, oldest first, filtered by edition, city and id (see projections.appeals)."""
    from projections import appeals as docket

    return docket.appeals(db, edition_id=edition_id, city_id=city_id, appeal_id=appeal_id)


def appeal(db: Database, appeal_id: str) -> AppealCase:
    """One appeal, or UnknownId."""
    from projections import appeals as docket

    return docket.appeal(db, appeal_id)
