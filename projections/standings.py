"""Standings: current rankings and indicator scores per edition, with periodic checkpoints."""

from __future__ import annotations

from sqlite_utils import Database

from ledger.records import EventRecord
from projections.model import ReadModel, insert_row, insert_rows
from projections.pointintime import CHECKPOINT_EVERY, state_at
from projections.ranking import TABLES, has_weights, indicator_support, ranking
from projections.state import HANDLERS, IGNORED, RankingState

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS checkpoints (position INTEGER PRIMARY KEY, state BLOB NOT NULL)",
    "CREATE TABLE IF NOT EXISTS standings (edition_id TEXT, table_name TEXT, city_id TEXT, "
    "score TEXT, rank INTEGER, band TEXT, PRIMARY KEY (edition_id, table_name, city_id))",
    "CREATE TABLE IF NOT EXISTS scores (edition_id TEXT, city_id TEXT, indicator_id TEXT, "
    "points INTEGER, claim_id TEXT, PRIMARY KEY (edition_id, city_id, indicator_id))",
)


class Standings(ReadModel):
    """The rankings as of the model's position; checkpoints make any earlier position cheap."""

    name = "standings"
    tables = ("checkpoints", "standings", "scores")
    handles = frozenset(HANDLERS)
    ignores = IGNORED
    #: Bump on any change to the tables or handlers (the follower then replays this model).
    version = 1

    def __init__(self, checkpoint_every: int = CHECKPOINT_EVERY) -> None:
        self.checkpoint_every = checkpoint_every
        self._state: RankingState | None = None

    def create(self, db: Database) -> None:
        """Create the standings tables."""
        for statement in SCHEMA:
            db.execute(statement)

    def reset(self) -> None:
        """Forget the cached state."""
        self._state = None

    def apply(self, db: Database, records: list[EventRecord]) -> None:
        """Fold the records in, checkpoint at each multiple, and rewrite the standings."""
        if not records:
            return
        state = self._state_before(db, records[0].position)
        touched: set[str] = set()
        for record in records:
            previous = state.position
            state.apply(record)
            touched |= state.touched(record)
            if record.position // self.checkpoint_every > previous // self.checkpoint_every:
                insert_row(
                    db,
                    "checkpoints",
                    {"position": state.position, "state": state.to_blob()},
                    replace=True,
                )
        self._state = state
        self._write(db, state, touched)

    def _state_before(self, db: Database, first: int) -> RankingState:
        """The state just before `first`: the cache if it is exactly there, else rebuilt."""
        row = db.execute("SELECT MAX(position) FROM events WHERE position < ?", [first]).fetchone()
        expected = int(row[0] or 0)
        if self._state is not None and self._state.position == expected:
            return self._state
        return state_at(db, expected)

    def _write(self, db: Database, state: RankingState, editions: set[str]) -> None:
        """Rewrite the rows of the editions the batch touched (a vote touches none)."""
        for edition_id in sorted(editions):
            db.execute("DELETE FROM standings WHERE edition_id = ?", [edition_id])
            db.execute("DELETE FROM scores WHERE edition_id = ?", [edition_id])
            # One support computation serves the three tables and the scores rows.
            support = indicator_support(state, edition_id)
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
