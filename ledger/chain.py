"""The hash chain over the log: each link hashes the stored event and the link before it."""

from __future__ import annotations

import hashlib
import json

GENESIS = "0" * 64


def canonical(position: int, originator_id: str, version: int, topic: str, stored: str) -> bytes:
    """The canonical encoding of one stored event (UTF-8 JSON array, no spaces)."""
    return json.dumps(
        [position, originator_id, version, topic, stored], ensure_ascii=False, separators=(",", ":")
    ).encode("utf-8")


def link(
    previous: str, position: int, originator_id: str, version: int, topic: str, stored: str
) -> str:
    """The chain hash at a position, from the previous hash and the event stored there."""
    return link_canonical(previous, canonical(position, originator_id, version, topic, stored))


def link_canonical(previous: str, data: bytes) -> str:
    """The chain hash from the previous hash and an event's canonical bytes."""
    digest = hashlib.sha256()
    digest.update(previous.encode("ascii"))
    digest.update(b"\n")
    digest.update(data)
    return digest.hexdigest()
