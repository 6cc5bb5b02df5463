"""Digests of published tables: the band of every city, canonically encoded."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable


def table_digest(bands: Iterable[tuple[str, str]]) -> str:
    """SHA-256 (hex) of the UTF-8 JSON array [[city_id, band], …] sorted by city id, no spaces.

    What anonymous readers are shown of a published table is exactly its bands, so this is
    what a publication commits to (audit/recompute.py --digest computes the same).
    """
    rows = sorted([str(city), str(band)] for city, band in bands)
    text = json.dumps(rows, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
