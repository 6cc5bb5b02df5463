"""A bulk import killed with SIGKILL: the log stays whole, every acknowledged command is in it."""

from __future__ import annotations

import json
import random
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from cityledger.bootstrap import Runtime
from ledger.integrity import verify_log
from tests.support.inputs import source
from tests.trust.trust_world import (
    CITIES,
    EDITION,
    EPOCH,
    FRAMEWORK,
    INDICATORS,
    PILLARS,
    VERIFIERS,
    WEIGHTS,
    cli_env,
)

COMMANDS = 3000
CATCH_UP_EVERY = 150  # the driver runs the follower this often, so a kill can hit it too
#: Acknowledged commands before the kill: right when the follower starts, and mid-import.
KILL_AFTER = (2 * CATCH_UP_EVERY, 637)

DRIVER = """
import sys
from pathlib import Path
from cityledger.bootstrap import open_runtime
from cityledger.importer import parse, run

db, commands, every = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
rt = open_runtime(db)
with commands.open(encoding="utf-8") as handle:
    parsed = parse(handle)
for n, command in enumerate(parsed, start=1):
    run(rt.ledger, [command])
    print(f"ack {n}", flush=True)
    if n % every == 0:
        rt.catch_up()
rt.close()
"""


def generate(seed: int) -> Iterator[tuple[dict[str, Any], tuple[str, str]]]:
    """Endless commands (one event each, in time order) with the (type, key) of each's event."""
    rng = random.Random(seed)
    clock = iter(EPOCH + timedelta(seconds=n) for n in range(10**6))

    def command(name: str, **args: Any) -> dict[str, Any]:
        return {"command": name, "at": next(clock).isoformat(), "args": args}

    yield command("define_framework", framework_id=FRAMEWORK, title="F", pillars=PILLARS,
                  indicators=INDICATORS), ("FrameworkDefined", FRAMEWORK)  # fmt: skip
    yield command("create_weight_set", weight_set_id=WEIGHTS, title="W", framework_id=FRAMEWORK,
                  framework_version=1), ("WeightSetCreated", WEIGHTS)  # fmt: skip
    yield command("create_edition", edition_id=EDITION, year=2023, title="E", region="Asia",
                  framework_id=FRAMEWORK, framework_version=1, weight_set_id=WEIGHTS,
                  evidence_cutoff="2023-06-30"), ("EditionCreated", EDITION)  # fmt: skip
    for city_id, name_en, name_zh, country in CITIES:
        yield command("register_city", city_id=city_id, name_en=name_en, name_zh=name_zh,
                      country=country), ("CityRegistered", city_id)  # fmt: skip
    yield (
        command("include_cities", edition_id=EDITION, city_ids=[c[0] for c in CITIES]),
        (
            "CitiesIncluded",
            EDITION,
        ),
    )
    zh_readers = [v for v, languages in VERIFIERS.items() if "zh" in languages]
    for verifier_id, languages in VERIFIERS.items():
        yield (
            command("enrol_verifier", verifier_id=verifier_id, languages=languages),
            (
                "VerifierEnrolled",
                verifier_id,
            ),
        )
    n = 0
    while True:
        n += 1
        claim_id = f"k{n}"
        city, indicator = rng.choice(CITIES)[0], rng.choice(INDICATORS)["id"]
        yield command("submit_claim", edition_id=EDITION, city_id=city, indicator_id=indicator,
                      rung=rng.randint(1, 3), sources=[source("zh", f"evidence {n}")],
                      submitted_by="importer",
                      claim_id=claim_id), ("ClaimSubmitted", claim_id)  # fmt: skip
        yield command("open_round", claim_id=claim_id), ("RoundOpened", claim_id)
        for verifier_id in zh_readers:
            decision = rng.choice(["accept", "reject"])
            yield command("cast_vote", claim_id=claim_id, verifier_id=verifier_id,
                          decision=decision), ("VoteCast", f"{claim_id}/{verifier_id}")  # fmt: skip
        yield command("close_round", claim_id=claim_id), ("RoundClosed", claim_id)


def event_key(record_type: str, data: dict[str, Any], claims: dict[str, str], oid: str) -> str:
    """The key generate() expects for a recorded event."""
    if record_type in ("RoundOpened", "RoundClosed"):
        return claims[oid]
    if record_type == "VoteCast":
        return f"{claims[oid]}/{data['verifier_id']}"
    if record_type == "CitiesIncluded":
        return EDITION
    for key in ("claim_id", "city_id", "verifier_id", "edition_id", "weight_set_id"):
        if key in data:
            return str(data[key])
    return str(data.get("framework_id"))


@pytest.mark.parametrize("kill_after", KILL_AFTER)
def test_a_killed_import_leaves_a_whole_log_with_every_acknowledged_command(
    kill_after: int, tmp_path: Path, open_rt: Callable[[Path], Runtime]
) -> None:
    db = tmp_path / "ledger.sqlite"
    made = [made for _, made in zip(range(COMMANDS), generate(seed=2023), strict=False)]
    expected = [event for _, event in made]
    commands = tmp_path / "commands.jsonl"
    commands.write_text("".join(json.dumps(c) + "\n" for c, _ in made), encoding="utf-8")
    script = tmp_path / "driver.py"
    script.write_text(DRIVER, encoding="utf-8")

    child = subprocess.Popen(
        [sys.executable, str(script), str(db), str(commands), str(CATCH_UP_EVERY)],
        env=cli_env(db),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    acked = 0
    assert child.stdout is not None
    for line in child.stdout:  # wait on the child's output, not on the clock
        acked = int(line.split()[1])
        if acked == kill_after:
            child.send_signal(signal.SIGKILL)
            break
    # Read what is left through the same buffered file: lines it has already read ahead
    # would be lost to communicate(), which reads the pipe underneath it.
    rest = child.stdout.read()
    assert child.stderr is not None
    errors = child.stderr.read()
    child.wait(timeout=60)
    acked = max([acked, *(int(line.split()[1]) for line in rest.splitlines())])
    assert child.returncode == -signal.SIGKILL, errors

    rt = open_rt(db)
    first = verify_log(rt.ledger, rt.db.conn)
    reached = rt.catch_up()
    second = verify_log(rt.ledger, rt.db.conn)
    head = rt.ledger.head()
    records = rt.ledger.records(limit=COMMANDS + 10)
    claims = {r.originator_id: r.data["claim_id"] for r in records if r.type == "ClaimSubmitted"}
    found = [(r.type, event_key(r.type, r.data, claims, r.originator_id)) for r in records]
    with sqlite3.connect(db) as conn:
        stored = conn.execute("SELECT count(*) FROM stored_events").fetchone()[0]
        indexed = conn.execute("SELECT count(*) FROM events").fetchone()[0]
        witnessed = conn.execute("SELECT count(*) FROM chain_witness").fetchone()[0]

    assert first.ok, first.summary
    assert second.ok and "0 not yet" in second.summary, second.summary
    assert acked <= head <= acked + 1  # the command in flight may have committed, no more
    assert reached == head == stored == indexed == witnessed == len(records)
    assert rt.follower.positions() == dict.fromkeys(rt.follower.positions(), head)
    assert found == expected[:head]  # every acknowledged command's event, in order, once
