"""Point-in-time state from the ranking timeline: the latest row of each thing at a position.

No replay and no checkpoint: `state_at` reads what existed at a position (its cost follows the
state there), and `edition_at` reads only one edition's rows (its cost follows the edition).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from ledger.vocabulary import ClaimStatus
from projections.event_index import instant_text
from projections.ranking import NO_SUPPORT, Support
from projections.state import RankingState
from projections.timeline import Timeline

#: RankingState's attribute for each entity kind of the timeline.
KINDS = {
    "city": "cities",
    "framework": "frameworks",
    "weight_set": "weight_sets",
    "edition": "editions",
}


def state_at(db: Database, position: int) -> RankingState:
    """The ranking state after `position`, exactly as a replay of events 1..position gives it."""
    return timeline_at(db, position).state


def timeline_at(db: Database, position: int) -> Timeline:
    """The timeline fold after `position` (the standings model resumes from it)."""
    state = RankingState(position=position)
    created: dict[tuple[str, str], int] = {}
    # SQLite gives the bare columns of the row holding MAX(position) in each group.
    entities = db.execute(
        "SELECT kind, key, created, originator_id, value, MAX(position) FROM ranking_entities "
        "WHERE position <= ? GROUP BY kind, key ORDER BY created",
        [position],
    ).fetchall()
    for kind, key, first, oid, value, _ in entities:
        getattr(state, KINDS[str(kind)])[str(key)] = json.loads(value)
        created[(str(kind), str(key))] = int(first)
        if oid is not None:
            state.owners[str(oid)] = str(key)
    claim_positions: dict[str, int] = {}
    claim_originators: dict[str, str] = {}
    claims = db.execute(
        "SELECT c.position, c.claim_id, c.originator_id, c.edition_id, c.city_id, "
        "c.indicator_id, c.points, (SELECT s.status FROM claim_statuses s "
        "WHERE s.claim_position = c.position AND s.position <= ?1 "
        "ORDER BY s.position DESC LIMIT 1) FROM ranking_claims c WHERE c.position <= ?1 "
        "ORDER BY c.position",
        [position],
    ).fetchall()
    for at, claim_id, oid, edition_id, city_id, indicator_id, points, status in claims:
        state.claims[claim_id] = [
            edition_id, city_id, indicator_id, points, status or ClaimStatus.PENDING,
        ]  # fmt: skip
        state.owners[oid] = claim_id
        claim_positions[claim_id] = int(at)
        claim_originators[claim_id] = str(oid)
    timeline = Timeline(state, claim_positions, claim_originators)
    timeline.created = created
    return timeline


@dataclass(frozen=True)
class EditionAt:
    """One edition at a position: a state holding only what its tables need, and its scores."""

    state: RankingState
    support: dict[str, dict[str, Support]]


def _latest(db: Database, kind: str, key: str, position: int) -> Any:
    row = db.execute(
        "SELECT value FROM ranking_entities WHERE kind = ? AND key = ? AND position <= ? "
        "ORDER BY position DESC LIMIT 1",
        [kind, key, position],
    ).fetchone()
    return None if row is None else json.loads(row[0])


def editions_at(db: Database, position: int) -> list[str]:
    """The ids of the editions that exist at a position, sorted."""
    rows = db.execute(
        "SELECT DISTINCT key FROM ranking_entities WHERE kind = 'edition' AND created <= ? "
        "ORDER BY key",
        [position],
    ).fetchall()
    return [str(r[0]) for r in rows]


def edition_at(db: Database, edition_id: str, position: int) -> EditionAt | None:
    """An edition's ranking inputs at a position (None: it does not exist there).

    A handful of indexed lookups plus the edition's score history up to the position: the
    cost does not grow with the log or with other editions.
    """
    edition = _latest(db, "edition", edition_id, position)
    if edition is None:
        return None
    state = RankingState(position=position, editions={edition_id: edition})
    framework_id, weight_set_id = str(edition["framework_id"]), str(edition["weight_set_id"])
    versions = _latest(db, "framework", framework_id, position)
    if versions is not None:
        state.frameworks[framework_id] = versions
    weight_set = _latest(db, "weight_set", weight_set_id, position)
    if weight_set is not None:
        state.weight_sets[weight_set_id] = weight_set
    city_ids = [str(c) for c in edition["city_ids"]]
    for chunk in range(0, len(city_ids), 500):
        part = city_ids[chunk : chunk + 500]
        for key, value in db.execute(
            "SELECT key, value FROM ranking_entities WHERE kind = 'city' AND position <= ? "
            f"AND key IN ({','.join('?' * len(part))})",
            [position, *part],
        ).fetchall():
            state.cities[str(key)] = json.loads(value)
    held = {
        (str(city), str(indicator)): Support(int(points), claim_id)
        for city, indicator, points, claim_id, _ in db.execute(
            "SELECT city_id, indicator_id, points, claim_id, MAX(position) FROM score_history "
            "WHERE edition_id = ? AND position <= ? GROUP BY city_id, indicator_id",
            [edition_id, position],
        ).fetchall()
    }
    indicator_ids = [i["id"] for i in state.indicators(edition_id)]
    support = {c: {i: held.get((c, i), NO_SUPPORT) for i in indicator_ids} for c in city_ids}
    return EditionAt(state, support)


def position_at(db: Database, moment: datetime) -> int:
    """The last position of the longest prefix of the log whose events occurred at or before.

    `max_time` (the latest time up to each position) never decreases along the log, so the
    answer is a binary search over positions: about 20 primary-key lookups at 1,000,000 events.
    """
    target = instant_text(moment)
    row = db.execute("SELECT MIN(position), MAX(position) FROM events").fetchone()
    if row is None or row[0] is None:
        return 0
    low, high, found = int(row[0]), int(row[1]), 0
    while low <= high:
        middle = (low + high) // 2
        at = db.execute(
            "SELECT position, max_time FROM events WHERE position >= ? ORDER BY position LIMIT 1",
            [middle],
        ).fetchone()
        if at is not None and at[1] <= target:
            found, low = int(at[0]), int(at[0]) + 1
        else:
            high = middle - 1
    return found
