"""Standings: current rankings and indicator scores per edition, and the ranking timeline."""

from __future__ import annotations

from sqlite_utils import Database

from ledger.records import EventRecord
from projections.model import Prepared, ReadModel, insert_rows
from projections.pointintime import timeline_at
from projections.ranking import TABLES, has_weights, ranking
from projections.state import HANDLERS, IGNORED
from projections.timeline import SCHEMA as TIMELINE_SCHEMA
from projections.timeline import TABLES as TIMELINE_TABLES
from projections.timeline import Timeline, TimelineRows

#: Claims the standings model holds between batches (the latest submitted or read back); an
#: event changing any other claim reads it back, with the rest of its batch, in one query.
HELD_CLAIMS = 20_000

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS standings (edition_id TEXT, table_name TEXT, city_id TEXT, "
    "score TEXT, rank INTEGER, band TEXT, PRIMARY KEY (edition_id, table_name, city_id))",
    "CREATE TABLE IF NOT EXISTS scores (edition_id TEXT, city_id TEXT, indicator_id TEXT, "
    "points INTEGER, claim_id TEXT, PRIMARY KEY (edition_id, city_id, indicator_id))",
    *TIMELINE_SCHEMA,
)


class Standings(ReadModel):
    """The rankings as of the model's position; the timeline answers any earlier position."""

    name = "standings"
    tables = ("standings", "scores", *TIMELINE_TABLES)
    handles = frozenset(HANDLERS)
    ignores = IGNORED
    #: Bump on any change to the tables or handlers (the follower then replays this model).
    #: 3: ranking_claims indexed by originator (claims let go of are read back).
    version = 3

    def __init__(self) -> None:
        self._timeline: Timeline | None = None
        #: Editions whose standings rows wait for the next flush.
        self._touched: set[str] = set()
        self._prepared: Prepared[Timeline] = Prepared()

    def create(self, db: Database) -> None:
        """Create the standings and timeline tables."""
        for statement in SCHEMA:
            db.execute(statement)

    def drop(self, db: Database) -> None:
        """Drop the tables, and version 1's full-state `checkpoints` where an old file has it."""
        super().drop(db)
        db.execute("DROP TABLE IF EXISTS checkpoints")

    def reset(self) -> None:
        """Forget the cached fold."""
        self._timeline = None
        self._touched = set()

    def prepare(self, db: Database, records: list[EventRecord], after: int) -> None:
        """The fold at `after` (the one held, or read back), with the claims the batch
        changes recalled."""
        held = self._timeline
        timeline = held if held is not None and held.position == after else timeline_at(db, after)
        timeline.recall(db, records)
        self._prepared.keep(records, timeline)

    def apply(self, db: Database, records: list[EventRecord]) -> None:
        """Fold the records in, append their timeline rows and rewrite the touched standings."""
        if not records:
            return
        timeline = self._prepared.take(records)
        rows = TimelineRows()
        touched = timeline.fold(records, rows)
        rows.write(db)
        # The rows are written: a claim let go of now can be read back from them.
        timeline.trim(HELD_CLAIMS)
        self._timeline = timeline
        self._touched |= touched

    def flush(self, db: Database) -> None:
        """Rewrite the standings of the editions touched since the last flush."""
        if self._touched and self._timeline is not None:
            self._write(db, self._timeline, self._touched)
        self._touched = set()

    def _write(self, db: Database, timeline: Timeline, editions: set[str]) -> None:
        """Rewrite the rows of the editions the batch touched (a vote touches none)."""
        state = timeline.state
        for edition_id in sorted(editions):
            db.execute("DELETE FROM standings WHERE edition_id = ?", [edition_id])
            db.execute("DELETE FROM scores WHERE edition_id = ?", [edition_id])
            # One support lookup serves the three tables and the scores rows.
            support = timeline.support(edition_id)
            insert_rows(
                db,
                "standings",
                [
                    {
                        "edition_id": edition_id,
                        "table_name": table,
                        "city_id": row.city_id,
                        "score": str(row.score),
                        "rank": row.rank,
                        "band": row.band,
                    }
                    for table in TABLES
                    # No weights in force: no table yet (queries answer NoWeightsInForce).
                    if has_weights(state, edition_id)
                    for row in ranking(state, edition_id, table, support)
                ],
            )
            insert_rows(
                db,
                "scores",
                [
                    {
                        "edition_id": edition_id,
                        "city_id": city_id,
                        "indicator_id": indicator_id,
                        "points": held.points,
                        "claim_id": held.claim_id,
                    }
                    for city_id, per in support.items()
                    for indicator_id, held in per.items()
                ],
            )
