"""Point-in-time state: the nearest checkpoint at or before a position, plus the events after it."""

from __future__ import annotations

import json
from datetime import datetime

from sqlite_utils import Database

from ledger.records import EventRecord
from projections.event_index import instant_text
from projections.state import RankingState

#: A checkpoint is written whenever the log crosses a multiple of this many positions.
CHECKPOINT_EVERY = 1000

EVENT_COLUMNS = "position, type, originator_id, originator_version, time, data, topic, stored"


def record_from_row(row: tuple[object, ...]) -> EventRecord:
    """An EventRecord from a row of the `events` table (columns as EVENT_COLUMNS)."""
    position, type_, originator_id, version, time, data, topic, stored = row
    return EventRecord(
        position=int(str(position)),
        type=str(type_),
        originator_id=str(originator_id),
        originator_version=int(str(version)),
        time=datetime.fromisoformat(str(time)),
        data=json.loads(str(data)),
        topic=str(topic),
        stored=str(stored),
    )


def indexed_records(db: Database, after: int, upto: int) -> list[EventRecord]:
    """Events in (after, upto] from the event index, in ledger order."""
    rows = db.execute(
        f"SELECT {EVENT_COLUMNS} FROM events "
        "WHERE position > ? AND position <= ? ORDER BY position",
        [after, upto],
    ).fetchall()
    return [record_from_row(row) for row in rows]


def state_at(db: Database, position: int) -> RankingState:
    """The ranking state after `position`: a checkpoint plus < CHECKPOINT_EVERY events."""
    row = db.execute(
        "SELECT position, state FROM checkpoints WHERE position <= ? "
        "ORDER BY position DESC LIMIT 1",
        [position],
    ).fetchone()
    state = RankingState.from_blob(row[1]) if row else RankingState()
    state.apply_all(indexed_records(db, state.position, position))
    return state


def position_at(db: Database, moment: datetime) -> int:
    """The last position of the longest prefix of the log whose events occurred at or before."""
    row = db.execute(
        "SELECT position FROM events WHERE max_time <= ? ORDER BY max_time DESC, position DESC "
        "LIMIT 1",
        [instant_text(moment)],
    ).fetchone()
    return int(row[0]) if row else 0
