"""EventRecord: a recorded event as plain data, the one thing the read side consumes."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, TypeVar, cast, overload
from uuid import UUID

import orjson
from eventsourcing.domain import CanMutateAggregate
from eventsourcing.persistence import Mapper, Notification
from eventsourcing.utils import resolve_topic

from ledger.chain import canonical, canonical_lines

# Attributes every event carries that are not its own data.
ENVELOPE = ("originator_id", "originator_version", "timestamp", "originator_topic")
#: What a plain stored state holds besides the event's own data.
_NOT_DATA = (*ENVELOPE, "class_version")
_ZERO = timedelta(0)


def instant_text(moment: datetime) -> str:
    """Fixed-width UTC text, so that string order is time order (years zero-padded)."""
    try:
        # Any zero-offset zone prints as +00:00: no conversion needed (the usual case).
        utc = moment if moment.utcoffset() == _ZERO else moment.astimezone(UTC)
    except OverflowError:
        # Within a day of year 1 or 9999: earlier or later than any event can be.
        return "0000-00-00T00:00:00.000000+00:00" if moment.year == 1 else "9999-99-99T99:99:99"
    # isoformat pads the year to four digits and, with microseconds, is fixed-width (without
    # the keyword, the cheaper call, when they are not zero).
    return utc.isoformat() if utc.microsecond else utc.isoformat(timespec="microseconds")


T = TypeVar("T")


class once(Generic[T]):
    """A value worked out on first reading and kept in the instance's __dict__, where a
    decoder may also put it: functools.cached_property without the lock it takes (3.11)."""

    def __init__(self, compute: Callable[[Any], T]) -> None:
        self.compute = compute
        self.name = compute.__name__
        self.__doc__ = compute.__doc__

    @overload
    def __get__(self, instance: None, owner: type) -> once[T]: ...

    @overload
    def __get__(self, instance: object, owner: type) -> T: ...

    def __get__(self, instance: object | None, owner: type) -> once[T] | T:
        if instance is None:
            return self
        value = instance.__dict__[self.name] = self.compute(instance)
        return value


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

    @once
    def instant(self) -> str:
        """The time as instant_text gives it (worked out once per record, by whoever asks
        first; a record decoded from a UTC stamp carries it from the decoding)."""
        return instant_text(self.time)

    @once
    def canonical(self) -> bytes:
        """The event's canonical encoding (ledger.chain.canonical), worked out once: both the
        hash chain and the Merkle leaf hash it."""
        return canonical(
            self.position, self.originator_id, self.originator_version, self.topic, self.stored
        )

    @once
    def plain(self) -> bool:
        """Whether the data is the stored JSON minus the envelope (no upcast class, no other
        transcoded value): what plain_record checks before it decodes a record that way."""
        return plain_topic(self.topic) and self.stored.count('"_type_"') == 1

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


def with_canonical(records: list[EventRecord]) -> None:
    """Work out the canonical bytes of many records in one encoding (chain.canonical_lines: a
    record's position, version, id, topic and stored text are exactly ints and strs)."""
    todo = [r for r in records if "canonical" not in r.__dict__]
    lines = canonical_lines(
        [(r.position, r.originator_id, r.originator_version, r.topic, r.stored) for r in todo]
    )
    for record, line in zip(todo, lines, strict=True):
        record.__dict__["canonical"] = line


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
    if not (stored_plainly(mapper, state) and plain_topic(topic)):
        return None
    return read_plain(state)


def stored_plainly(mapper: Mapper[Any], state: bytes) -> bool:
    """Whether a stored state is bare JSON (no cipher, no compressor) with exactly one
    transcoded value, which only the envelope's timestamp can be."""
    return bare(mapper) and state.count(b'"_type_"') == 1


def bare(mapper: Mapper[Any]) -> bool:
    """Whether the mapper stores states as bare JSON (no cipher, no compressor)."""
    return mapper.cipher is None and mapper.compressor is None


def _stamp(attrs: Any) -> Any:
    """The text of a stored state's envelope timestamp, as the transcoder writes it (None:
    not a JSON object with a datetime_iso timestamp)."""
    stamp = attrs.get("timestamp") if type(attrs) is dict else None
    if type(stamp) is not dict or stamp.get("_type_") != "datetime_iso":
        return None
    return stamp["_data_"]


def read_plain(state: bytes) -> dict[str, Any] | None:
    """plain_state's reading of a state already known to be plain JSON of a plain topic with
    one transcoded value (verify's fast walk calls it with those checks made once per topic)."""
    attrs = loads(state)
    text = _stamp(attrs)
    if text is None:
        return None
    attrs["timestamp"] = datetime.fromisoformat(text)
    attrs.pop("class_version", None)
    return cast(dict[str, Any], attrs)


def from_notification(mapper: Mapper[Any], notification: Notification) -> EventRecord:
    """Decode a stored notification into an EventRecord (as records_from does a stored row)."""
    (record,) = records_from(
        mapper,
        [
            (
                int(notification.id),
                str(notification.originator_id),
                int(notification.originator_version),
                notification.topic,
                bytes(notification.state),
            )
        ],
    )
    return record


#: A stored event as the read side reads it: position, originator id as UUID text, version,
#: topic, state.
StoredRow = tuple[int, str, int, str, bytes]


def records_from(mapper: Mapper[Any], rows: Iterable[StoredRow]) -> list[EventRecord]:
    """Decode stored events into EventRecords, in order: with one orjson reading each where
    that gives what the mapper would (plain JSON of a plain topic whose one transcoded value is
    its timestamp), else through the mapper."""
    plainly = bare(mapper)
    records = []
    for position, originator_id, version, topic, state in rows:
        record = plain_record(position, originator_id, version, topic, state) if plainly else None
        if record is None:
            record = decoded_record(
                mapper,
                Notification(
                    id=position,
                    originator_id=UUID(originator_id),
                    originator_version=version,
                    topic=topic,
                    state=state,
                ),
            )
        records.append(record)
    return records


@functools.lru_cache(maxsize=512)
def topic_reading(topic: str) -> tuple[str, bool]:
    """A topic's event type name, and whether its events decode as their stored JSON."""
    return type_name(topic), plain_topic(topic)


#: A stored UTC stamp as `datetime.isoformat` writes it, without and with microseconds.
_STAMP, _STAMP_MICROS = len("2023-01-01T00:00:00+00:00"), len("2023-01-01T00:00:00.000000+00:00")


def instant_of_stamp(text: str) -> str | None:
    """instant_text of a stored stamp read straight from its text (None: not the usual form)."""
    # The separators at 4, 7, 10, 13 and 16 (one slice): fromisoformat also reads a date and
    # time apart by any one character, week dates ("2023-W18-1") and a time without seconds
    # ("09:30.00"), which are not instant_text's spelling, so they are left to it.
    if text.endswith("+00:00") and text[4:17:3] == "--T::":
        if len(text) == _STAMP_MICROS and text[19] == ".":
            return text
        if len(text) == _STAMP:
            return f"{text[:19]}.000000+00:00"
    return None


_new = object.__new__
_set = object.__setattr__


def plain_record(
    position: int, originator_id: str, version: int, topic: str, state: bytes
) -> EventRecord | None:
    """The record from one orjson reading of a state stored as bare JSON, when that is what
    the mapper would give (plain_state's conditions); else None."""
    kind, plain = topic_reading(topic)
    if not plain or state.count(b'"_type_"') != 1:
        return None
    data = loads(state)
    text = _stamp(data)
    if text is None:
        return None
    for key in _NOT_DATA:
        data.pop(key, None)
    fields = {
        "position": position, "type": kind, "originator_id": originator_id,
        "originator_version": version, "time": datetime.fromisoformat(text), "data": data,
        "topic": topic, "stored": state.decode("utf-8"),
        # What this reading has just established, kept where the lazy attributes keep theirs.
        "plain": True,
    }  # fmt: skip
    return _record(fields, text if type(text) is str else None)


def unread_record(
    position: int,
    kind: str,
    originator_id: str,
    version: int,
    topic: str,
    stored: str,
    stamp: str,
    time: datetime,
) -> EventRecord:
    """The record of an event whose data its reader never reads (left empty), from its type
    name, stored text, and timestamp as text and as read, already checked as plain_record
    checks them (verify's fast walk, for the types its replay reads no data of)."""
    fields = {
        "position": position, "type": kind, "originator_id": originator_id,
        "originator_version": version, "time": time, "data": {},
        "topic": topic, "stored": stored, "plain": False,
    }  # fmt: skip
    return _record(fields, stamp)


def _record(fields: dict[str, Any], stamp: str | None) -> EventRecord:
    """The record of these fields, with the instant its stamp spells where it is the usual
    form. The frozen dataclass's __init__ sets each field through object.__setattr__; one dict
    holding the same fields is built in a third of the time (a record per event adds up)."""
    instant = None if stamp is None else instant_of_stamp(stamp)
    if instant is not None:
        fields["instant"] = instant
    record = _new(EventRecord)
    _set(record, "__dict__", fields)
    return record


def plain_data(attrs: Mapping[str, Any]) -> dict[str, Any]:
    """A decoded event's own data (no envelope) made plain (lists, dicts, str, int, None) by a
    JSON round trip: what the read side gets of an event the mapper had to decode."""
    data = {k: v for k, v in attrs.items() if k not in ENVELOPE}
    try:
        return dict(json.loads(json.dumps(data, default=str)))
    except RecursionError:  # nested deeper than json's recursion: as read (orjson read it)
        return data


def decoded_record(mapper: Mapper[Any], notification: Notification) -> EventRecord:
    """Decode through the mapper (domain event object, then plain data)."""
    event = mapper.to_domain_event(notification)
    attrs = dict(event.__dict__)
    plain = plain_data(attrs)
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
