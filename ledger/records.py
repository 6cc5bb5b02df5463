"""EventRecord: a recorded event as plain data, the one thing the read side consumes."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import orjson
from eventsourcing.domain import CanMutateAggregate
from eventsourcing.persistence import Mapper, Notification
from eventsourcing.utils import resolve_topic

# Attributes every event carries that are not its own data.
ENVELOPE = ("originator_id", "originator_version", "timestamp", "originator_topic")


@dataclass(frozen=True)
class EventRecord:
    """One event at its ledger position, with its type name, time and data."""

    position: int
    type: str
    originator_id: str
    originator_version: int
    time: datetime
    data: dict[str, Any]
    topic: str
    stored: str

    def to_json(self) -> dict[str, Any]:
        """The record as JSON-ready data, as `cityledger events` prints it."""
        return {
            "position": self.position,
            "type": self.type,
            "time": self.time.isoformat(),
            "originator_id": self.originator_id,
            "originator_version": self.originator_version,
            "topic": self.topic,
            "data": self.data,
            "stored": self.stored,
        }

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> EventRecord:
        """Rebuild a record from to_json() output."""
        return cls(
            position=int(obj["position"]),
            type=str(obj["type"]),
            originator_id=str(obj["originator_id"]),
            originator_version=int(obj["originator_version"]),
            time=datetime.fromisoformat(obj["time"]),
            data=dict(obj["data"]),
            topic=str(obj["topic"]),
            stored=str(obj["stored"]),
        )


def events_of(*aggregates: type) -> frozenset[str]:
    """The type names of the events the given aggregate classes record."""
    return frozenset(
        name
        for aggregate in aggregates
        for name, value in vars(aggregate).items()
        if isinstance(value, type)
        and issubclass(value, CanMutateAggregate)
        and name not in ("Event", "Created")
    )


def type_name(topic: str) -> str:
    """The event's class name from its topic ('ledger.claim:Claim.VoteCast' → 'VoteCast')."""
    return topic.rsplit(":", 1)[-1].rsplit(".", 1)[-1]


@functools.lru_cache(maxsize=512)
def plain_topic(topic: str) -> bool:
    """Whether events of this topic decode as their stored JSON (no upcasting)."""
    return getattr(resolve_topic(topic), "class_version", 1) == 1


def loads(state: bytes) -> Any:
    """json.loads, read by orjson where it can: orjson refuses (and json.loads then reads) the
    texts on which the two could differ (NaN, integers past 64 bits, lone surrogates)."""
    try:
        return orjson.loads(state)
    except orjson.JSONDecodeError:
        return json.loads(state)


def plain_state(mapper: Mapper[Any], state: bytes, topic: str) -> dict[str, Any] | None:
    """A stored state's attributes read with one json.loads, timestamp decoded, when that is
    what the mapper would give: plain JSON whose only transcoded value is the envelope's
    timestamp. None when it must go through the mapper (another transcoded type, an upcast
    class, a cipher or compressor)."""
    if (
        mapper.cipher is not None
        or mapper.compressor is not None
        or state.count(b'"_type_"') != 1
        or not plain_topic(topic)
    ):
        return None
    return read_plain(state)


def read_plain(state: bytes) -> dict[str, Any] | None:
    """plain_state's reading of a state already known to be plain JSON of a plain topic with
    one transcoded value (verify's fast walk calls it with those checks made once per topic)."""
    attrs = loads(state)
    stamp = attrs.get("timestamp") if isinstance(attrs, dict) else None
    if not isinstance(stamp, dict) or stamp.get("_type_") != "datetime_iso":
        return None
    attrs["timestamp"] = datetime.fromisoformat(stamp["_data_"])
    attrs.pop("class_version", None)
    return cast(dict[str, Any], attrs)


def from_notification(mapper: Mapper[Any], notification: Notification) -> EventRecord:
    """Decode a stored notification into an EventRecord (plain_state's one json.loads when
    it can, so the data is already plain; else the mapper)."""
    state = bytes(notification.state)
    data = plain_state(mapper, state, notification.topic)
    if data is None:
        return decoded_record(mapper, notification)
    time = data["timestamp"]
    for key in ENVELOPE:
        data.pop(key, None)
    return EventRecord(
        position=int(notification.id),
        type=type_name(notification.topic),
        originator_id=str(notification.originator_id),
        originator_version=int(notification.originator_version),
        time=time,
        data=data,
        topic=notification.topic,
        stored=state.decode("utf-8"),
    )


def decoded_record(mapper: Mapper[Any], notification: Notification) -> EventRecord:
    """Decode through the mapper (domain event object, then plain data)."""
    event = mapper.to_domain_event(notification)
    attrs = dict(event.__dict__)
    data = {k: v for k, v in attrs.items() if k not in ENVELOPE}
    # Round-trip through JSON so that the data is plain (lists, dicts, str, int, None).
    plain = json.loads(json.dumps(data, default=str))
    return EventRecord(
        position=int(notification.id),
        type=type_name(notification.topic),
        originator_id=str(notification.originator_id),
        originator_version=int(notification.originator_version),
        time=attrs["timestamp"],
        data=plain,
        topic=notification.topic,
        stored=bytes(notification.state).decode("utf-8"),
    )
