"""The read side's one-json.loads decoding gives exactly what eventsourcing's mapper gives."""

from __future__ import annotations

import pytest

from cityledger.bootstrap import Runtime
from ledger.records import decoded_record, from_notification

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
