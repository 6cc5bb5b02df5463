"""The read side's one-json.loads decoding gives exactly what eventsourcing's mapper gives."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime

import pytest

from cityledger.bootstrap import Runtime
from ledger.records import (
    EventRecord,
    decoded_record,
    from_notification,
    instant_of_stamp,
    instant_text,
    once,
    plain_record,
    plain_topic,
)

pytestmark = pytest.mark.both_backends


def test_every_event_decodes_the_same_as_through_the_mapper(world: Runtime) -> None:
    ledger = world.ledger
    notifications = ledger.recorder.select_notifications(start=1, limit=10_000)
    assert len(notifications) == ledger.head() > 100
    types = set()
    for n in notifications:
        fast, slow = from_notification(ledger.mapper, n), decoded_record(ledger.mapper, n)
        assert fast == slow
        assert list(fast.data) == list(slow.data)
        types.add(fast.type)
    assert {"ClaimSubmitted", "VoteCast", "RoundClosed", "WeightsAggregated"} <= types


def test_records_read_as_rows_equal_the_recorders_notifications_decoded(world: Runtime) -> None:
    ledger = world.ledger
    head = ledger.head()
    through_mapper = [
        decoded_record(ledger.mapper, n)
        for n in ledger.recorder.select_notifications(start=1, limit=head)
    ]
    read = [r for after in range(0, head, 97) for r in ledger.records(after=after, limit=97)]
    assert read == through_mapper
    assert [list(r.data) for r in read] == [list(r.data) for r in through_mapper]
    assert ledger.records(after=10, limit=50, upto=20) == through_mapper[10:20]


def test_a_records_instant_is_its_time_as_instant_text(world: Runtime) -> None:
    for record in world.ledger.records(after=0, limit=10_000):
        assert record.instant == instant_text(record.time)


def test_an_instant_read_from_the_stamp_matches_the_time_at_every_precision() -> None:
    read = {
        stamp: instant_of_stamp(stamp)
        for stamp in (
            "2023-05-01T09:30:00+00:00",
            "2023-05-01T09:30:00.000001+00:00",
            "0999-12-31T23:59:59.500000+00:00",
            "2023-05-01T09:30:00.5+00:00",
            "2023-05-01T17:30:00+08:00",
            # Other spellings fromisoformat reads: another separator, a week date, no seconds.
            "2023-05-01 09:30:00+00:00",
            "2023-05-01_09:30:00.000001+00:00",
            "2023-W18-1T09:30:00.000001+00:00",
            "2023-05-01T09:30.00+00:00",
        )
    }
    for stamp, instant in read.items():
        assert instant is None or instant == instant_text(datetime.fromisoformat(stamp))
    # The usual forms are read from the text; the others are left to instant_text.
    assert [s for s, i in read.items() if i is not None] == list(read)[:3]


def test_a_record_read_as_plain_json_says_so_as_its_stored_text_does(world: Runtime) -> None:
    for record in world.ledger.records(after=0, limit=10_000):
        assert record.plain == (plain_topic(record.topic) and record.stored.count('"_type_"') == 1)


def test_a_record_read_as_plain_json_holds_every_field_of_an_event_record(world: Runtime) -> None:
    # plain_record fills the record's __dict__ itself, past __init__: a field it left out
    # (one added with a default) would silently read as that default.
    own = {f.name for f in fields(EventRecord)}
    lazy = {name for name, value in vars(EventRecord).items() if isinstance(value, once)}
    read = [
        plain_record(n.id, str(n.originator_id), n.originator_version, n.topic, n.state)
        for n in world.ledger.recorder.select_notifications(start=1, limit=10_000)
    ]
    plain = [r for r in read if r is not None]
    assert len(plain) > 100
    for record in plain:
        held = set(vars(record))
        assert held - lazy == own, f"{record.type}: {sorted(held - lazy ^ own)}"
