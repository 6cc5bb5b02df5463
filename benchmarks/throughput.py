"""Write and verify throughput: imports in batches against one command per transaction, and
verify against a bare scan + canonical encoding + SHA-256 chain of the same rows."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator

from benchmarks.core import Bench, Figure, best_rate, reference_commands
from cityledger import importer
from cityledger.bootstrap import open_runtime
from cityledger.importer import parse
from ledger.chain import GENESIS, canonical, link_canonical
from ledger.integrity import verify_log
from projections.replaycheck import verify_read_side

#: Reference lines imported by the write benchmark (the one-by-one path is slow).
IMPORT_LINES = 3000


def import_rate(bench: Bench, name: str, batched: bool) -> float:
    """Commands/s importing the first IMPORT_LINES reference commands into a fresh ledger."""
    commands = parse(reference_commands()[:IMPORT_LINES])
    rt = open_runtime(bench.tmp / f"{name}.sqlite")
    try:
        start = time.perf_counter()
        if batched:
            importer.run(rt.ledger, commands)
        else:
            for command in commands:
                importer.run_one(rt.ledger, command)
        return len(commands) / (time.perf_counter() - start)
    finally:
        rt.close()


def chain_limit(path: str) -> int:
    """Scan the stored events, encode each canonically and chain SHA-256: verify's floor."""
    conn = sqlite3.connect(path)
    previous, count = GENESIS, 0
    rows = conn.execute(
        "SELECT rowid, originator_id, originator_version, topic, state FROM stored_events "
        "ORDER BY rowid"
    )
    for position, oid, version, topic, state in rows:
        data = canonical(int(position), str(oid), int(version), str(topic), state.decode("utf-8"))
        previous = link_canonical(previous, data)
        count += 1
    conn.close()
    return count


def run(bench: Bench) -> Iterator[Figure]:
    """Import and verify figures."""
    singly = import_rate(bench, "import-singly", batched=False)
    batched = import_rate(bench, "import-batched", batched=True)
    yield Figure(
        f"import {IMPORT_LINES} reference commands in batches",
        batched,
        "commands/s",
        limit=singly,
        limit_name="one command per transaction",
        target=5.0,
    )
    path = bench.copy_of_reference("verify")
    rt = open_runtime(path)
    try:
        head = rt.ledger.head()
        limit = best_rate(lambda: chain_limit(str(path)))
        rate = best_rate(lambda: (verify_log(rt.ledger, rt.db.conn), head)[1])
        # What `cityledger verify` runs: the above plus the read models against a replay.
        full = best_rate(lambda: (verify_read_side(rt.ledger, rt.db.conn), head)[1])
        limit = max(limit, best_rate(lambda: chain_limit(str(path))))
    finally:
        rt.close()
    yield Figure(
        "verify the log (chain, witnesses, decoding, publications)",
        rate,
        "events/s",
        limit=limit,
        limit_name="scan + canonical + SHA-256",
        target=0.7,
    )
    yield Figure(
        "cityledger verify (also the read models and published tables)",
        full,
        "events/s",
        limit=limit,
        limit_name="scan + canonical + SHA-256",
        target=0.7,
    )
