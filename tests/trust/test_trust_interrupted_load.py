"""An interrupted `load-reference` (killed mid-way) can simply be run again."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from cityledger.bootstrap import open_runtime
from cityledger.export import digest_at
from cityledger.importer import parse, run
from cityledger.loading import load_reference
from cityledger.progress import Progress
from cityledger.reference import FILES
from ledger.errors import InvalidState, UnknownId
from ledger.integrity import verify_log
from projections.rankings import rankings

REPO = Path(__file__).resolve().parents[2]
CITIES = 300
#: Loads the data with a line on stdout after each recorded command, so a test can kill it mid-way.
LOUD_LOADER = """
import sys
from pathlib import Path
from cityledger.loading import load_reference
from cityledger.progress import Progress

class Loud(Progress):
    def track(self, items, name, unit):
        for i, item in enumerate(super().track(items, name, unit)):
            yield item
            print(name, i + 1, flush=True)

print(load_reference(Path(sys.argv[1]), Loud(), data=Path(sys.argv[2])), flush=True)
"""


def line(command: str, second: int, **args: Any) -> str:
    """One import line at 2023-01-01 plus `second` seconds."""
    at = f"2023-01-01T{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}+00:00"
    return json.dumps({"command": command, "at": at, "args": args})


def edition_commands(edition: str, first_city: int, start: int, publications: int) -> list[str]:
    """A framework, a panel, CITIES cities, an edition of them and its publications."""
    t = start
    framework = f"fw-{edition}"
    ladder = [{"rung": 1, "points": 0, "description": "none"},
              {"rung": 2, "points": 5, "description": "some"}]  # fmt: skip
    out = [
        line("define_framework", t, framework_id=framework, title="Small framework",
             pillars=[{"id": "digital", "name": "Digital"}],
             indicators=[{"id": "d1", "pillar": "digital", "name": "D1", "ladder": ladder}]),
        line("create_weight_set", t + 1, weight_set_id=f"w-{edition}", title="Panel",
             framework_id=framework, framework_version=1),
        line("enrol_panelist", t + 2, weight_set_id=f"w-{edition}", panelist_id="p1",
             field="public-administration"),
        line("cast_ballot", t + 3, weight_set_id=f"w-{edition}", panelist_id="p1",
             allocations={"d1": 100}),
        line("aggregate_weights", t + 4, weight_set_id=f"w-{edition}"),
    ]  # fmt: skip
    ids = [f"city-{i}" for i in range(first_city, first_city + CITIES)]
    out += [
        line("register_city", t + 5 + i, city_id=c, name_en=f"City {c}", name_zh="城", country="CN")
        for i, c in enumerate(ids)
    ]
    t += 5 + CITIES
    out += [
        line("create_edition", t, edition_id=edition, year=2023, title=f"Small {edition}",
             region="Asia", framework_id=framework, framework_version=1,
             weight_set_id=f"w-{edition}", evidence_cutoff="2023-06-30"),
        line("include_cities", t + 1, edition_id=edition, city_ids=ids),
    ]  # fmt: skip
    out += [line("publish", t + 2 + n, edition_id=edition) for n in range(publications)]
    return out


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Small stand-ins for the reference files (same names, a few hundred commands each)."""
    folder = tmp_path_factory.mktemp("reference-data")
    start = 0
    for n, (edition, name, publications) in enumerate(FILES):
        lines = edition_commands(edition, n * CITIES, start, publications)
        (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
        start += 10 * CITIES
    return folder


def quiet() -> tuple[Progress, io.StringIO]:
    """A progress reporter writing into a buffer."""
    stream = io.StringIO()
    return Progress(stream), stream


def fingerprint(path: Path) -> tuple[int, list[tuple[str, str]]]:
    """Head position and the first edition's published bands."""
    rt = open_runtime(path)
    try:
        rt.catch_up()
        assert verify_log(rt.ledger, rt.db.conn).ok
        view = rankings(rt.db, FILES[0][0], "total")
        return rt.ledger.head(), [(r.city_id, r.band) for r in view.rows]
    finally:
        rt.close()


def test_a_load_killed_mid_way_is_resumed_by_running_it_again(data: Path, tmp_path: Path) -> None:
    target = tmp_path / "ledger.sqlite"
    process = subprocess.Popen(
        [sys.executable, "-c", LOUD_LOADER, str(target), str(data)],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    for said in process.stdout:
        if said.strip() == f"{FILES[0][0]} 100":
            os.kill(process.pid, signal.SIGKILL)
            break
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    staging = tmp_path / "ledger.sqlite.loading"
    assert staging.exists() and not target.exists()  # the database itself was never half-loaded

    progress, stream = quiet()
    said = load_reference(target, progress, data=data)
    assert f"{FILES[0][0]}: loaded" in said and "discarding" in stream.getvalue()
    assert not staging.exists()

    clean = tmp_path / "clean.sqlite"
    load_reference(clean, quiet()[0], data=data)
    assert fingerprint(target) == fingerprint(clean)
    # And once more: nothing left to do, nothing written.
    again = load_reference(target, quiet()[0], data=data)
    assert "already loaded" in again and fingerprint(target) == fingerprint(clean)


def first_edition_only(data: Path, tmp_path: Path) -> Path:
    """A ledger file holding the reference's first file only, imported as `import` does."""
    target = tmp_path / "ledger.sqlite"
    rt = open_runtime(target)
    with (data / FILES[0][1]).open(encoding="utf-8") as handle:
        run(rt.ledger, parse(handle))
    rt.close()
    return target


def test_a_database_holding_the_first_edition_gets_the_second_without_touching_the_first(
    data: Path, tmp_path: Path
) -> None:
    target = first_edition_only(data, tmp_path)
    head, bands = fingerprint(target)
    before = chain_digest(target, head)
    said = load_reference(target, quiet()[0], data=data)
    assert f"{FILES[1][0]}: loaded" in said
    assert chain_digest(target, head) == before  # the first edition's log is untouched
    assert fingerprint(target)[1] == bands and fingerprint(target)[0] > head


def test_a_database_an_old_version_half_loaded_is_refused_saying_what_to_do(
    data: Path, tmp_path: Path
) -> None:
    target = tmp_path / "ledger.sqlite"
    rt = open_runtime(target)
    rt.ledger.register_city("city-0", "City 0", "城", "CN")
    rt.close()
    with pytest.raises(InvalidState) as refused:
        load_reference(target, quiet()[0], data=data)
    message = refused.value.message
    assert str(target) in message and "move" in message and "load-reference again" in message
    assert fingerprint_head(target) == 1


def chain_digest(path: Path, position: int) -> str:
    """The chain hash at a position."""
    with closing(open_runtime(path)) as rt:
        rt.catch_up()
        return digest_at(rt.db, position)


def fingerprint_head(path: Path) -> int:
    """The ledger head of a database."""
    with closing(open_runtime(path)) as rt:
        return rt.ledger.head()


def test_a_load_that_fails_removes_its_copy_and_leaves_the_database_as_it_was(
    data: Path, tmp_path: Path
) -> None:
    # The second file registers a city under another id: including it is refused half-way.
    broken = tmp_path / "data"
    broken.mkdir()
    for _, name, _ in FILES:
        (broken / name).write_bytes((data / name).read_bytes())
    second = broken / FILES[1][1]
    second.write_text(
        second.read_text(encoding="utf-8").replace('"city-300"', '"nowhere"', 1), encoding="utf-8"
    )
    target = first_edition_only(data, tmp_path)
    head, bands = fingerprint(target)
    before = chain_digest(target, head)

    with pytest.raises(UnknownId) as refused:
        load_reference(target, quiet()[0], data=broken)

    message = refused.value.message
    assert message.startswith(f"{FILES[1][1]}: line ") and "'city-300' does not" in message
    assert f"{target} is unchanged" in message and "load-reference again" in message
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("ledger")) == [
        "ledger.sqlite"
    ]
    assert fingerprint(target) == (head, bands) and chain_digest(target, head) == before


def test_a_database_another_process_has_open_is_not_replaced_under_it(
    data: Path, tmp_path: Path
) -> None:
    target = first_edition_only(data, tmp_path)
    head, bands = fingerprint(target)
    # A server that has caught up and written nothing since: its write-ahead log is empty.
    server = open_runtime(target)
    try:
        server.catch_up()
        wal = target.with_name(target.name + "-wal")
        assert not wal.exists() or wal.stat().st_size == 0

        with pytest.raises(InvalidState) as refused:
            load_reference(target, quiet()[0], data=data)

        assert "open in another process" in refused.value.message
        assert "serve" in refused.value.message and "nothing was changed" in refused.value.message
        assert not target.with_name(target.name + ".loading").exists()
        # The server still has the database itself: what it records is kept.
        at = datetime(2023, 1, 1, 0, 10, tzinfo=UTC)  # before the next file's first record
        server.ledger.register_city("city-x", "City X", "城", "CN", at=at)
    finally:
        server.close()
    assert fingerprint(target)[0] == head + 1
    said = load_reference(target, quiet()[0], data=data)
    assert f"{FILES[1][0]}: loaded" in said and fingerprint(target)[1] == bands
