"""The benchmark's rebuild ceiling writes back exactly the rows a rebuild wrote."""

from __future__ import annotations

from benchmarks.rebuild_ceiling import RowsWritten, ceiling
from cityledger.bootstrap import Runtime
from projections.follower import default_models
from tests.support.rows import table_rows


def test_rebuild_ceiling_rewrites_the_rebuilt_rows_and_indexes(world: Runtime) -> None:
    world.follower.rebuild()
    views = {n for (n,) in world.db.execute("SELECT name FROM sqlite_master WHERE type = 'view'")}
    tables = [t for m in default_models() for t in m.tables if t not in views]
    before = table_rows(world.db, tables)
    schema = world.db.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()
    written = RowsWritten(world)
    assert written.rows() == sum(len(rows) for rows in before.values()) > 100
    assert any("idx_events_type" in statement for statement in written.indexes)

    assert ceiling(world)() == world.ledger.head()

    assert table_rows(world.db, tables) == before
    assert (
        world.db.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()
        == schema
    )
    assert world.follower.position() == world.ledger.head()
