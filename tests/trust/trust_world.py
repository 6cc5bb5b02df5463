"""The trust suite's world: a small ledger built through the Ledger API, fixtures and the CLI."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cityledger.bootstrap import Runtime, open_runtime
from ledger.application import Ledger
from tests.support.databases import build_template, closing_all, copy_db
from tests.support.inputs import source

REPO = Path(__file__).resolve().parents[2]
EDITION = "asia-2023"
FRAMEWORK = "asc"
WEIGHTS = "asc-weights"
PILLARS = [
    {"id": "digital", "name": "Digital infrastructure"},
    {"id": "traditional", "name": "Traditional infrastructure"},
    {"id": "institutional", "name": "Institutional infrastructure"},
]
INDICATORS = [
    {"id": pid, "pillar": pillar, "name": f"Indicator {pid}", "ladder": [
        {"rung": n, "points": 5 * n, "description": f"rung {n}"} for n in (1, 2, 3)
    ]}
    for pid, pillar in (("D1", "digital"), ("T1", "traditional"), ("I1", "institutional"))
]  # fmt: skip
CITIES = [
    ("beijing", "Beijing", "北京", "CN"),
    ("tokyo", "Tokyo", "东京", "JP"),
    ("seoul", "Seoul", "首尔", "KR"),
    ("taizhou-zj", "Taizhou", "台州", "CN"),
]
#: Verifier ids and the languages each reads.
VERIFIERS = {"v-zh-en": ["zh", "en"], "v-zh": ["zh"], "v-en": ["en"], "v-en-ja": ["en", "ja"]}
#: A fixed start for commands given explicit times.
EPOCH = datetime(2023, 1, 2, 3, 4, 5, tzinfo=UTC)

#: Runs the CLI on a database file: (db, *args) -> CompletedProcess.
Cli = Callable[..., "subprocess.CompletedProcess[str]"]


def build_base(ledger: Ledger, at: datetime | None = None) -> None:
    """Framework, weights with one ballot, an edition of four cities and four verifiers."""
    step = iter(range(1000))

    def t() -> datetime | None:
        return None if at is None else at + timedelta(seconds=next(step))

    ledger.define_framework(FRAMEWORK, "Asian Smart City framework", PILLARS, INDICATORS, at=t())
    ledger.create_weight_set(WEIGHTS, "Panel weights", FRAMEWORK, 1, at=t())
    ledger.enrol_panelist(WEIGHTS, "p1", "digital-infrastructure", at=t())
    ledger.cast_ballot(WEIGHTS, "p1", {"D1": 40, "T1": 30, "I1": 30}, at=t())
    ledger.aggregate_weights(WEIGHTS, at=t())
    ledger.create_edition(
        EDITION, 2023, "Asian Smart City Ranking 2023", "Asia",
        FRAMEWORK, 1, WEIGHTS, "2023-06-30", quorum=2, at=t(),
    )  # fmt: skip
    for city_id, name_en, name_zh, country in CITIES:
        ledger.register_city(city_id, name_en, name_zh, country, at=t())
    ledger.include_cities(EDITION, [c[0] for c in CITIES], at=t())
    for verifier_id, languages in VERIFIERS.items():
        ledger.enrol_verifier(verifier_id, languages, at=t())


def build_world(ledger: Ledger) -> None:
    """The base, verified and withdrawn claims, two publications and an answered appeal."""
    build_base(ledger)
    ledger.submit_claim(EDITION, "beijing", "D1", 3, [source("zh")], "researcher", "c1")
    ledger.open_round("c1")
    ledger.cast_vote("c1", "v-zh-en", "accept", "confirmed")
    ledger.cast_vote("c1", "v-zh", "accept")
    ledger.close_round("c1")
    ledger.submit_claim(EDITION, "tokyo", "T1", 2, [source("en")], "researcher", "c2")
    ledger.open_round("c2")
    ledger.cast_vote("c2", "v-en", "accept")
    ledger.cast_vote("c2", "v-en-ja", "reject", "source is a press release")
    ledger.close_round("c2")
    ledger.submit_claim(EDITION, "seoul", "I1", 2, [source("en")], "researcher", "c3")
    ledger.withdraw_claim("c3", "duplicate", "researcher")
    ledger.publish(EDITION, force=True, reason="c2 needs another round; publish on schedule")
    ledger.submit_claim(
        EDITION, "taizhou-zj", "D1", 2, [source("zh", "evidence 2")], "researcher", "c4"
    )
    ledger.open_round("c4")
    ledger.cast_vote("c4", "v-zh", "accept")
    ledger.file_appeal(
        EDITION, "tokyo", "Our metro opened in March.", "tokyo-office", "T1", "a1", rung=2,
        sources=[source("en")],
    )  # fmt: skip
    ledger.answer_appeal("a1", "dismissed", "The claim is still under review.")
    ledger.publish(EDITION, force=True, reason="c4 is still under review; publish on schedule")


@pytest.fixture(scope="session")
def world_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A world ledger built once, caught up, and closed; tests work on copies."""
    path = tmp_path_factory.mktemp("template") / "world.sqlite"
    return build_template(path, lambda rt: build_world(rt.ledger))


@pytest.fixture
def world_db(world_template: Path, tmp_path: Path) -> Path:
    """A fresh copy of the world ledger's file."""
    return copy_db(world_template, tmp_path / "ledger.sqlite")


@pytest.fixture
def open_rt() -> Iterator[Callable[[Path], Runtime]]:
    """Opens runtimes on files, closing every one of them after the test."""
    with closing_all(open_runtime) as opener:
        yield opener


@pytest.fixture
def world(world_db: Path, open_rt: Callable[[Path], Runtime]) -> Runtime:
    """A runtime on a copy of the world ledger, caught up."""
    rt = open_rt(world_db)
    rt.catch_up()
    return rt


def cli_env(db: Path) -> dict[str, str]:
    """The environment for a CLI or driver child process on a database file."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CITYLEDGER_", "POSTGRES_"))}
    env.pop("PERSISTENCE_MODULE", None)
    env["CITYLEDGER_DB"] = str(db)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


def run_cli(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `python -m cityledger.cli ARGS` on a database file and return the result."""
    return subprocess.run(
        [sys.executable, "-m", "cityledger.cli", *args],
        env=cli_env(db),
        cwd=db.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def cli() -> Cli:
    """Runs the CLI on a database file: cli(db, *args) -> CompletedProcess."""
    return run_cli


#: An event's data changed so that the read side cannot fold it (position, text, changed to).
UNREPLAYABLE = {
    "a city without its id": (7, b'"city_id"', b'"city"'),
    "a claim's points not a number": (21, b'"points":', b'"points":"x","was":'),
    "a claim without its id": (21, b'"claim_id"', b'"claim"'),
}


def raw(db: Path) -> sqlite3.Connection:
    """A plain sqlite3 connection to the file, as a tamperer would open it."""
    return sqlite3.connect(db, isolation_level=None, timeout=30)
