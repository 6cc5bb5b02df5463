"""Bad input: every command refuses it with a LedgerError naming the value; nothing is recorded."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from cityledger.bootstrap import Runtime, open_runtime
from cityledger.importer import COMMANDS
from ledger.errors import LedgerError
from tests.support.cases import by_name
from tests.support.databases import copy_db
from tests.support.inputs import source
from tests.trust.trust_world import (
    EDITION,
    EPOCH,
    FRAMEWORK,
    INDICATORS,
    PILLARS,
    WEIGHTS,
    Cli,
)

LONG = "x" * 5000
BALLOT = {"D1": 40, "T1": 30, "I1": 30}

#: For every command, arguments that it accepts in the prepared world.
VALID: dict[str, dict[str, Any]] = {
    "register_city": {"city_id": "manila", "name_en": "Manila", "name_zh": "马尼拉",
                      "country": "PH"},
    "define_framework": {"framework_id": "asc2", "title": "Second framework",
                         "pillars": PILLARS, "indicators": INDICATORS},
    "revise_framework": {"framework_id": FRAMEWORK, "pillars": PILLARS,
                         "indicators": INDICATORS, "note": "same again"},
    "state_lineage": {"framework_id": "asc-next", "version": 1,
                      "predecessor_framework_id": FRAMEWORK, "predecessor_version": 1,
                      "lineage": [{"kind": "unchanged", "from": [i], "to": [i]}
                                  for i in ("D1", "T1", "I1")]},
    "enrol_verifier": {"verifier_id": "v-new", "languages": ["en"]},
    "change_verifier_languages": {"verifier_id": "v-en", "languages": ["en", "ja"]},
    "create_weight_set": {"weight_set_id": "w2", "title": "Second panel",
                          "framework_id": FRAMEWORK, "framework_version": 1},
    "enrol_panelist": {"weight_set_id": WEIGHTS, "panelist_id": "p3",
                       "field": "public-administration"},
    "cast_ballot": {"weight_set_id": WEIGHTS, "panelist_id": "p2", "allocations": BALLOT},
    "revise_ballot": {"weight_set_id": WEIGHTS, "panelist_id": "p1", "allocations": BALLOT,
                      "reason": "second thoughts"},
    "aggregate_weights": {"weight_set_id": WEIGHTS},
    "set_weights": {"weight_set_id": WEIGHTS, "weights": {"D1": "40", "T1": "30", "I1": "30"},
                    "reason": "editorial decision"},
    "create_edition": {"edition_id": "asia-2024", "year": 2024, "title": "Ranking 2024",
                       "region": "Asia", "framework_id": FRAMEWORK, "framework_version": 1,
                       "weight_set_id": WEIGHTS, "evidence_cutoff": "2024-06-30"},
    "include_cities": {"edition_id": EDITION, "city_ids": ["osaka"]},
    "change_quorum": {"edition_id": EDITION, "quorum": 3},
    "publish": {"edition_id": EDITION, "force": True, "reason": "on schedule"},
    "submit_claim": {"edition_id": EDITION, "city_id": "seoul", "indicator_id": "D1", "rung": 1,
                     "sources": [source("en")], "submitted_by": "researcher", "claim_id": "c5"},
    "withdraw_claim": {"claim_id": "c4", "reason": "wrong city", "by": "researcher"},
    "open_round": {"claim_id": "c2"},
    "cast_vote": {"claim_id": "c4", "verifier_id": "v-zh-en", "decision": "accept"},
    "close_round": {"claim_id": "c4"},
    "file_appeal": {"edition_id": EDITION, "city_id": "seoul", "text": "We have fibre.",
                    "filed_by": "seoul-office", "indicator_id": "D1", "rung": 2,
                    "sources": [source("en")]},
    "answer_appeal": {"appeal_id": "a2", "decision": "dismissed", "response": "No new facts."},
    "withdraw_appeal": {"appeal_id": "a2", "city_id": "seoul", "reason": "Found it.",
                        "by": "seoul-office"},
    "open_appeal_review": {"appeal_id": "a2"},
    "cast_appeal_vote": {"appeal_id": "a3", "verifier_id": "v-zh-en", "decision": "accept",
                         "note": "The gazette says so."},
    "close_appeal_review": {"appeal_id": "a3"},
    "give_feedback": {"edition_id": EDITION, "city_id": "seoul", "text": "Thanks.",
                      "given_by": "seoul-office"},
    "set_appeal_window": {"edition_id": EDITION, "days": 60, "by": "editor"},
}  # fmt: skip


def ladder(rung: object, points: object) -> list[dict[str, Any]]:
    """Indicators whose first ladder has one rung with these values."""
    first = {**INDICATORS[0], "ladder": [{"rung": rung, "points": points, "description": "r"}]}
    return [first, *INDICATORS[1:]]


#: Arguments that replace valid ones, and text the error message must contain.
Bad = tuple[dict[str, Any], str]


def named(name: str, value: object) -> Bad:
    """A value of the wrong type, form or choice: the message quotes it as Python shows it."""
    return {name: value}, repr(value)


def unknown(name: str) -> Bad:
    """An id that names nothing."""
    return {name: "ghost"}, "'ghost' does not exist"


def empty(name: str) -> Bad:
    """A text with nothing in it."""
    return {name: ""}, f"{name} must not be empty"


def too_long(name: str) -> Bad:
    """A text over the length limit."""
    return {name: LONG}, f"{name} is 5000 characters long"


def no_items(name: str) -> Bad:
    """A list that must have items, given empty."""
    return {name: []}, f"{name} must be a non-empty list"


def out_of_range(name: str, value: int) -> Bad:
    """A number outside its bounds."""
    return {name: value}, f"{name} {value} is out of range"


def vote_refusals(*, unread: tuple[str, str], voted: str) -> list[Bad]:
    """A vote in a claim's or an appeal's review round is refused the same ways."""
    verifier, language = unread
    return [
        named("decision", "maybe"),
        unknown("verifier_id"),
        ({"verifier_id": verifier}, f"{verifier} does not read '{language}'"),
        ({"verifier_id": voted}, f"{voted} already voted"),
        too_long("note"),
    ]


#: For every command: arguments that replace valid ones, text the error message must contain.
BAD: dict[str, list[Bad]] = {
    "register_city": [
        named("city_id", 123),
        ({"city_id": ""}, "city_id ''"),
        named("city_id", "no spaces please"),
        ({"city_id": "beijing"}, "'beijing' already exists"),
        empty("name_en"),
        ({"name_en": "   "}, "name_en must not be empty"),
        too_long("name_zh"),
        (
            {"name_en": '=HYPERLINK("https://x.example","Manila")'},
            "starts with '=', which a spreadsheet opening an export would run as a formula",
        ),
        ({"name_zh": "@SUM(1+1)"}, "starts with '@'"),
        ({"aliases_zh": ["+1", "马尼拉"]}, "aliases_zh '+1' starts with '+'"),
        ({"name_en": "Manila\x1b[2J"}, "name_en holds the control character U+001B at index 6"),
        named("country", "Japan"),
        named("country", None),
        ({"aliases_zh": [7]}, "7"),
        named("aliases_zh", "别名"),
        # The keywords every command takes.
        ({"at": datetime(2023, 1, 1)}, "UTC offset"),
        named("at", "2023-01-01T00:00:00+00:00"),
        ({"at": EPOCH}, "before the ledger head"),
        ({"at": datetime(2999, 1, 1, tzinfo=EPOCH.tzinfo)}, "in the future"),
        empty("idempotency_key"),
        too_long("idempotency_key"),
    ],
    "define_framework": [
        ({"framework_id": FRAMEWORK}, "'asc' already exists"),
        empty("title"),
        named("title", 5),
        no_items("pillars"),
        ({"pillars": "digital"}, "pillars"),
        ({"indicators": ladder(0, 5)}, "D1 rung 0 is out of range"),
        ({"indicators": ladder(1, 101)}, "D1 points 101 is out of range"),
        ({"indicators": ladder("1", 5)}, "'1'"),
        ({"indicators": [{**INDICATORS[0], "pillar": "nope"}]}, "'nope'"),
    ],
    "revise_framework": [
        unknown("framework_id"),
        empty("note"),
        ({"indicators": None}, "indicators must be a non-empty list"),
    ],
    "state_lineage": [
        unknown("framework_id"),
        out_of_range("version", 0),
        ({"predecessor_version": 7}, "no version 7"),
        ({"lineage": []}, "must be a non-empty list"),
        (
            {"lineage": [{"kind": "unchanged", "from": ["D1"], "to": ["D1"]}]},
            "forgets indicator 'T1'",
        ),
        ({"lineage": [{"kind": "grew", "from": ["D1"], "to": ["D1"]}]}, "'grew'"),
    ],
    "enrol_verifier": [
        ({"verifier_id": "v-zh"}, "'v-zh' already exists"),
        no_items("languages"),
        ({"languages": ["english"]}, "'english'"),
        ({"languages": ["en", "en"]}, "repeats 'en'"),
        named("languages", "en"),
    ],
    "change_verifier_languages": [
        unknown("verifier_id"),
        ({"languages": [5]}, "5"),
    ],
    "create_weight_set": [
        ({"weight_set_id": WEIGHTS}, "'asc-weights' already exists"),
        out_of_range("framework_version", 0),
        ({"framework_version": 9}, "no version 9"),
        named("framework_version", "1"),
        unknown("framework_id"),
        too_long("title"),
        named("framework_id", ["asc"]),
    ],
    "enrol_panelist": [
        named("field", "astrology"),
        ({"panelist_id": "p1"}, "'p1' is already on panel"),
        ({"panelist_id": ""}, "panelist_id ''"),
        unknown("weight_set_id"),
    ],
    "cast_ballot": [
        ({"allocations": {**BALLOT, "D1": 101}}, "101"),
        ({"allocations": {"X9": 100}}, "'X9'"),
        ({"allocations": {**BALLOT, "D1": 50}}, "110"),
        ({"allocations": {**BALLOT, "D1": 40.0}}, "40.0"),
        named("allocations", "all on D1"),
        ({"panelist_id": "ghost"}, "'ghost' is not on panel"),
        ({"panelist_id": "p1"}, "'p1' has already cast a ballot"),
        named("panelist_id", {"id": "p2"}),
    ],
    "revise_ballot": [
        ({"panelist_id": "p2"}, "'p2' has no ballot"),
        empty("reason"),
        ({"allocations": {**BALLOT, "D1": -1}}, "-1"),
    ],
    "aggregate_weights": [
        unknown("weight_set_id"),
        empty("by"),
        too_long("by"),
    ],
    "set_weights": [
        ({"weights": {"D1": "abc", "T1": "50", "I1": "50"}}, "'abc'"),
        ({"weights": {"D1": "-10", "T1": "60", "I1": "50"}}, "'-10'"),
        ({"weights": {"D1": "1", "T1": "1", "I1": "1"}}, "sum to 3"),
        ({"weights": {"D1": 1.5, "T1": "50", "I1": "48.5"}}, "1.5"),
        named("weights", ["D1"]),
        empty("reason"),
    ],
    "create_edition": [
        out_of_range("year", 1999),
        named("year", "2024"),
        out_of_range("quorum", 0),
        out_of_range("quorum", 101),
        named("evidence_cutoff", "2024-13-01"),
        unknown("weight_set_id"),
        ({"framework_version": 9}, "no version 9"),
        ({"edition_id": EDITION}, "'asia-2023' already exists"),
        empty("region"),
    ],
    "include_cities": [
        ({"city_ids": ["atlantis"]}, "'atlantis' does not exist"),
        no_items("city_ids"),
        ({"city_ids": ["beijing"]}, "beijing"),
        unknown("edition_id"),
    ],
    "change_quorum": [
        out_of_range("quorum", 0),
        named("quorum", True),
        named("quorum", "2"),
        unknown("edition_id"),
    ],
    "publish": [
        unknown("edition_id"),
        ({"tables": ["league"]}, "'league'"),
        named("tables", "total"),
        out_of_range("position", 0),
        out_of_range("position", 10**6),
        named("position", "1"),
        empty("by"),
        ({"force": True, "reason": None}, "reason"),
        ({"force": False, "reason": None}, "undecided evidence that could change a band"),
        ({"corrects": 7}, "has no publication 7"),
    ],
    "submit_claim": [
        ({"rung": 7}, "rung 7 is not on the ladder"),
        out_of_range("rung", -1),
        named("rung", "3"),
        named("city_id", "atlantis"),
        named("indicator_id", "X9"),
        unknown("edition_id"),
        no_items("sources"),
        ({"sources": [{**source("en"), "url": "ftp://x"}]}, "'ftp://x'"),
        (
            {"sources": [{**source("en"), "url": "https://exa mple.org/x"}]},
            "'https://exa mple.org/x' is not a web address",
        ),
        ({"sources": [{**source("en"), "url": "https://"}]}, "'https://' is not a web address"),
        ({"sources": [{**source("en"), "url": "http://x.org:port/"}]}, "is not a web address"),
        ({"sources": [{**source("en"), "title": "fibre\x00"}]}, "control character U+0000"),
        ({"sources": [{**source("en"), "language": "klingon"}]}, "'klingon'"),
        ({"sources": [{**source("en"), "date": "soon"}]}, "'soon'"),
        ({"sources": [{**source("en"), "excerpt": LONG}]}, "5000 characters"),
        ({"sources": [source("en")] * 21}, "21 sources"),
        ({"claim_id": "c1"}, "'c1' already exists"),
        unknown("supersedes"),
        empty("submitted_by"),
    ],
    "withdraw_claim": [
        unknown("claim_id"),
        ({"claim_id": "c3"}, "c3 is already withdrawn"),
        empty("reason"),
    ],
    "open_round": [
        unknown("claim_id"),
        ({"claim_id": "c4"}, "c4 already has round 1 open"),
        named("claim_id", 7),
    ],
    "cast_vote": [
        *vote_refusals(unread=("v-en", "zh"), voted="v-zh"),
        ({"claim_id": "c2"}, "c2 has no open round"),
    ],
    "close_round": [
        unknown("claim_id"),
        ({"claim_id": "c2"}, "c2 has no open round"),
        ({"claim_id": "c1"}, "c1 is accepted"),
    ],
    "file_appeal": [
        unknown("edition_id"),
        named("city_id", "atlantis"),
        empty("text"),
        too_long("text"),
        ({"text": "We have fibre.\x9b"}, "text holds the control character U+009B"),
        named("indicator_id", "X9"),
        ({"appeal_id": "a1"}, "'a1' already exists"),
        named("filed_by", None),
        named("rung", 9),
        ({"rung": None}, "rung"),
        no_items("sources"),
        ({"claim_id": "c1"}, "c1"),
        ({"claim_id": "c3", "indicator_id": "I1"}, "c3 is withdrawn"),
        ({"representing": "tokyo"}, "may not file for seoul"),
    ],
    "answer_appeal": [
        named("decision", "maybe"),
        unknown("appeal_id"),
        ({"appeal_id": "a1"}, "a1 is already dismissed"),
        empty("response"),
        ({"decision": "upheld"}, "only after a review round accepted"),
    ],
    "withdraw_appeal": [
        unknown("appeal_id"),
        ({"city_id": "tokyo"}, "tokyo may not withdraw"),
        ({"appeal_id": "a1", "city_id": "tokyo"}, "a1 is dismissed"),
        empty("reason"),
    ],
    "open_appeal_review": [
        unknown("appeal_id"),
        ({"appeal_id": "a3"}, "a3 already has review round 1 open"),
        ({"appeal_id": "a1"}, "a1 is dismissed"),
    ],
    "cast_appeal_vote": [
        *vote_refusals(unread=("v-zh", "en"), voted="v-en"),
        ({"appeal_id": "a2"}, "a2 has no open review round"),
    ],
    "close_appeal_review": [
        unknown("appeal_id"),
        ({"appeal_id": "a2"}, "a2 has no open review round"),
    ],
    "give_feedback": [
        unknown("edition_id"),
        named("city_id", "atlantis"),
        empty("text"),
        named("feedback_id", "bad id!"),
    ],
    "set_appeal_window": [
        named("days", 0),
        named("days", "30"),
        unknown("edition_id"),
    ],
}


def prepare(ledger: Any) -> None:
    """What VALID needs beyond the world: a second panelist, a city and an open appeal."""
    ledger.enrol_panelist(WEIGHTS, "p2", "public-administration")
    ledger.register_city("osaka", "Osaka", "大阪", "JP")
    ledger.file_appeal(
        EDITION, "seoul", "Please look again.", "seoul-office", "D1", "a2", rung=2,
        sources=[source("en")],
    )  # fmt: skip
    ledger.define_framework("asc-next", "Next framework", PILLARS, INDICATORS)
    ledger.file_appeal(
        EDITION, "seoul", "Our portal opened.", "seoul-office", "I1", "a3", rung=2,
        sources=[source("en")],
    )  # fmt: skip
    ledger.open_appeal_review("a3")
    ledger.cast_appeal_vote("a3", "v-en", "accept", "Read the gazette.")


@pytest.fixture(scope="module")
def prepared(world_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A closed copy of the world, prepared for VALID."""
    path = copy_db(world_template, tmp_path_factory.mktemp("bad-input") / "ledger.sqlite")
    rt = open_runtime(path)
    try:
        prepare(rt.ledger)
        rt.catch_up()
    finally:
        rt.close()
    return path


@pytest.fixture(scope="module")
def shared(prepared: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    """One runtime on a copy of the prepared world, for every refusal (none records)."""
    rt = open_runtime(copy_db(prepared, tmp_path_factory.mktemp("shared") / "ledger.sqlite"))
    yield rt
    rt.close()


def test_the_tables_cover_every_command() -> None:
    assert set(VALID) == set(COMMANDS)
    assert set(BAD) == set(COMMANDS)
    assert all(BAD.values())


@pytest.mark.parametrize("command", sorted(VALID))
def test_the_valid_arguments_are_accepted(command: str, prepared: Path, tmp_path: Path) -> None:
    rt = open_runtime(copy_db(prepared, tmp_path / "ledger.sqlite"))
    try:
        head = rt.ledger.head()
        getattr(rt.ledger, command)(**VALID[command])
        assert rt.ledger.head() > head
    finally:
        rt.close()


def cases() -> list[Any]:
    """BAD as pytest params."""
    return [
        pytest.param(command, bad, expected, id=f"{command}-{'-'.join(bad)}-{n}")
        for command, refusals in BAD.items()
        for n, (bad, expected) in enumerate(refusals)
    ]


@pytest.mark.parametrize(("command", "bad", "expected"), cases())
def test_bad_input_is_refused_naming_the_value_and_records_nothing(
    command: str, bad: dict[str, Any], expected: str, shared: Runtime
) -> None:
    head = shared.ledger.head()

    with pytest.raises(LedgerError) as refused:
        getattr(shared.ledger, command)(**{**VALID[command], **bad})

    assert expected in refused.value.message, refused.value.message
    assert str(refused.value) == refused.value.message
    assert shared.ledger.head() == head


def count(db: Path) -> int:
    """How many events the file holds."""
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM stored_events").fetchone()[0])


def lines(*commands: dict[str, Any] | str) -> str:
    """A commands file from objects (or raw lines)."""
    return "".join((c if isinstance(c, str) else json.dumps(c)) + "\n" for c in commands)


HANOI: dict[str, Any] = {"city_id": "hanoi", "name_en": "Hanoi", "name_zh": "河内",
                         "country": "VN"}  # fmt: skip
CITY: dict[str, Any] = {"command": "register_city", "at": "2023-02-01T00:00:00+00:00",
                        "args": HANOI}  # fmt: skip
LATER = {**CITY, "at": "2023-03-01T00:00:00+00:00", "args": {**HANOI, "city_id": "hue"}}

#: (arguments, or a commands file's text for import; text stderr must contain).
CLI_CASES: dict[str, tuple[list[str] | str, str]] = {
    "bad --as-of": (["rank", "--edition", EDITION, "--table", "total", "--as-of", "soon"],
                    "'soon' is neither a position nor an ISO-8601 time"),
    "naive --as-of": (["rank", "--edition", EDITION, "--table", "total", "--as-of",
                       "2023-05-01T00:00"], "needs a UTC offset"),
    "unknown edition": (["rank", "--edition", "asia-1999", "--table", "total"],
                        "'asia-1999' does not exist"),
    "invalid JSON": (lines(CITY, "{not json"), "line 2 is not JSON"),
    "not an object": (lines("[1, 2]"), "line 1 is not a JSON object"),
    "unknown command": (lines({**CITY, "command": "drop_table"}), "unknown command 'drop_table'"),
    "unknown argument": (lines({**CITY, "args": {**HANOI, "mayor": "x"}}),
                         "register_city takes no argument 'mayor'"),
    "time goes backwards": (lines(LATER, CITY), "line 2: time 2023-02-01T00:00:00+00:00 goes"),
    "time without offset": (lines({**CITY, "at": "2023-02-01T00:00:00"}), "has no UTC offset"),
    "time missing": (lines({k: v for k, v in CITY.items() if k != "at"}),
                     "line 1: the time 'at' is missing"),
    "refused first command": (lines({**CITY, "args": {**HANOI, "country": "Vietnam"}}),
                              "line 1 (register_city): country 'Vietnam'"),
    "missing file": (["import", "--file", "no-such-file.jsonl"], "no-such-file.jsonl"),
    # A byte that is not UTF-8 (a Latin-1 terminal's ÿ) reaches Python as a lone surrogate.
    "name not UTF-8": (["token", "create", "--role", "auditor", "--name", "ab\udcff"],
                       "argument ab\\xff is not UTF-8 text"),
    "city not UTF-8": (["history", "--city", "\udcff"], "argument \\xff is not UTF-8 text"),
}  # fmt: skip


@pytest.mark.parametrize(("args", "expected"), by_name(CLI_CASES))
def test_the_cli_refuses_bad_input_in_one_line_and_records_nothing(
    args: list[str] | str, expected: str, world_db: Path, cli: Cli
) -> None:
    if isinstance(args, str):
        commands = world_db.parent / "commands.jsonl"
        commands.write_text(args, encoding="utf-8")
        args = ["import", "--file", str(commands)]
    before = count(world_db)

    result = cli(world_db, *args)

    assert result.returncode != 0
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.startswith("cityledger: ")
    assert expected in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert count(world_db) == before
