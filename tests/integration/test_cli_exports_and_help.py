"""The kinder command line: editions, exports, --db, missing databases, help, progress."""

from __future__ import annotations

import argparse
import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from cityledger.bootstrap import Runtime
from cityledger.cli import build_parser, main
from cityledger.progress import Progress
from tests.support.builders import EDITION
from tests.support.cli import run

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def db(world: Runtime, tmp_path: Path) -> Path:
    """The small world, published once, as a file passed with --db (no CITYLEDGER_DB)."""
    world.ledger.publish(EDITION)
    world.catch_up()
    return tmp_path / "ledger.sqlite"


def leaf_parsers() -> list[tuple[str, argparse.ArgumentParser]]:
    """Every command's parser (subcommands of `prove` and `token` included)."""
    found: list[tuple[str, argparse.ArgumentParser]] = []

    def walk(name: str, parser: argparse.ArgumentParser) -> None:
        subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if not subs:
            found.append((name, parser))
        for action in subs:
            for child_name, child in action.choices.items():
                walk(f"{name} {child_name}".strip(), child)

    walk("", build_parser())
    return found


def test_every_argument_of_every_command_has_help_and_every_command_takes_db() -> None:
    for name, parser in leaf_parsers():
        options = [a for a in parser._actions if a.dest != "help"]  # positionals too
        assert all(a.help for a in options), (name, [a.dest for a in options if not a.help])
        assert "--db" in parser._option_string_actions, name


def test_top_level_help_lists_every_command_with_its_purpose(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    text = capsys.readouterr().out
    top = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    for name in top.choices:
        assert f"    {name}" in text, name
    assert len(top._choices_actions) == len(top.choices)  # each has a help line


def test_a_read_command_on_a_missing_database_names_it_and_creates_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nothing-here.sqlite"
    for args in (
        ["rank", "--edition", "e", "--table", "total"],
        ["editions"],
        ["verify"],
        ["events"],
        ["export", "--edition", "e", "--table", "total", "--format", "csv"],
    ):
        code, out, err = run(capsys, *args, "--db", str(missing))
        assert code == 2 and out == "", args
        assert str(missing) in err and "does not exist" in err and len(err.splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_editions_lists_each_edition_with_its_publications(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "editions", "--db", str(db), "--format", "json")
    rows = json.loads(out)
    assert code == 0 and [r["edition_id"] for r in rows] == [EDITION]
    assert rows[0]["publications"] == 1 and rows[0]["latest_publication"] == 1
    code, out, _ = run(capsys, "editions", "--db", str(db))
    assert code == 0 and EDITION in out and "latest publication 1" in out


def test_an_unknown_edition_is_refused_listing_the_known_ones(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "rank", "--db", str(db), "--edition", "nope", "--table", "total")
    assert code == 2 and f"known: {EDITION}" in err and len(err.splitlines()) == 1


def test_csv_export_has_a_header_and_scores_as_decimals_beside_exact_fractions(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        capsys, "export", "--db", str(db), "--edition", EDITION, "--table", "total",
        "--publication", "1", "--format", "csv",
    )  # fmt: skip
    header = [line for line in out.splitlines() if line.startswith("# ")]
    keys = [line[2:].split(":")[0] for line in header]
    assert code == 0 and keys == [
        "edition",
        "table",
        "cut",
        "digest",
        "time of position",
        "exported at",
    ]
    rows = list(
        csv.DictReader(io.StringIO("\n".join(x for x in out.splitlines() if not x.startswith("#"))))
    )
    assert rows and {"rank", "score", "score_exact"} <= set(rows[0])
    from fractions import Fraction

    for row in rows:
        assert abs(Fraction(row["score"]) - Fraction(row["score_exact"])) <= Fraction(1, 200)


@pytest.mark.parametrize("fmt", ["json", "markdown", "svg", "html"])
def test_every_export_format_names_its_cut_and_digest(
    fmt: str, db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        capsys, "export", "--db", str(db), "--edition", EDITION, "--table", "institutional",
        "--as-of", "40", "--format", fmt, "--lang", "zh",
    )  # fmt: skip
    assert code == 0 and "40" in out
    if fmt == "json":
        doc = json.loads(out)
        assert doc["header"]["position"] == 40 and len(doc["header"]["digest"]) == 64
    if fmt == "svg":
        import xml.etree.ElementTree as ET

        root = ET.fromstring(out)
        ns = "{http://www.w3.org/2000/svg}"
        assert root.tag == f"{ns}svg" and root.find(f"{ns}title") is not None
        assert len(root.findall(f"{ns}rect")) == 5  # the background and four bands
        assert "前10%" in out


def test_an_export_with_both_a_publication_and_a_point_is_refused(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(
            ["export", "--db", str(db), "--edition", EDITION, "--table", "total",
             "--publication", "1", "--as-of", "3", "--format", "csv"]
        )  # fmt: skip
    out = capsys.readouterr()
    assert exit_.value.code == 2 and out.out == "" and "not allowed with" in out.err


def test_an_export_that_cannot_be_written_names_the_file(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # /dev/full opens, then refuses every write: the error itself names no file.
    code = main(
        ["export", "--db", str(db), "--edition", EDITION, "--table", "total",
         "--format", "csv", "--output", "/dev/full"]
    )  # fmt: skip

    out = capsys.readouterr()
    assert code == 1 and out.out == ""
    assert out.err == "cityledger: No space left on device: /dev/full\n"


def test_changes_speak_json_and_csv(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["changes", "--db", str(db), "--edition", EDITION, "--table", "total", "--before", "20"]
    code, out, _ = run(capsys, *base, "--format", "json")
    moves = json.loads(out)
    assert (
        code == 0 and moves and {"city_id", "before_band", "after_band", "causes"} <= set(moves[0])
    )
    code, out, _ = run(capsys, *base, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and [r["city_id"] for r in rows] == [m["city_id"] for m in moves]


def test_progress_is_a_bar_on_a_terminal_and_one_line_per_long_stage_otherwise() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Tty()
    for _ in Progress(terminal).track(range(2000), "import", "command"):
        pass
    assert "2000/2000" in terminal.getvalue() and "command/s" in terminal.getvalue()
    plain = io.StringIO()
    progress = Progress(plain)
    for _ in progress.track(range(2000), "import", "command"):
        pass
    for _ in progress.track(range(10), "short", "command"):
        pass
    lines = plain.getvalue().splitlines()
    assert len(lines) == 1 and lines[0].startswith("import: 2,000 commands in ")


def test_import_reports_progress_off_a_terminal_in_one_line(tmp_path: Path) -> None:
    lines = [
        json.dumps(
            {
                "command": "register_city",
                "at": f"2023-01-01T00:{i // 60:02d}:{i % 60:02d}+00:00",
                "args": {"city_id": f"c{i}", "name_en": f"C {i}", "name_zh": "城", "country": "CN"},
            }
        )
        for i in range(1000)
    ]
    (tmp_path / "cities.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "cityledger.cli", "import", "--db", str(tmp_path / "x.sqlite"),
         "--file", str(tmp_path / "cities.jsonl")],
        cwd=REPO, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("imported 1000 commands")
    assert done.stderr.splitlines()[0].startswith("import: 1,000 commands in ")
