"""Events stored by an earlier release, before a field was added, still decode and project."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from cityledger.bootstrap import Runtime, open_runtime
from projections.queries import publications
from tests.support.builders import EDITION


def strip_field(path: Path, topic_suffix: str, field: str) -> None:
    """Rewrite stored events of one type as an earlier release stored them (without a field)."""
    with sqlite3.connect(path) as conn:
        rows = conn.execute(
            "SELECT rowid, state FROM stored_events WHERE topic LIKE ?", [f"%{topic_suffix}"]
        ).fetchall()
        for rowid, state in rows:
            data = json.loads(state)
            del data[field]
            compact = json.dumps(data, separators=(",", ":")).encode()
            conn.execute("UPDATE stored_events SET state = ? WHERE rowid = ?", [compact, rowid])


def test_a_publication_recorded_before_tree_heads_decodes_with_none(
    world: Runtime, tmp_path: Path
) -> None:
    world.ledger.publish(EDITION)
    world.close()
    path = tmp_path / "ledger.sqlite"
    strip_field(path, "Edition.RankingPublished", "tree_head")
    rt = open_runtime(path)
    try:
        rt.follower.rebuild()
        (publication,) = publications(rt.db, EDITION)
        assert publication.tree_head is None
        assert publication.digest == rt.ledger.digest_at(publication.position)
    finally:
        rt.close()


def test_a_receipt_recorded_before_fingerprints_still_answers_its_retry(
    runtime: Runtime, tmp_path: Path
) -> None:
    runtime.ledger.register_city("hue", "Hue", "顺化", "VN", idempotency_key="k1")
    runtime.close()
    path = tmp_path / "ledger.sqlite"
    strip_field(path, "Receipt.ReceiptIssued", "fingerprint")
    rt = open_runtime(path)
    try:
        head = rt.ledger.head()
        assert rt.ledger.register_city("hue", "Hue", "顺化", "VN", idempotency_key="k1") == "hue"
        assert rt.ledger.head() == head
    finally:
        rt.close()
