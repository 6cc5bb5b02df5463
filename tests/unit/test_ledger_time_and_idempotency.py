"""Historical times (`at`) and idempotency keys at the application level."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any

import pytest

from ledger.application import Ledger
from ledger.city import City
from ledger.errors import BackdatedEvent, BallotInvalid, InvalidInput
from ledger.framework import Framework

pytestmark = pytest.mark.both_backends

T0 = datetime(2023, 6, 1, 9, 30, 0, 123456, tzinfo=UTC)


def test_at_is_kept_as_the_record_time_and_the_aggregate_time(
    empty_ledger: Ledger, pillars: list[dict[str, Any]], indicators: list[dict[str, Any]]
) -> None:
    beijing = timezone(timedelta(hours=8))
    t1 = T0 + timedelta(days=1)
    t2 = datetime(2023, 6, 3, 8, 0, tzinfo=beijing)

    empty_ledger.register_city("a", "A", "甲", "CN", at=T0)
    empty_ledger.define_framework("asc", "T", pillars, indicators, at=t1)
    empty_ledger.revise_framework("asc", pillars, indicators, "v2", at=t2)

    records = empty_ledger.records()
    assert [r.time for r in records] == [T0, t1, t2]
    assert records[2].time.utcoffset() == timedelta(hours=8)
    assert empty_ledger.head_time() == t2
    city: City = empty_ledger.repository.get(City.key("a"))
    assert (city.created_on, city.modified_on) == (T0, T0)
    framework: Framework = empty_ledger.repository.get(Framework.key("asc"))
    assert (framework.created_on, framework.modified_on) == (t1, t2)


def test_at_equal_to_the_head_time_is_accepted(empty_ledger: Ledger) -> None:
    empty_ledger.register_city("a", "A", "甲", "CN", at=T0)

    empty_ledger.register_city("b", "B", "乙", "CN", at=T0)

    assert [r.time for r in empty_ledger.records()] == [T0, T0]


def test_at_earlier_than_the_head_is_refused_as_backdated(empty_ledger: Ledger) -> None:
    empty_ledger.register_city("a", "A", "甲", "CN", at=T0)

    with pytest.raises(BackdatedEvent) as info:
        empty_ledger.register_city("b", "B", "乙", "CN", at=T0 - timedelta(microseconds=1))

    assert empty_ledger.head() == 1
    assert T0.isoformat() in info.value.message


def test_at_even_a_little_ahead_of_the_clock_is_refused(empty_ledger: Ledger) -> None:
    soon = datetime.now(UTC) + timedelta(minutes=1)

    with pytest.raises(InvalidInput, match="future"):
        empty_ledger.register_city("a", "A", "甲", "CN", at=soon)

    assert empty_ledger.head() == 0


def test_at_in_the_future_is_refused(empty_ledger: Ledger) -> None:
    with pytest.raises(InvalidInput) as info:
        empty_ledger.register_city("a", "A", "甲", "CN", at=datetime.now(UTC) + timedelta(days=1))

    assert info.value.field == "at"
    assert "future" in info.value.message
    assert empty_ledger.head() == 0


def test_a_naive_at_is_refused(empty_ledger: Ledger) -> None:
    with pytest.raises(InvalidInput) as info:
        empty_ledger.register_city("a", "A", "甲", "CN", at=datetime(2023, 6, 1, 9, 30))

    assert info.value.field == "at"
    assert empty_ledger.head() == 0


def test_without_at_the_record_time_is_now(empty_ledger: Ledger) -> None:
    before = datetime.now(UTC)

    empty_ledger.register_city("a", "A", "甲", "CN")

    recorded = empty_ledger.head_time()
    assert recorded is not None
    assert before <= recorded <= datetime.now(UTC)


# ---- idempotency ------------------------------------------------------------------------


def test_the_same_key_twice_records_once_and_returns_the_same_result(ledger: Ledger) -> None:
    args: dict[str, Any] = {
        "edition_id": "asia-2023",
        "city_id": "taizhou-zj",
        "indicator_id": "broadband",
        "rung": 3,
        "sources": [
            {"url": "https://x.cn", "title": "t", "language": "zh", "date": "2023-01-01",
             "excerpt": "e"}
        ],
        "submitted_by": "researcher",
    }  # fmt: skip
    head = ledger.head()

    first = ledger.submit_claim(**args, idempotency_key="submit-1")
    after_first = ledger.head()
    second = ledger.submit_claim(**args, idempotency_key="submit-1")

    assert second == first
    assert after_first == head + 2
    assert ledger.head() == after_first
    assert [r.type for r in ledger.records(after=head)] == ["ClaimSubmitted", "ReceiptIssued"]
    assert [r.data["result"] for r in ledger.records(after=head + 1)] == [f'"{first}"']


def test_a_key_reused_with_other_arguments_is_refused(ledger: Ledger) -> None:
    assert ledger.change_quorum("asia-2023", 3, idempotency_key="q") == 3
    head = ledger.head()

    with pytest.raises(InvalidInput, match="already used for a different request") as info:
        ledger.change_quorum("asia-2023", 5, idempotency_key="q")

    assert info.value.value == "q"
    assert ledger.head() == head
    assert ledger.change_quorum("asia-2023", 3, idempotency_key="q") == 3


def test_a_keyed_publish_returns_the_same_publication(ledger: Ledger) -> None:
    first = ledger.publish("asia-2023", idempotency_key="pub-1")
    head = ledger.head()

    assert ledger.publish("asia-2023", idempotency_key="pub-1") == first
    assert ledger.head() == head
    assert first["publication_no"] == 1


def test_the_same_key_for_another_command_is_refused(ledger: Ledger) -> None:
    ledger.change_quorum("asia-2023", 3, idempotency_key="k-1")
    head = ledger.head()

    with pytest.raises(InvalidInput) as info:
        ledger.enrol_verifier("v-new", ["en"], idempotency_key="k-1")

    assert info.value.value == "k-1"
    assert "change_quorum" in info.value.message
    assert ledger.head() == head


def test_a_refused_keyed_command_leaves_the_key_unused(ledger: Ledger) -> None:
    ledger.enrol_panelist("asc-weights", "p1", "public-administration")
    head = ledger.head()

    with pytest.raises(BallotInvalid):
        ledger.cast_ballot("asc-weights", "p1", {"broadband": 99}, idempotency_key="b-1")
    assert ledger.head() == head

    ledger.cast_ballot("asc-weights", "p1", {"broadband": 100}, idempotency_key="b-1")
    assert [r.type for r in ledger.records(after=head)] == ["BallotCast", "ReceiptIssued"]


def test_a_keyed_import_keeps_its_time_on_the_receipt_too(empty_ledger: Ledger) -> None:
    empty_ledger.register_city("a", "A", "甲", "CN", at=T0, idempotency_key="city-a")

    assert empty_ledger.register_city("a", "A", "甲", "CN", at=T0, idempotency_key="city-a") == "a"
    assert [(r.type, r.time) for r in empty_ledger.records()] == [
        ("CityRegistered", T0),
        ("ReceiptIssued", T0),
    ]


def test_a_keyed_retry_after_later_events_returns_the_recorded_result(
    empty_ledger: Ledger,
) -> None:
    empty_ledger.register_city("a", "A", "甲", "CN", at=T0, idempotency_key="city-a")
    empty_ledger.register_city("b", "B", "乙", "CN", at=T0 + timedelta(hours=1))

    assert empty_ledger.register_city("a", "A", "甲", "CN", at=T0, idempotency_key="city-a") == "a"


def test_record_times_never_go_backwards(
    empty_ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty_ledger.register_city("a", "A", "甲", "CN")
    first = empty_ledger.head_time()
    assert first is not None

    # The host clock jumps back an hour: the next event still takes the head's time.
    class SlowClock(datetime):
        @classmethod
        def now(cls, tz: tzinfo | None = None) -> datetime:  # type: ignore[override]
            return datetime.fromtimestamp(time.time() - 3600, UTC)

    monkeypatch.setattr("ledger.usecases.base.datetime", SlowClock)
    empty_ledger.register_city("b", "B", "乙", "CN")

    times = [r.time for r in empty_ledger.records()]
    assert times == sorted(times)
    assert times[-1] == first
