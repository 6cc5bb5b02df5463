"""Deterministic aggregate ids: one UUID per (kind, human id), so ids never collide across kinds."""

from __future__ import annotations

from uuid import UUID, uuid5

NAMESPACE = UUID("6f1c2a3e-8d1b-4c5e-9a7f-2b3c4d5e6f70")


def aggregate_id(kind: str, key: str) -> UUID:
    """The UUID of the aggregate of this kind named by key."""
    return uuid5(NAMESPACE, f"{kind}:{key}")
