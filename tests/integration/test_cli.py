"""The `cityledger` command line: tables, the event export, and one-line errors."""

from __future__ import annotations

import csv
import io
import json
import socket
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cityledger import importer
from cityledger.bootstrap import Runtime
from ledger.chain import GENESIS, link
from tests.support.builders import EDITION
from tests.support.cli import run


@pytest.fixture
def cli_world(world: Runtime, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Runtime:
    """The small world, with CITYLEDGER_DB pointing at its file."""
    monkeypatch.setenv("CITYLEDGER_DB", str(tmp_path / "ledger.sqlite"))
    return world


def test_rank_json_lists_cities_with_score_rank_and_band(
    cli_world: Runtime, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "rank", "--edition", EDITION, "--table", "total", "--format", "json")
    rows = json.loads(out)
    assert code == 0
    assert set(rows[0]) == {"city_id", "name_en", "name_zh", "score", "rank", "band"}
    assert [r["city_id"] for r in rows][:2] == ["beijing", "shanghai"]
    assert {r["band"] for r in rows} <= {"top 10%", "10%-30%", "30%-60%", "60%-100%"}


def test_rank_csv_and_as_of_position(
    cli_world: Runtime, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        capsys, "rank", "--edition", EDITION, "--table", "institutional", "--format", "csv",
        "--as-of", "40",
    )  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and len(rows) == 6


def test_report_layout_fills_two_columns_left_first_in_pinyin_order(
    cli_world: Runtime, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        capsys,
        "rank",
        "--edition",
        EDITION,
        "--table",
        "total",
        "--format",
        "report",
        "--lang",
        "zh",
    )
    assert code == 0
    assert "前10%" in out and "60%-100% (" in out


def test_events_jsonl_lets_anyone_recompute_the_chain(
    cli_world: Runtime, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "events", "--format", "jsonl")
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(lines) == cli_world.ledger.head()
    assert {"position", "type", "time", "data"} <= set(lines[0])
    digest = GENESIS
    for e in lines:
        digest = link(
            digest,
            e["position"],
            e["originator_id"],
            e["originator_version"],
            e["topic"],
            e["stored"],
        )
    assert digest == cli_world.ledger.digest_at(cli_world.ledger.head())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("rank", "--edition", "nowhere", "--table", "total"), "edition 'nowhere'"),
        (("rank", "--edition", EDITION, "--table", "total", "--as-of", "last week"), "'last week'"),
        (
            ("rank", "--edition", EDITION, "--table", "total", "--as-of", "2023-06-01T00:00"),
            "UTC offset",
        ),
        (
            ("rank", "--edition", EDITION, "--table", "total", "--published-at", "yesterday"),
            "--published-at 'yesterday' is not an ISO-8601 time",
        ),
        (
            ("rank", "--edition", EDITION, "--table", "total", "--published-at", "2023-06-01"),
            "--published-at '2023-06-01' needs a UTC offset",
        ),
    ],
)
def test_errors_are_one_line_on_stderr_with_a_non_zero_exit(
    cli_world: Runtime, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], message: str
) -> None:
    head = cli_world.ledger.head()
    code, out, err = run(capsys, *args)
    assert code != 0 and out == ""
    assert len(err.strip().splitlines()) == 1 and message in err
    assert "Traceback" not in err
    assert cli_world.ledger.head() == head


def test_import_refuses_a_malformed_file_and_records_nothing(
    cli_world: Runtime, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.jsonl"
    args = '{"city_id": "hue", "name_en": "Hue", "name_zh": "顺化", "country": "VN"}'
    good = f'{{"command": "register_city", "at": "2023-01-01T00:00:00+00:00", "args": {args}}}'
    bad.write_text(good + "\n{not json\n", encoding="utf-8")
    head = cli_world.ledger.head()
    code, _, err = run(capsys, "import", "--file", str(bad))
    assert code == 2 and "line 2 is not JSON" in err
    assert cli_world.ledger.head() == head


LINE = '{"command": "%s", "at": "2023-01-01T00:00:00+00:00", "args": %s}'


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (LINE % ("register_city", '{"city_id": "x"}'), "missing a required argument: 'name_en'"),
        (LINE % ("open_round", '{"claim_id": "c", "at": "2023-01-01T00:00:00+00:00"}'),
         "the time goes on the line"),
        (LINE % ("open_round", '{"claim_id": "\\ud800"}'), "invalid Unicode"),
        ("[" * 5000 + "]" * 5000, "nested too deeply"),
        (LINE % ("open_round", '{"claim_id": "c-1", "claim_id": "c-2"}'),
         "line 1 repeats the key 'claim_id' in one object"),
        (LINE.replace('"%s"', "%s") % ('["open_round"]', "{}"), "unknown command ['open_round']"),
        (LINE.replace('"%s"', "%s") % ('{"name": "open_round"}', "{}"), "unknown command {'name'"),
    ],
)  # fmt: skip
def test_import_checks_every_line_before_recording_any(
    cli_world: Runtime, capsys: pytest.CaptureFixture[str], tmp_path: Path, line: str, message: str
) -> None:
    path = tmp_path / "commands.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    head = cli_world.ledger.head()
    code, _, err = run(capsys, "import", "--file", str(path))
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
    assert cli_world.ledger.head() == head


def test_an_endless_import_line_is_refused_without_reading_it_all(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # /dev/zero has no line end: a line is read up to the limit (1 MiB), no further.
    new = tmp_path / "new.sqlite"

    code, out, err = run(capsys, "import", "--db", str(new), "--file", "/dev/zero")

    assert code == 2 and out == ""
    assert "line 1 is longer than 1,048,576 characters; it was not read further" in err
    assert not new.exists()


def test_an_import_line_of_exactly_the_limit_is_read(tmp_path: Path) -> None:
    path = tmp_path / "commands.jsonl"
    path.write_text("a" * 10 + "\n" + "b" * 10, encoding="utf-8")

    with path.open(encoding="utf-8") as handle:
        assert list(importer.bounded_lines(handle, 10)) == ["a" * 10 + "\n", "b" * 10]


REFUSED_FILES = {
    "not JSON": (b"{not json\n", "line 1 is not JSON"),
    "UTF-16": ((LINE % ("open_round", "{}") + "\n").encode("utf-16"), "is not UTF-8 text"),
    "Latin-1": ('{"command": "café"}\n'.encode("latin-1"), "is not UTF-8 text"),
    "missing": (None, "No such file or directory"),
}


@pytest.mark.parametrize(("content", "message"), REFUSED_FILES.values(), ids=list(REFUSED_FILES))
def test_a_refused_import_file_creates_no_database(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: bytes | None, message: str
) -> None:
    path = tmp_path / "commands.jsonl"
    if content is not None:
        path.write_bytes(content)
    new = tmp_path / "new.sqlite"

    code, out, err = run(capsys, "import", "--db", str(new), "--file", str(path))

    assert code != 0 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1
    assert not new.exists()
    assert [p.name for p in tmp_path.iterdir()] == (["commands.jsonl"] if content else [])


def test_a_from_line_past_the_files_last_command_is_refused_and_creates_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "commands.jsonl"
    path.write_text(LINE % ("open_round", '{"claim_id": "c-1"}') + "\n\n", encoding="utf-8")
    new = tmp_path / "new.sqlite"

    code, out, err = run(
        capsys, "import", "--db", str(new), "--file", str(path), "--from-line", "5"
    )

    assert code == 2 and out == ""
    assert f"--from-line 5 is past the last command of {path} (line 1)" in err
    assert not new.exists()


def test_import_reads_a_file_that_starts_with_a_utf8_byte_order_mark(
    cli_world: Runtime, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "commands.jsonl"
    args = '{"city_id": "hue", "name_en": "Hue", "name_zh": "顺化", "country": "VN"}'
    now = datetime.now(UTC).isoformat()  # the small world was recorded just now
    line = LINE.replace("2023-01-01T00:00:00+00:00", now) % ("register_city", args)
    path.write_bytes(b"\xef\xbb\xbf" + line.encode() + b"\n")
    head = cli_world.ledger.head()

    code, out, err = run(capsys, "import", "--file", str(path))

    assert (code, err) == (0, "") and out.startswith("imported 1 commands")
    assert cli_world.ledger.head() == head + 1


def test_a_database_path_that_cannot_be_a_ledger_is_one_clear_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    not_sqlite = tmp_path / "notes.txt"
    not_sqlite.write_text("hello", encoding="utf-8")
    for path, message in (
        (tmp_path, "is a directory"),
        (tmp_path / "missing" / "x.sqlite", "does not exist"),
        (not_sqlite, "file is not a database"),
    ):
        monkeypatch.setenv("CITYLEDGER_DB", str(path))
        code, _, err = run(capsys, "rank", "--edition", EDITION, "--table", "total")
        assert code == 2 and message in err and len(err.strip().splitlines()) == 1
    assert not_sqlite.read_text(encoding="utf-8") == "hello"


def test_compare_lists_both_editions_bands_side_by_side(
    cli_world: Runtime, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        capsys, "compare", "--a", EDITION, "--b", EDITION, "--table", "total", "--format", "json",
        "--at", "now",
    )  # fmt: skip
    data = json.loads(out)
    assert code == 0 and len(data["rows"]) == 6 and data["comparable"] is True
    assert all(r["band_a"] == r["band_b"] and r["rank_a"] == r["rank_b"] for r in data["rows"])


def test_serve_on_a_port_another_server_holds_is_one_line_before_anything_is_opened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "ledger.sqlite"
    monkeypatch.setenv("CITYLEDGER_DB", str(database))
    with socket.socket() as other:  # another server, listening
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]

        code, out, err = run(capsys, "serve", "--port", str(port))

    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1, err
    assert err.startswith(f"cityledger: INVALID_INPUT: cannot listen on 127.0.0.1:{port}: ")
    assert "another --port" in err
    assert not database.exists()  # refused before the ledger was opened (or created)
