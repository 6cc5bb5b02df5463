"""Deterministic aggregate ids: one UUID per (kind, human id), so ids never collide across kinds."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import cast
from uuid import UUID, uuid5

NAMESPACE = UUID("6f1c2a3e-8d1b-4c5e-9a7f-2b3c4d5e6f70")


def aggregate_id(kind: str, key: str) -> UUID:
    """The UUID of the aggregate of this kind named by key."""
    return uuid5(NAMESPACE, f"{kind}:{key}")


#: Stored originator ids as eventsourcing writes them (UUID.hex), run together.
_HEX = re.compile("[0-9a-f]*")


def hex_uuid_texts(raws: Sequence[object]) -> list[str] | None:
    """The canonical UUID text (str(UUID)) of each id stored as 32 lower-case hex digits, in
    one pass and without building UUIDs; None unless every one is."""
    if set(map(type, raws)) - {str} or set(map(len, raws)) - {32}:  # type: ignore[arg-type]
        return None
    texts = cast(Sequence[str], raws)
    if not _HEX.fullmatch("".join(texts)):
        return None
    return [f"{r[:8]}-{r[8:12]}-{r[12:16]}-{r[16:20]}-{r[20:]}" for r in texts]


def hex_uuid_text(raw: object) -> str | None:
    """hex_uuid_text of one stored id (None: not 32 lower-case hex digits)."""
    texts = hex_uuid_texts([raw])
    return None if texts is None else texts[0]
