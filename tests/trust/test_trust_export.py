"""The auditor's offline check: `cityledger events` output plus a published digest."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from cityledger.bootstrap import Runtime
from ledger.integrity import digest_of_export, verify_log
from tests.support.databases import copy_db
from tests.trust.trust_world import REPO, run_cli

SCRIPT = re.compile(
    r"<!-- auditor-script:start -->\s*```python\n(.*?)```\s*<!-- auditor-script:end -->", re.S
)


def documented_script() -> str:
    """The check script exactly as docs/TRUST.md shows it."""
    found = SCRIPT.search((REPO / "docs" / "TRUST.md").read_text(encoding="utf-8"))
    assert found is not None, "docs/TRUST.md lost its auditor script"
    return found.group(1)


def publications(lines: list[str]) -> list[tuple[int, str]]:
    """(position, digest) of every RankingPublished line."""
    entries = [json.loads(line) for line in lines]
    return [
        (e["data"]["position"], e["data"]["digest"])
        for e in entries
        if e["type"] == "RankingPublished"
    ]


@pytest.fixture(scope="module")
def export(world_template: Path, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The world's log as `cityledger events` prints it."""
    db = copy_db(world_template, tmp_path_factory.mktemp("export") / "ledger.sqlite")
    result = run_cli(db, "events")
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def run_script(
    tmp_path: Path, lines: list[str], upto: int, digest: str, *seal: str
) -> tuple[int, str]:
    """Run the documented script on an export; return its exit status and its output."""
    script = tmp_path / "check_digest.py"
    script.write_text(documented_script(), encoding="utf-8")
    data = tmp_path / "export.jsonl"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-I", str(script), str(data), str(upto), digest, *seal],
        capture_output=True,
        text=True,
        timeout=60,
    )
    return result.returncode, (result.stdout + result.stderr).strip()


def test_the_documented_script_is_short_and_uses_only_the_standard_library() -> None:
    code = documented_script()

    assert len(code.strip().splitlines()) == 21
    imports = re.findall(r"^import (.+?)(?:\s+#.*)?$", code, re.M)
    assert imports == ["hashlib, json, sys"]
    assert "from " not in code


def test_every_publication_digest_is_recomputed_from_the_export(
    export: list[str], world: Runtime
) -> None:
    pins = publications(export)

    assert len(pins) == 2
    for position, digest in pins:
        assert digest_of_export(export, position) == digest
        assert world.ledger.digest_at(position) == digest


def test_the_documented_script_agrees_with_digest_of_export(
    export: list[str], tmp_path: Path
) -> None:
    (position, digest), _ = publications(export)
    at = 1 + next(n for n, line in enumerate(export) if f'"digest": "{digest}"' in line)

    status, output = run_script(tmp_path, export, position, digest)
    others = {upto: run_script(tmp_path, export, upto, "0" * 64) for upto in (1, 5, len(export))}

    assert status == 0, output
    assert output.splitlines() == [
        digest,
        f"publication recorded at position {at}; chain digest at {len(export)}: "
        f"{digest_of_export(export, len(export))}",
    ]
    for upto, (other_status, other) in others.items():
        assert other_status == 1
        assert other.splitlines()[0] == digest_of_export(export, upto)
        assert "no publication in the export pins" in other


def test_the_export_is_checked_up_to_the_position_only(export: list[str]) -> None:
    (position, digest), _ = publications(export)

    assert digest_of_export(export[:position], position) == digest
    assert digest_of_export([*export[:position], "not even JSON"], position) == digest


def edit(lines: list[str], position: int, change: str) -> list[str]:
    """A copy of the export with one line edited."""
    out = list(lines)
    entry = json.loads(out[position - 1])
    if change == "stored":  # a careful forger keeps `data` in step with `stored`
        entry["stored"] = entry["stored"].replace('"accept"', '"reject"')
        entry["data"]["decision"] = "reject"
    elif change == "data":
        entry["data"]["decision"] = "reject"
    elif change == "time":
        entry["time"] = entry["time"].replace("20", "19", 1)
    elif change == "type":
        entry["type"] = "VoteRetracted"
    out[position - 1] = json.dumps(entry, ensure_ascii=False, sort_keys=True)
    return out


@pytest.mark.parametrize("change", ["stored", "data", "time", "type"])
def test_an_edited_export_does_not_reproduce_the_digest(
    change: str, export: list[str], tmp_path: Path
) -> None:
    (position, digest), _ = publications(export)
    vote = next(
        n for n, line in enumerate(export, start=1) if json.loads(line)["type"] == "VoteCast"
    )
    edited = edit(export, vote, change)

    status, output = run_script(tmp_path, edited, position, digest)

    assert status != 0
    if change == "stored":
        assert digest_of_export(edited, position) != digest
        assert output != digest
    else:
        with pytest.raises(
            ValueError, match=f"position {vote}: {change if change != 'data' else 'data'}"
        ):
            digest_of_export(edited, position)
        assert f"line {vote} does not show the event stored at position {vote}" in output


@pytest.mark.parametrize("damage", ["drop", "swap", "truncate"])
def test_a_damaged_export_is_refused(damage: str, export: list[str], tmp_path: Path) -> None:
    (position, digest), _ = publications(export)
    lines = list(export)
    if damage == "drop":
        del lines[9]
    elif damage == "swap":
        lines[9], lines[10] = lines[10], lines[9]
    else:
        lines = lines[: position - 1]

    status, _ = run_script(tmp_path, lines, position, digest)

    assert status != 0
    with pytest.raises(ValueError, match=r"position 10 is missing|ends at position"):
        digest_of_export(lines, position)


def test_a_missing_latest_publication_fails_the_check(export: list[str], tmp_path: Path) -> None:
    _, (position, digest) = publications(export)
    assert json.loads(export[-1])["type"] == "RankingPublished"

    status, output = run_script(tmp_path, export[:-1], position, digest)

    assert status != 0
    assert f"no publication in the export pins position {position}" in output


def forge_publication(lines: list[str], change: dict[str, object]) -> list[str]:
    """The export with its last line (the latest publication) rewritten consistently: its
    `stored` text and `data` both carry the change, as a careful forger would."""
    entry = json.loads(lines[-1])
    stored = json.loads(entry["stored"])
    stored.update(change)
    entry["data"].update(change)
    entry["stored"] = json.dumps(stored, ensure_ascii=False, separators=(",", ":"))
    return [*lines[:-1], json.dumps(entry, ensure_ascii=False, sort_keys=True)]


def test_the_chain_head_verify_reports_covers_the_latest_publication(
    export: list[str], world: Runtime, tmp_path: Path
) -> None:
    _, (position, digest) = publications(export)
    head = len(export)
    # What `cityledger verify` printed after the publication: the chain head over 1..head.
    report = verify_log(world.ledger, world.db.conn)
    chain_head = world.ledger.digest_at(head)
    assert f"chain head {chain_head}" in report.summary
    seal = f"{head}:{chain_head}"
    forged = forge_publication(export, {"table_digests": {"total": "0" * 64}})
    repinned = forge_publication(export, {"digest": "f" * 64})

    assert run_script(tmp_path, export, position, digest, seal)[0] == 0
    assert run_script(tmp_path, forged, position, digest, seal)[0] == 1
    assert run_script(tmp_path, repinned, position, digest, seal)[0] != 0
    # A head from before the publication does not cover it.
    assert run_script(tmp_path, export, position, digest, f"{position}:{digest}")[0] == 1
