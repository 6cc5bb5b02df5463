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


#: (command, arguments that replace valid ones, text the error message must contain).
BAD: list[tuple[str, dict[str, Any], str]] = [
    ("register_city", {"city_id": 123}, "123"),
    ("register_city", {"city_id": ""}, "city_id ''"),
    ("register_city", {"city_id": "no spaces please"}, "'no spaces please'"),
    ("register_city", {"city_id": "beijing"}, "'beijing' already exists"),
    ("register_city", {"name_en": ""}, "name_en must not be empty"),
    ("register_city", {"name_en": "   "}, "name_en must not be empty"),
    ("register_city", {"name_zh": LONG}, "name_zh is 5000 characters long"),
    ("register_city", {"country": "Japan"}, "'Japan'"),
    ("register_city", {"country": None}, "None"),
    ("register_city", {"aliases_zh": [7]}, "7"),
    ("register_city", {"aliases_zh": "别名"}, "'别名'"),
    ("define_framework", {"framework_id": FRAMEWORK}, "'asc' already exists"),
    ("define_framework", {"title": ""}, "title must not be empty"),
    ("define_framework", {"title": 5}, "5"),
    ("define_framework", {"pillars": []}, "pillars must be a non-empty list"),
    ("define_framework", {"pillars": "digital"}, "pillars"),
    ("define_framework", {"indicators": ladder(0, 5)}, "D1 rung 0 is out of range"),
    ("define_framework", {"indicators": ladder(1, 101)}, "D1 points 101 is out of range"),
    ("define_framework", {"indicators": ladder("1", 5)}, "'1'"),
    ("define_framework", {"indicators": [{**INDICATORS[0], "pillar": "nope"}]}, "'nope'"),
    ("revise_framework", {"framework_id": "ghost"}, "'ghost' does not exist"),
    ("revise_framework", {"note": ""}, "note must not be empty"),
    ("revise_framework", {"indicators": None}, "indicators must be a non-empty list"),
    ("state_lineage", {"framework_id": "ghost"}, "'ghost' does not exist"),
    ("state_lineage", {"version": 0}, "version 0 is out of range"),
    ("state_lineage", {"predecessor_version": 7}, "no version 7"),
    ("state_lineage", {"lineage": []}, "must be a non-empty list"),
    (
        "state_lineage",
        {"lineage": [{"kind": "unchanged", "from": ["D1"], "to": ["D1"]}]},
        "forgets indicator 'T1'",
    ),
    ("state_lineage", {"lineage": [{"kind": "grew", "from": ["D1"], "to": ["D1"]}]}, "'grew'"),
    ("enrol_verifier", {"verifier_id": "v-zh"}, "'v-zh' already exists"),
    ("enrol_verifier", {"languages": []}, "languages must be a non-empty list"),
    ("enrol_verifier", {"languages": ["english"]}, "'english'"),
    ("enrol_verifier", {"languages": ["en", "en"]}, "repeats 'en'"),
    ("enrol_verifier", {"languages": "en"}, "'en'"),
    ("change_verifier_languages", {"verifier_id": "ghost"}, "'ghost' does not exist"),
    ("change_verifier_languages", {"languages": [5]}, "5"),
    ("create_weight_set", {"weight_set_id": WEIGHTS}, "'asc-weights' already exists"),
    ("create_weight_set", {"framework_version": 0}, "framework_version 0 is out of range"),
    ("create_weight_set", {"framework_version": 9}, "no version 9"),
    ("create_weight_set", {"framework_version": "1"}, "'1'"),
    ("create_weight_set", {"framework_id": "ghost"}, "'ghost' does not exist"),
    ("create_weight_set", {"title": LONG}, "title is 5000 characters long"),
    ("enrol_panelist", {"field": "astrology"}, "'astrology'"),
    ("enrol_panelist", {"panelist_id": "p1"}, "'p1' is already on panel"),
    ("enrol_panelist", {"panelist_id": ""}, "panelist_id ''"),
    ("enrol_panelist", {"weight_set_id": "ghost"}, "'ghost' does not exist"),
    ("cast_ballot", {"allocations": {**BALLOT, "D1": 101}}, "101"),
    ("cast_ballot", {"allocations": {"X9": 100}}, "'X9'"),
    ("cast_ballot", {"allocations": {**BALLOT, "D1": 50}}, "110"),
    ("cast_ballot", {"allocations": {**BALLOT, "D1": 40.0}}, "40.0"),
    ("cast_ballot", {"allocations": "all on D1"}, "'all on D1'"),
    ("cast_ballot", {"panelist_id": "ghost"}, "'ghost' is not on panel"),
    ("cast_ballot", {"panelist_id": "p1"}, "'p1' has already cast a ballot"),
    ("revise_ballot", {"panelist_id": "p2"}, "'p2' has no ballot"),
    ("revise_ballot", {"reason": ""}, "reason must not be empty"),
    ("revise_ballot", {"allocations": {**BALLOT, "D1": -1}}, "-1"),
    ("aggregate_weights", {"weight_set_id": "ghost"}, "'ghost' does not exist"),
    ("aggregate_weights", {"by": ""}, "by must not be empty"),
    ("aggregate_weights", {"by": LONG}, "by is 5000 characters long"),
    ("set_weights", {"weights": {"D1": "abc", "T1": "50", "I1": "50"}}, "'abc'"),
    ("set_weights", {"weights": {"D1": "-10", "T1": "60", "I1": "50"}}, "'-10'"),
    ("set_weights", {"weights": {"D1": "1", "T1": "1", "I1": "1"}}, "sum to 3"),
    ("set_weights", {"weights": {"D1": 1.5, "T1": "50", "I1": "48.5"}}, "1.5"),
    ("set_weights", {"weights": ["D1"]}, "['D1']"),
    ("set_weights", {"reason": ""}, "reason must not be empty"),
    ("create_edition", {"year": 1999}, "year 1999 is out of range"),
    ("create_edition", {"year": "2024"}, "'2024'"),
    ("create_edition", {"quorum": 0}, "quorum 0 is out of range"),
    ("create_edition", {"quorum": 101}, "quorum 101 is out of range"),
    ("create_edition", {"evidence_cutoff": "2024-13-01"}, "'2024-13-01'"),
    ("create_edition", {"weight_set_id": "ghost"}, "'ghost' does not exist"),
    ("create_edition", {"framework_version": 9}, "no version 9"),
    ("create_edition", {"edition_id": EDITION}, "'asia-2023' already exists"),
    ("create_edition", {"region": ""}, "region must not be empty"),
    ("include_cities", {"city_ids": ["atlantis"]}, "'atlantis' does not exist"),
    ("include_cities", {"city_ids": []}, "city_ids must be a non-empty list"),
    ("include_cities", {"city_ids": ["beijing"]}, "beijing"),
    ("include_cities", {"edition_id": "ghost"}, "'ghost' does not exist"),
    ("change_quorum", {"quorum": 0}, "quorum 0 is out of range"),
    ("change_quorum", {"quorum": True}, "True"),
    ("change_quorum", {"quorum": "2"}, "'2'"),
    ("change_quorum", {"edition_id": "ghost"}, "'ghost' does not exist"),
    ("publish", {"edition_id": "ghost"}, "'ghost' does not exist"),
    ("publish", {"tables": ["league"]}, "'league'"),
    ("publish", {"tables": "total"}, "'total'"),
    ("publish", {"position": 0}, "position 0 is out of range"),
    ("publish", {"position": 10**6}, "position 1000000 is out of range"),
    ("publish", {"position": "1"}, "'1'"),
    ("publish", {"by": ""}, "by must not be empty"),
    ("submit_claim", {"rung": 7}, "rung 7 is not on the ladder"),
    ("submit_claim", {"rung": -1}, "rung -1 is out of range"),
    ("submit_claim", {"rung": "3"}, "'3'"),
    ("submit_claim", {"city_id": "atlantis"}, "'atlantis'"),
    ("submit_claim", {"indicator_id": "X9"}, "'X9'"),
    ("submit_claim", {"edition_id": "ghost"}, "'ghost' does not exist"),
    ("submit_claim", {"sources": []}, "sources must be a non-empty list"),
    ("submit_claim", {"sources": [{**source("en"), "url": "ftp://x"}]}, "'ftp://x'"),
    ("submit_claim", {"sources": [{**source("en"), "language": "klingon"}]}, "'klingon'"),
    ("submit_claim", {"sources": [{**source("en"), "date": "soon"}]}, "'soon'"),
    ("submit_claim", {"sources": [{**source("en"), "excerpt": LONG}]}, "5000 characters"),
    ("submit_claim", {"sources": [source("en")] * 21}, "21 sources"),
    ("submit_claim", {"claim_id": "c1"}, "'c1' already exists"),
    ("submit_claim", {"supersedes": "ghost"}, "'ghost' does not exist"),
    ("submit_claim", {"submitted_by": ""}, "submitted_by must not be empty"),
    ("withdraw_claim", {"claim_id": "ghost"}, "'ghost' does not exist"),
    ("withdraw_claim", {"claim_id": "c3"}, "c3 is already withdrawn"),
    ("withdraw_claim", {"reason": ""}, "reason must not be empty"),
    ("open_round", {"claim_id": "ghost"}, "'ghost' does not exist"),
    ("open_round", {"claim_id": "c4"}, "c4 already has round 1 open"),
    ("open_round", {"claim_id": 7}, "7"),
    ("cast_vote", {"decision": "maybe"}, "'maybe'"),
    ("cast_vote", {"verifier_id": "ghost"}, "'ghost' does not exist"),
    ("cast_vote", {"verifier_id": "v-en"}, "v-en does not read 'zh'"),
    ("cast_vote", {"verifier_id": "v-zh"}, "v-zh already voted"),
    ("cast_vote", {"note": LONG}, "note is 5000 characters long"),
    ("cast_vote", {"claim_id": "c2"}, "c2 has no open round"),
    ("close_round", {"claim_id": "ghost"}, "'ghost' does not exist"),
    ("close_round", {"claim_id": "c2"}, "c2 has no open round"),
    ("close_round", {"claim_id": "c1"}, "c1 is accepted"),
    ("file_appeal", {"edition_id": "ghost"}, "'ghost' does not exist"),
    ("file_appeal", {"city_id": "atlantis"}, "'atlantis'"),
    ("file_appeal", {"text": ""}, "text must not be empty"),
    ("file_appeal", {"text": LONG}, "text is 5000 characters long"),
    ("file_appeal", {"indicator_id": "X9"}, "'X9'"),
    ("file_appeal", {"appeal_id": "a1"}, "'a1' already exists"),
    ("file_appeal", {"filed_by": None}, "None"),
    ("answer_appeal", {"decision": "maybe"}, "'maybe'"),
    ("answer_appeal", {"appeal_id": "ghost"}, "'ghost' does not exist"),
    ("answer_appeal", {"appeal_id": "a1"}, "a1 is already dismissed"),
    ("answer_appeal", {"response": ""}, "response must not be empty"),
    ("answer_appeal", {"decision": "upheld"}, "only after a review round accepted"),
    ("file_appeal", {"rung": 9}, "9"),
    ("file_appeal", {"rung": None}, "rung"),
    ("file_appeal", {"sources": []}, "sources must be a non-empty list"),
    ("file_appeal", {"claim_id": "c1"}, "c1"),
    ("file_appeal", {"claim_id": "c3", "indicator_id": "I1"}, "c3 is withdrawn"),
    ("file_appeal", {"representing": "tokyo"}, "may not file for seoul"),
    ("withdraw_appeal", {"appeal_id": "ghost"}, "'ghost' does not exist"),
    ("withdraw_appeal", {"city_id": "tokyo"}, "tokyo may not withdraw"),
    ("withdraw_appeal", {"appeal_id": "a1", "city_id": "tokyo"}, "a1 is dismissed"),
    ("withdraw_appeal", {"reason": ""}, "reason must not be empty"),
    ("open_appeal_review", {"appeal_id": "ghost"}, "'ghost' does not exist"),
    ("open_appeal_review", {"appeal_id": "a3"}, "a3 already has review round 1 open"),
    ("open_appeal_review", {"appeal_id": "a1"}, "a1 is dismissed"),
    ("cast_appeal_vote", {"decision": "maybe"}, "'maybe'"),
    ("cast_appeal_vote", {"verifier_id": "ghost"}, "'ghost' does not exist"),
    ("cast_appeal_vote", {"verifier_id": "v-zh"}, "v-zh does not read 'en'"),
    ("cast_appeal_vote", {"verifier_id": "v-en"}, "v-en already voted"),
    ("cast_appeal_vote", {"appeal_id": "a2"}, "a2 has no open review round"),
    ("cast_appeal_vote", {"note": LONG}, "note is 5000 characters long"),
    ("close_appeal_review", {"appeal_id": "ghost"}, "'ghost' does not exist"),
    ("close_appeal_review", {"appeal_id": "a2"}, "a2 has no open review round"),
    ("give_feedback", {"edition_id": "ghost"}, "'ghost' does not exist"),
    ("give_feedback", {"city_id": "atlantis"}, "'atlantis'"),
    ("give_feedback", {"text": ""}, "text must not be empty"),
    ("give_feedback", {"feedback_id": "bad id!"}, "'bad id!'"),
    ("set_appeal_window", {"days": 0}, "0"),
    ("set_appeal_window", {"days": "30"}, "'30'"),
    ("set_appeal_window", {"edition_id": "ghost"}, "'ghost' does not exist"),
    ("publish", {"force": True, "reason": None}, "reason"),
    ("publish", {"force": False, "reason": None}, "undecided evidence that could change a band"),
    ("publish", {"corrects": 7}, "has no publication 7"),
    # The keywords every command takes.
    ("register_city", {"at": datetime(2023, 1, 1)}, "UTC offset"),
    ("register_city", {"at": "2023-01-01T00:00:00+00:00"}, "'2023-01-01T00:00:00+00:00'"),
    ("register_city", {"at": EPOCH}, "before the ledger head"),
    ("register_city", {"at": datetime(2999, 1, 1, tzinfo=EPOCH.tzinfo)}, "in the future"),
    ("register_city", {"idempotency_key": ""}, "idempotency_key must not be empty"),
    ("register_city", {"idempotency_key": LONG}, "idempotency_key is 5000 characters"),
]


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
    assert {command for command, _, _ in BAD} == set(COMMANDS)


@pytest.mark.parametrize("command", sorted(VALID))
def test_the_valid_arguments_are_accepted(command: str, prepared: Path, tmp_path: Path) -> None:
    rt = open_runtime(copy_db(prepared, tmp_path / "ledger.sqlite"))
    try:
        head = rt.ledger.head()
        getattr(rt.ledger, command)(**VALID[command])
        assert rt.ledger.head() > head
    finally:
        rt.close()


#: Refusals that do not name the bad value yet (reported to the lead); strict, so a fix shows.
def cases() -> list[Any]:
    """BAD as pytest params."""
    return [
        pytest.param(
            command,
            bad,
            expected,
            id=f"{command}-{'-'.join(bad)}-{n}",
        )
        for n, (command, bad, expected) in enumerate(BAD)
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
}  # fmt: skip


@pytest.mark.parametrize("case", list(CLI_CASES))
def test_the_cli_refuses_bad_input_in_one_line_and_records_nothing(
    case: str, world_db: Path, cli: Cli
) -> None:
    args, expected = CLI_CASES[case]
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
