"""The hash chain: digest_at(n) is the chain of ledger.chain.link over the first n records."""

from __future__ import annotations

from typing import Any

from ledger.application import Ledger
from ledger.chain import GENESIS, link
from ledger.records import EventRecord, type_name


def hand_chain(records: list[EventRecord]) -> list[str]:
    """Digests after 0, 1, … n records, computed from the records alone."""
    digests = [GENESIS]
    for r in records:
        digests.append(
            link(digests[-1], r.position, r.originator_id, r.originator_version, r.topic, r.stored)
        )
    return digests


def grow(ledger: Ledger, zh_source: dict[str, Any]) -> None:
    ledger.submit_claim("asia-2023", "taizhou-zj", "broadband", 2, [zh_source], "r", "c1")
    ledger.open_round("c1")
    ledger.cast_vote("c1", "v-zh", "accept", "好")
    ledger.publish("asia-2023")


def test_digest_at_every_position_equals_the_chain_computed_by_hand(
    ledger: Ledger, zh_source: dict[str, Any]
) -> None:
    grow(ledger, zh_source)
    records = ledger.records()

    expected = hand_chain(records)

    assert [r.position for r in records] == list(range(1, ledger.head() + 1))
    assert [ledger.digest_at(n) for n in range(ledger.head() + 1)] == expected


def test_digest_of_the_empty_prefix_is_genesis_and_past_the_head_is_the_head(
    ledger: Ledger,
) -> None:
    assert ledger.digest_at(0) == GENESIS
    assert ledger.digest_at(ledger.head() + 10) == ledger.digest_at(ledger.head())


def test_recorded_digests_do_not_change_when_the_log_grows(
    ledger: Ledger, zh_source: dict[str, Any]
) -> None:
    head = ledger.head()
    before = [ledger.digest_at(n) for n in range(head + 1)]

    grow(ledger, zh_source)

    assert [ledger.digest_at(n) for n in range(head + 1)] == before
    assert ledger.digest_at(ledger.head()) != before[-1]


def test_a_published_digest_is_the_chain_up_to_its_position(
    ledger: Ledger, zh_source: dict[str, Any]
) -> None:
    grow(ledger, zh_source)
    records = ledger.records()
    published = records[-1]

    assert published.type == "RankingPublished"
    assert published.data["digest"] == hand_chain(records)[published.data["position"]]
    assert published.data["position"] == published.position - 1


def test_link_depends_on_every_field() -> None:
    base = link(GENESIS, 1, "id", 1, "t", "{}")

    assert len(base) == 64
    assert base == link(GENESIS, 1, "id", 1, "t", "{}")
    variants = [
        link("1" * 64, 1, "id", 1, "t", "{}"),
        link(GENESIS, 2, "id", 1, "t", "{}"),
        link(GENESIS, 1, "id2", 1, "t", "{}"),
        link(GENESIS, 1, "id", 2, "t", "{}"),
        link(GENESIS, 1, "id", 1, "t2", "{}"),
        link(GENESIS, 1, "id", 1, "t", '{"a":1}'),
    ]
    assert base not in variants
    assert len(set(variants)) == len(variants)


def test_records_carry_type_names_and_round_trip_through_json(
    ledger: Ledger, zh_source: dict[str, Any]
) -> None:
    grow(ledger, zh_source)

    for record in ledger.records():
        assert record.type == type_name(record.topic)
        assert EventRecord.from_json(record.to_json()) == record
    assert [r.type for r in ledger.records(after=ledger.head() - 4)] == [
        "ClaimSubmitted",
        "RoundOpened",
        "VoteCast",
        "RankingPublished",
    ]


def test_records_upto_stops_at_the_position(ledger: Ledger) -> None:
    assert [r.position for r in ledger.records(after=1, upto=3)] == [2, 3]
    assert [r.position for r in ledger.records(after=0, limit=2)] == [1, 2]
