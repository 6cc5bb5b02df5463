"""An auditor's stdlib-only recomputation from the event export agrees with the engine."""

from __future__ import annotations

import json

from audit.recompute import recompute
from cityledger.bootstrap import Runtime
from projections.ranking import TABLES
from projections.rankings import rankings
from tests.support.builders import EDITION, verified_claim


def test_recomputing_from_the_export_gives_the_same_tables_at_every_position(
    world: Runtime,
) -> None:
    claim = verified_claim(world.ledger, "taizhou-js", "T1", 4)
    world.ledger.withdraw_claim(claim, "mistake", "R1")
    world.catch_up()
    export = [json.dumps(r.to_json()) for r in world.ledger.records(limit=10_000)]
    first_edition = next(i for i, line in enumerate(export, 1) if "EditionCreated" in line)
    for position in range(first_edition, len(export) + 1, 3):
        for table in TABLES:
            engine = rankings(world.db, EDITION, table, as_of=position)
            expected = sorted(
                ([r.city_id, str(r.score), r.rank, r.band] for r in engine.rows),
                key=lambda r: (r[2], r[0]),
            )
            assert recompute(export, EDITION, table, position) == expected
