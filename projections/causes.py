"""The events that changed cities' table scores between two positions, each with its exact
change: the causes that movement explanations and band changes name."""

from __future__ import annotations

import json
from collections.abc import Iterable
from fractions import Fraction
from typing import Annotated, Any, TypeVar

from sqlite_utils import Database

from ledger.claim import Claim
from ledger.doc import Doc, Qualifier
from ledger.fields import CityPoints, Weight
from ledger.rounds import status_after_round
from ledger.vocabulary import ClaimStatus
from ledger.weights import stored_weight
from projections.event_index import LoggedEvent, event_data
from projections.model import from_row
from projections.ranking import edition_claims, indicator_support, table_indicators
from projections.ranking import weights as weights_in_force
from projections.state import (
    CITY,
    INDICATOR,
    POINTS,
    STATUS,
    WEIGHT_CHANGES,
    RankingState,
)

#: The claim events this module folds (each has a branch below).
CLAIM_EVENTS = tuple(
    e.__name__
    for e in (Claim.ClaimSubmitted, Claim.ClaimWithdrawn, Claim.ClaimSuperseded, Claim.RoundClosed)
)
WEIGHT_EVENTS = tuple(sorted(WEIGHT_CHANGES))

T = TypeVar("T")
#: A cause's field just before or just after its event.
JustBefore = Annotated[T, Qualifier("just before")]
JustAfter = Annotated[T, Qualifier("just after")]


class Cause(LoggedEvent):
    """One event that changed a city's score on one indicator, and by how much (exactly)."""

    actor: Annotated[str | None, Doc("Who recorded it (null for older events).")]
    claim_id: Annotated[str | None, Doc("The claim decided (null: a weight).")]
    city_id: Annotated[str, Doc("The city whose score it changed.")]
    indicator_id: Annotated[str, Doc("The indicator whose points or weight moved.")]
    points_before: JustBefore[CityPoints]
    points_after: JustAfter[CityPoints]
    weight_before: JustBefore[Weight]
    weight_after: JustAfter[Weight]
    score_change: Annotated[Fraction, Doc("The exact change in the table score.")]


class _Event(LoggedEvent):
    """The fields of an event row that every cause it gives repeats."""

    actor: str | None

    def cause(
        self,
        claim_id: str | None,
        city_id: str,
        indicator_id: str,
        points: tuple[int, int],
        weight: tuple[Fraction, Fraction],
    ) -> Cause:
        """The cause this event is for one city's indicator; score change = x'w' - xw."""
        change = points[1] * weight[1] - points[0] * weight[0]
        return from_row(
            Cause,
            vars(self),
            claim_id=claim_id,
            city_id=city_id,
            indicator_id=indicator_id,
            points_before=points[0],
            points_after=points[1],
            weight_before=weight[0],
            weight_after=weight[1],
            score_change=change,
        )


def _actor(event_type: str, data: dict[str, Any]) -> str | None:
    actor = data.get("by")
    if actor is None and event_type == Claim.ClaimSubmitted.__name__:
        actor = data.get("submitted_by")
    return None if actor is None else str(actor)


def score_path(
    db: Database,
    state: RankingState,
    edition_id: str,
    table: str,
    city_ids: Iterable[str],
    end: int,
) -> dict[str, list[Cause]]:
    """Per city, the events in (state.position, end] that changed its table score, in order.

    Each cause carries its exact score change, so a city's causes sum to its score change:
    claim decisions move one indicator's points, weight revisions one indicator's weight.
    Events that changed no score (a rejected claim that never counted, a closure of a claim
    outranked by a better one) are left out.
    """
    cities = sorted(set(city_ids))
    start = state.position
    out: dict[str, list[Cause]] = {c: [] for c in cities}
    if not cities or end <= start:
        return out
    in_table = set(table_indicators(state, edition_id, table))
    weights = weights_in_force(state, edition_id)
    # Claim rows [indicator, points, status] per claim of these cities, as at the start.
    rows: dict[str, list[Any]] = {
        claim_id: [row[CITY], row[INDICATOR], row[POINTS], row[STATUS]]
        for claim_id, row in edition_claims(state, edition_id)
        if row[CITY] in out and row[INDICATOR] in in_table
    }
    support = indicator_support(state, edition_id)
    points = {c: {i: support[c][i].points for i in in_table} for c in cities if c in support}
    weight_set = state.editions[edition_id]["weight_set_id"]
    marks = ",".join("?" * len(cities))
    found = db.execute(
        "SELECT e.position, e.type, e.time, e.hash, e.owner_key, e.city_id, e.data, b.stored, "
        "e.originator_id, e.originator_version, e.edition_id FROM events e "
        "JOIN event_bodies b ON b.position = e.position "
        "WHERE e.position > ? AND e.position <= ? AND ("
        f"(e.edition_id = ? AND e.city_id IN ({marks}) AND e.type IN "
        f"({','.join('?' * len(CLAIM_EVENTS))})) OR "
        f"(e.owner_key = ? AND e.type IN ({','.join('?' * len(WEIGHT_EVENTS))}))) "
        "ORDER BY e.position",
        [start, end, edition_id, *cities, *CLAIM_EVENTS, weight_set, *WEIGHT_EVENTS],
    ).fetchall()
    for position, type_, time, hash_, owner, city, held, stored, oid, version, edition in found:
        data = event_data(stored, held)
        text = json.dumps(data, ensure_ascii=False, sort_keys=True)
        event = _Event(
            position=int(position),
            type=str(type_),
            time=str(time),
            hash=str(hash_),
            actor=_actor(str(type_), data),
            originator_id=str(oid),
            originator_version=int(version),
            edition_id=edition,
            data=str(text),
        )
        if type_ in WEIGHT_EVENTS:
            new = {i: stored_weight(data["weights"].get(i, 0)) for i in weights}
            for city_id in cities:
                for i in sorted(in_table):
                    x = points.get(city_id, {}).get(i, 0)
                    if new[i] != weights[i] and x != 0:
                        out[city_id].append(
                            event.cause(None, city_id, i, (x, x), (weights[i], new[i]))
                        )
            weights = new
            continue
        claim_id = str(owner)
        if type_ == Claim.ClaimSubmitted.__name__:
            if data["indicator_id"] in in_table:
                rows[claim_id] = [city, data["indicator_id"], data["points"], ClaimStatus.PENDING]
            continue
        row = rows.get(claim_id)
        if row is None:
            continue  # an indicator outside this table
        if type_ == Claim.RoundClosed.__name__:
            status = status_after_round(data["outcome"])
            if status is None:
                continue
            row[3] = status
        elif type_ == Claim.ClaimWithdrawn.__name__:
            row[3] = ClaimStatus.WITHDRAWN
        else:
            row[3] = ClaimStatus.SUPERSEDED
        city_id, indicator_id = str(row[0]), str(row[1])
        before = points.setdefault(city_id, {}).get(indicator_id, 0)
        after = max(
            (
                int(r[2])
                for r in rows.values()
                if r[0] == city_id and r[1] == indicator_id and r[3] == ClaimStatus.ACCEPTED
            ),
            default=0,
        )
        if after != before:
            points[city_id][indicator_id] = after
            w = weights[indicator_id]
            out[city_id].append(
                event.cause(claim_id, city_id, indicator_id, (before, after), (w, w))
            )
    return out
