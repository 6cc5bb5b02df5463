"""Every refused command writes nothing: the head does not move and the error names the value."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ledger.application import Ledger
from ledger.errors import (
    AlreadyExists,
    AlreadyVoted,
    BackdatedEvent,
    BallotInvalid,
    ClaimNotOpen,
    InvalidInput,
    InvalidState,
    LanguageNotRead,
    LedgerError,
    PermissionDenied,
    RoundNotOpen,
    RungNotOnLadder,
    UnknownId,
)

pytestmark = pytest.mark.both_backends

E = "asia-2023"
CITY = "taizhou-zj"
WS = "asc-weights"


def bad(value: object) -> Any:
    """A value of the wrong type, passed on purpose."""
    return value


def src(**changes: Any) -> list[dict[str, Any]]:
    """One zh source with some fields changed (None removes a field)."""
    source: dict[str, Any] = {
        "url": "https://example.gov.cn/a",
        "title": "规划",
        "language": "zh",
        "date": "2023-03-01",
        "excerpt": "摘录",
    }
    for key, value in changes.items():
        if value is None:
            source.pop(key, None)
        else:
            source[key] = value
    return [source]


def claim(led: Ledger, **changes: Any) -> str:
    """Submit a claim on broadband rung 2 with the given arguments changed."""
    args: dict[str, Any] = {
        "edition_id": E,
        "city_id": CITY,
        "indicator_id": "broadband",
        "rung": 2,
        "sources": src(),
        "submitted_by": "researcher",
    }
    args.update(changes)
    return led.submit_claim(**args)


def appeal(led: Ledger, *args: Any, **changes: Any) -> str:
    """File an appeal on broadband rung 3 with new zh evidence, with arguments changed."""
    keys = ("edition_id", "city_id", "text", "filed_by")
    values: dict[str, Any] = {"edition_id": E, "city_id": CITY, "text": "t", "filed_by": "c",
                              "indicator_id": "broadband", "rung": 3, "sources": src()}  # fmt: skip
    values.update(dict(zip(keys, args, strict=False)))
    values.update(changes)
    return led.file_appeal(**values)


@pytest.fixture
def world(ledger: Ledger) -> Ledger:
    """The seeded ledger plus claims c-zh (open round, one vote), c-gone (withdrawn),
    a panelist p1 with a ballot and an answered appeal ap-1."""
    claim(ledger, claim_id="c-zh")
    ledger.open_round("c-zh")
    ledger.cast_vote("c-zh", "v-zh", "accept")
    claim(ledger, claim_id="c-gone")
    ledger.withdraw_claim("c-gone", "duplicate", "researcher")
    ledger.enrol_panelist(WS, "p1", "public-administration")
    ledger.cast_ballot(WS, "p1", {"broadband": 50, "metro": 50})
    ledger.publish(E)
    appeal(ledger, E, CITY, "Too low", "city", appeal_id="ap-1")
    ledger.answer_appeal("ap-1", "dismissed", "Checked")
    return ledger


Call = Callable[[Ledger], object]
PAST = datetime(2023, 1, 1, tzinfo=UTC)

CASES: list[tuple[str, Call, type[LedgerError], object]] = [
    # ---- unknown ids --------------------------------------------------------------
    ("unknown edition", lambda led: claim(led, edition_id="asia-1999"), UnknownId, "asia-1999"),
    ("city not in edition", lambda led: claim(led, city_id="beijing"), UnknownId, "beijing"),
    ("unknown indicator", lambda led: claim(led, indicator_id="parks"), UnknownId, "parks"),
    ("rung not on ladder", lambda led: claim(led, rung=7), RungNotOnLadder, 7),
    ("supersede unknown", lambda led: claim(led, supersedes="c-nope"), UnknownId, "c-nope"),
    ("vote unknown claim", lambda led: led.cast_vote("c-nope", "v-zh", "accept"), UnknownId,
     "c-nope"),
    ("vote unknown verifier", lambda led: led.cast_vote("c-zh", "v-ghost", "accept"), UnknownId,
     "v-ghost"),
    ("open unknown claim", lambda led: led.open_round("c-nope"), UnknownId, "c-nope"),
    ("close unknown claim", lambda led: led.close_round("c-nope"), UnknownId, "c-nope"),
    ("withdraw unknown claim", lambda led: led.withdraw_claim("c-nope", "r", "me"), UnknownId,
     "c-nope"),
    ("include unknown city", lambda led: led.include_cities(E, ["atlantis"]), UnknownId,
     "atlantis"),
    ("include in unknown edition", lambda led: led.include_cities("nope", [CITY]), UnknownId,
     "nope"),
    ("edition with unknown weight set",
     lambda led: led.create_edition("e2", 2024, "T", "Asia", "asc", 1, "ws-nope", "2024-01-01"),
     UnknownId, "ws-nope"),
    ("edition with unknown framework",
     lambda led: led.create_edition("e2", 2024, "T", "Asia", "f-nope", 1, WS, "2024-01-01"),
     UnknownId, "f-nope"),
    ("edition with unknown framework version",
     lambda led: led.create_edition("e2", 2024, "T", "Asia", "asc", 2, WS, "2024-01-01"),
     UnknownId, 2),
    ("weight set of unknown framework",
     lambda led: led.create_weight_set("ws2", "W", "f-nope", 1), UnknownId, "f-nope"),
    ("ballot in unknown weight set",
     lambda led: led.cast_ballot("ws-nope", "p1", {"broadband": 100}), UnknownId, "ws-nope"),
    ("ballot by unknown panelist",
     lambda led: led.cast_ballot(WS, "p9", {"broadband": 100}), UnknownId, "p9"),
    ("panelist in unknown weight set",
     lambda led: led.enrol_panelist("ws-nope", "p2", "public-administration"), UnknownId,
     "ws-nope"),
    ("aggregate unknown weight set", lambda led: led.aggregate_weights("ws-nope"), UnknownId,
     "ws-nope"),
    ("set unknown weight set",
     lambda led: led.set_weights("ws-nope", {"broadband": "100"}, "r"), UnknownId, "ws-nope"),
    ("revise unknown framework", lambda led: led.revise_framework("f-nope", [], [], "n"),
     UnknownId, "f-nope"),
    ("languages of unknown verifier",
     lambda led: led.change_verifier_languages("v-ghost", ["en"]), UnknownId, "v-ghost"),
    ("quorum of unknown edition", lambda led: led.change_quorum("nope", 3), UnknownId, "nope"),
    ("publish unknown edition", lambda led: led.publish("nope"), UnknownId, "nope"),
    ("appeal in unknown edition", lambda led: appeal(led, "nope", CITY, "t", "c"), UnknownId,
     "nope"),
    ("appeal by city not in edition", lambda led: appeal(led, E, "beijing", "t", "c"),
     UnknownId, "beijing"),
    ("appeal on unknown indicator",
     lambda led: appeal(led, E, CITY, "t", "c", indicator_id="parks"), UnknownId, "parks"),
    ("answer unknown appeal", lambda led: led.answer_appeal("ap-nope", "upheld", "r"), UnknownId,
     "ap-nope"),
    # ---- already exists ---------------------------------------------------------------
    ("duplicate city", lambda led: led.register_city(CITY, "T", "台州", "CN"), AlreadyExists,
     CITY),
    ("duplicate verifier", lambda led: led.enrol_verifier("v-en", ["en"]), AlreadyExists, "v-en"),
    ("duplicate framework", lambda led: led.define_framework("asc", "T", [], []), AlreadyExists,
     "asc"),
    ("duplicate weight set", lambda led: led.create_weight_set(WS, "W", "asc", 1), AlreadyExists,
     WS),
    ("duplicate edition",
     lambda led: led.create_edition(E, 2023, "T", "Asia", "asc", 1, WS, "2023-01-01"),
     AlreadyExists, E),
    ("duplicate claim", lambda led: claim(led, claim_id="c-zh"), AlreadyExists, "c-zh"),
    ("duplicate appeal", lambda led: appeal(led, E, CITY, "t", "c", appeal_id="ap-1"),
     AlreadyExists, "ap-1"),
    ("duplicate panelist",
     lambda led: led.enrol_panelist(WS, "p1", "public-administration"), AlreadyExists, "p1"),
    ("second ballot", lambda led: led.cast_ballot(WS, "p1", {"metro": 100}), AlreadyExists, "p1"),
    ("city already included", lambda led: led.include_cities(E, [CITY]), AlreadyExists, CITY),
    # ---- state ------------------------------------------------------------------------
    ("verifier not reading zh", lambda led: led.cast_vote("c-zh", "v-en", "accept"),
     LanguageNotRead, "v-en"),
    ("second vote in round", lambda led: led.cast_vote("c-zh", "v-zh", "reject"), AlreadyVoted,
     "v-zh"),
    ("open round while open", lambda led: led.open_round("c-zh"), RoundNotOpen, "c-zh"),
    ("vote on withdrawn claim", lambda led: led.cast_vote("c-gone", "v-zh", "accept"),
     ClaimNotOpen, "c-gone"),
    ("withdraw twice", lambda led: led.withdraw_claim("c-gone", "again", "me", True),
     ClaimNotOpen, "c-gone"),
    ("withdraw another's claim", lambda led: led.withdraw_claim("c-zh", "mine now", "intruder"),
     PermissionDenied, "intruder"),
    ("supersede withdrawn", lambda led: claim(led, claim_id="c-new", supersedes="c-gone"),
     ClaimNotOpen, "c-gone"),
    ("answer appeal twice", lambda led: led.answer_appeal("ap-1", "upheld", "r"), InvalidState,
     "ap-1"),
    ("ballot not summing to 100",
     lambda led: led.revise_ballot(WS, "p1", {"broadband": 99}, "r"), BallotInvalid, 99),
    ("weights not summing to 100",
     lambda led: led.set_weights(WS, {"broadband": "50", "metro": "49"}, "r"), InvalidInput,
     "99"),
    ("publish unknown table", lambda led: led.publish(E, tables=["total", "vibes"]),
     InvalidInput, "vibes"),
    # ---- malformed arguments ----------------------------------------------------------
    ("empty city name", lambda led: led.register_city("c9", " ", "台州", "CN"), InvalidInput,
     " "),
    ("oversized city name", lambda led: led.register_city("c9", "x" * 201, "台州", "CN"),
     InvalidInput, None),
    ("city id with a space", lambda led: led.register_city("c 9", "X", "台州", "CN"),
     InvalidInput, "c 9"),
    ("lowercase country", lambda led: led.register_city("c9", "X", "台州", "cn"), InvalidInput,
     "cn"),
    ("alpha-3 country", lambda led: led.register_city("c9", "X", "台州", "CHN"), InvalidInput,
     "CHN"),
    ("empty submitted_by", lambda led: claim(led, submitted_by=""), InvalidInput, ""),
    ("oversized submitted_by", lambda led: claim(led, submitted_by="x" * 121), InvalidInput,
     None),
    ("rung as text", lambda led: claim(led, rung=bad("2")), InvalidInput, "2"),
    ("rung as bool", lambda led: claim(led, rung=bad(True)), InvalidInput, True),
    ("negative rung", lambda led: claim(led, rung=-1), InvalidInput, -1),
    ("claim id with a space", lambda led: claim(led, claim_id="c 1"), InvalidInput, "c 1"),
    ("quorum as bool",
     lambda led: led.create_edition("e2", 2024, "T", "A", "asc", 1, WS, "2024-01-01",
                                    quorum=bad(True)),
     InvalidInput, True),
    ("quorum zero", lambda led: led.change_quorum(E, 0), InvalidInput, 0),
    ("year as text",
     lambda led: led.create_edition("e2", bad("2024"), "T", "A", "asc", 1, WS, "2024-01-01"),
     InvalidInput, "2024"),
    ("bad cutoff date",
     lambda led: led.create_edition("e2", 2024, "T", "A", "asc", 1, WS, "2024-13-01"),
     InvalidInput, "2024-13-01"),
    ("no sources", lambda led: claim(led, sources=[]), InvalidInput, None),
    ("sources not a list", lambda led: claim(led, sources=bad("https://x.org")), InvalidInput,
     None),
    ("source not an object", lambda led: claim(led, sources=["https://x.org"]), InvalidInput,
     None),
    ("source without url or citation", lambda led: claim(led, sources=src(url=None)),
     InvalidInput, None),
    ("source with blank url only", lambda led: claim(led, sources=src(url="  ")),
     InvalidInput, None),
    ("source language name", lambda led: claim(led, sources=src(language="chinese")),
     InvalidInput, "chinese"),
    ("source language upper case", lambda led: claim(led, sources=src(language="ZH")),
     InvalidInput, "ZH"),
    ("source without language", lambda led: claim(led, sources=src(language=None)),
     InvalidInput, None),
    ("source date with slashes", lambda led: claim(led, sources=src(date="2023/03/01")),
     InvalidInput, "2023/03/01"),
    ("source date impossible", lambda led: claim(led, sources=src(date="2023-02-30")),
     InvalidInput, "2023-02-30"),
    ("source url ftp", lambda led: claim(led, sources=src(url="ftp://x.org/a")), InvalidInput,
     "ftp://x.org/a"),
    ("source url without scheme", lambda led: claim(led, sources=src(url="example.org")),
     InvalidInput, "example.org"),
    ("source url not text", lambda led: claim(led, sources=src(url=42)), InvalidInput, 42),
    ("source empty excerpt", lambda led: claim(led, sources=src(excerpt="")), InvalidInput, ""),
    ("source oversized excerpt", lambda led: claim(led, sources=src(excerpt="x" * 4001)),
     InvalidInput, None),
    ("too many sources", lambda led: claim(led, sources=src() * 21), InvalidInput, None),
    ("unknown decision", lambda led: led.cast_vote("c-zh", "v-zh-en", "maybe"), InvalidInput,
     "maybe"),
    ("oversized note", lambda led: led.cast_vote("c-zh", "v-zh-en", "accept", "x" * 2001),
     InvalidInput, None),
    ("blank withdraw reason", lambda led: led.withdraw_claim("c-zh", "   ", "me"), InvalidInput,
     "   "),
    ("no languages", lambda led: led.enrol_verifier("v9", []), InvalidInput, None),
    ("repeated language", lambda led: led.enrol_verifier("v9", ["zh", "zh"]), InvalidInput,
     "zh"),
    ("language name", lambda led: led.enrol_verifier("v9", ["Chinese"]), InvalidInput,
     "Chinese"),
    ("unknown panel field", lambda led: led.enrol_panelist(WS, "p2", "astrology"), InvalidInput,
     "astrology"),
    ("empty appeal text", lambda led: appeal(led, E, CITY, "", "city"), InvalidInput, ""),
    ("oversized appeal text", lambda led: appeal(led, E, CITY, "x" * 4001, "city"),
     InvalidInput, None),
    ("empty idempotency key", lambda led: led.open_round("c-gone", idempotency_key=""),
     InvalidInput, ""),
    ("oversized idempotency key",
     lambda led: led.change_quorum(E, 3, idempotency_key="k" * 201), InvalidInput, None),
    ("framework without indicators",
     lambda led: led.define_framework("f2", "T", [{"id": "d", "name": "D"}], []), InvalidInput,
     None),
    # ---- time -------------------------------------------------------------------------
    ("backdated at", lambda led: led.change_quorum(E, 3, at=PAST), BackdatedEvent,
     PAST.isoformat()),
    ("future at",
     lambda led: led.change_quorum(E, 3, at=datetime.now(UTC) + timedelta(hours=1)),
     InvalidInput, None),
    ("naive at", lambda led: led.change_quorum(E, 3, at=datetime(2030, 1, 1)), InvalidInput,
     None),
    ("at as text", lambda led: led.change_quorum(E, 3, at=bad("2030-01-01T00:00:00Z")),
     InvalidInput, None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("call", "error", "value"),
    [pytest.param(call, error, value, id=name) for name, call, error, value in CASES],
)
def test_a_refused_command_records_nothing_and_names_the_value(
    world: Ledger, call: Call, error: type[LedgerError], value: object
) -> None:
    head, digest = world.head(), world.digest_at(world.head())

    with pytest.raises(error) as info:
        call(world)

    assert type(info.value) is error
    assert (world.head(), world.digest_at(world.head())) == (head, digest)
    if value is not None:
        assert info.value.value == value
    if error in (UnknownId, AlreadyExists, RungNotOnLadder):
        assert repr(value) in info.value.message


def test_a_refused_new_claim_is_not_created(world: Ledger) -> None:
    with pytest.raises(ClaimNotOpen):
        claim(world, claim_id="c-new", supersedes="c-gone")

    with pytest.raises(UnknownId):
        world.open_round("c-new")


def test_the_language_error_names_the_language_not_read(world: Ledger) -> None:
    with pytest.raises(LanguageNotRead) as info:
        world.cast_vote("c-zh", "v-en", "accept")

    assert "'zh'" in info.value.message
