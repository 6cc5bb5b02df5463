"""A forced rebuild over events whose data the read models cannot read names them in one line
and leaves the read models as they were."""

from __future__ import annotations

from pathlib import Path

import pytest

from cityledger.bootstrap import Runtime
from projections.follower import default_models
from tests.support.rows import table_rows
from tests.trust.trust_world import UNREPLAYABLE, Cli, raw


@pytest.mark.parametrize("change", list(UNREPLAYABLE))
def test_a_forced_rebuild_over_an_unreadable_event_names_it_and_writes_nothing(
    change: str, world: Runtime, world_db: Path, cli: Cli
) -> None:
    position, old, new = UNREPLAYABLE[change]
    tables = [t for m in default_models() for t in m.tables]
    with raw(world_db) as conn:
        (state,) = conn.execute(
            "SELECT state FROM stored_events WHERE rowid = ?", [position]
        ).fetchone()
        conn.execute(
            "UPDATE stored_events SET state = ? WHERE rowid = ?",
            [bytes(state).replace(old, new, 1), position],
        )
        before = table_rows(world.db, tables)

    forced = cli(world_db, "rebuild", "--force")

    assert forced.returncode == 2, forced.stdout + forced.stderr
    (line,) = forced.stderr.strip().splitlines()
    assert line.startswith("cityledger: UNFOLDABLE_EVENTS: read model "), line
    assert f"cannot apply the events at positions 1-{world.ledger.head()}: " in line
    assert "`cityledger verify` names the event" in line
    assert table_rows(world.db, tables) == before
