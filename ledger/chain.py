"""The hash chain over the log: each link hashes the stored event and the link before it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from json.encoder import encode_basestring

import msgspec

GENESIS = "0" * 64

#: The canonical encoder for values other than exact ints and strs (json.dumps's settings).
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def canonical(position: int, originator_id: str, version: int, topic: str, stored: str) -> bytes:
    """The canonical encoding of one stored event (UTF-8 JSON array, no spaces)."""
    if (
        type(position) is int
        and type(version) is int
        and type(originator_id) is str
        and type(topic) is str
        and type(stored) is str
    ):
        # Exactly what json.dumps writes for these types, without building an encoder per call.
        return (
            f"[{position},{encode_basestring(originator_id)},{version},"
            f"{encode_basestring(topic)},{encode_basestring(stored)}]"
        ).encode()
    return _ENCODER.encode([position, originator_id, version, topic, stored]).encode("utf-8")


#: One JSON array per call (msgspec writes exactly json.dumps's compact, non-ASCII bytes for
#: ints and strs: tested against canonical).
_ARRAY = msgspec.json.Encoder().encode


def canonical_lines(events: Iterable[tuple[int, str, int, str, str]]) -> list[bytes]:
    """canonical() of many stored events at once, for values of exactly those types (an
    encoding each, mapped in C: one encoding of them all as JSON lines, split back into
    theirs, copies every byte once more and ran slower)."""
    return list(map(_ARRAY, events))


def link(
    previous: str, position: int, originator_id: str, version: int, topic: str, stored: str
) -> str:
    """The chain hash at a position, from the previous hash and the event stored there."""
    return link_canonical(previous, canonical(position, originator_id, version, topic, stored))


def link_canonical(previous: str, data: bytes) -> str:
    """The chain hash from the previous hash and an event's canonical bytes."""
    return hashlib.sha256(previous.encode("ascii") + b"\n" + data).hexdigest()
