"""One edition's ranking state at a position, from the read models: its entities from the
ranking timeline and its claims folded from its own events in the event index. Whatever asks
about one edition (a what-if, a publication, an explanation, a counterfactual) pays for that
edition, not for the whole log's state."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlite_utils import Database

from ledger.records import EventRecord
from projections.event_index import event_data
from projections.model import marks
from projections.pointintime import edition_at
from projections.state import CLAIM_CHANGES, RankingState

#: The time of records made up for a fold (folds read no times).
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def edition_records(
    db: Database, edition_id: str, types: Iterable[str], after: int, upto: int
) -> list[EventRecord]:
    """The edition's events of these types in (after, upto], in ledger order, from the event
    index (its edition column names the edition of each claim's and appeal's events)."""
    kinds = sorted(types)
    # `+e.…`: look the edition up by its index, not the whole log by position or type.
    found = db.execute(
        "SELECT e.position, e.type, e.originator_id, e.originator_version, e.data, b.stored "
        "FROM events e JOIN event_bodies b ON b.position = e.position "
        f"WHERE e.edition_id = ? AND +e.type IN ({marks(kinds)}) "
        "AND +e.position > ? AND +e.position <= ? ORDER BY e.position",
        [edition_id, *kinds, after, upto],
    ).fetchall()
    return [
        EventRecord(
            int(position),
            str(kind),
            str(oid),
            int(version),
            EPOCH,
            event_data(stored, held),
            "",
            "",
        )
        for position, kind, oid, version, held, stored in found
    ]


def edition_state_at(db: Database, edition_id: str, position: int) -> RankingState:
    """The ranking state at a position restricted to one edition (its entities and its claims,
    as a replay gives them): what a what-if of that edition needs, whatever the log's length
    (an empty state when the edition does not exist there)."""
    found = edition_at(db, edition_id, position)
    if found is None:
        return RankingState(position=position)
    for record in edition_records(db, edition_id, CLAIM_CHANGES, 0, position):
        found.state.apply(record)
    found.state.position = position
    return found.state
