"""Deterministic aggregate ids: one UUID per (kind, human id), so ids never collide across kinds."""

from __future__ import annotations

import re
from uuid import UUID, uuid5

NAMESPACE = UUID("6f1c2a3e-8d1b-4c5e-9a7f-2b3c4d5e6f70")


def aggregate_id(kind: str, key: str) -> UUID:
    """The UUID of the aggregate of this kind named by key."""
    return uuid5(NAMESPACE, f"{kind}:{key}")


#: A stored originator id as eventsourcing writes it (UUID.hex).
_HEX32 = re.compile("[0-9a-f]{32}")


def hex_uuid_text(raw: object) -> str | None:
    """The canonical UUID text (str(UUID)) of an id stored as 32 lower-case hex digits, without
    building the UUID; None for anything else."""
    if type(raw) is not str or not _HEX32.fullmatch(raw):
        return None
    return f"{raw[:8]}-{raw[8:12]}-{raw[12:16]}-{raw[16:20]}-{raw[20:]}"
