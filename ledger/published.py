"""Digests of published tables: the band of every city, canonically encoded."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol

from ledger.records import EventRecord


def table_digest(bands: Iterable[tuple[str, str]]) -> str:
    """SHA-256 (hex) of the UTF-8 JSON array [[city_id, band], …] sorted by city id, no spaces.

    What anonymous readers are shown of a published table is exactly its bands, so this is
    what a publication commits to (audit/recompute.py --digest computes the same).
    """
    rows = sorted([str(city), str(band)] for city, band in bands)
    text = json.dumps(rows, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Tabulation(Protocol):
    """Folds the log and tabulates an edition's tables: the read side's ranking engine, handed
    to the Ledger by the wiring (the write side imports no read model)."""

    def apply(self, record: EventRecord) -> None:
        """Fold in the next event of the log."""
        ...

    def table_digests(self, edition_id: str, tables: Sequence[str]) -> dict[str, str]:
        """table_digest of each table as folded so far (NoWeightsInForce before weights)."""
        ...


#: Makes a fresh Tabulation for each publication.
Tabulator = Callable[[], Tabulation]
