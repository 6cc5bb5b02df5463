"""Several processes write to one SQLite file at once: every acknowledged write is there, once."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cityledger.bootstrap import Runtime
from ledger.application import Ledger
from ledger.errors import AlreadyExists
from ledger.integrity import verify_log
from tests.support.inputs import source
from tests.trust.trust_world import EDITION, build_base, cli_env

WORKERS = 4
CLAIMS = 3  # shared claims, each voted on by every worker's verifiers
VOTERS = 3  # verifiers per worker
OWN = 4  # claims each worker submits under its own ids
CONTESTED = 3  # claim ids every worker tries to submit

WORKER = """
import random, sys
from pathlib import Path
from ledger.application import Ledger
from ledger.errors import AlreadyExists

db, me, claims, voters, own, contested = sys.argv[1], int(sys.argv[2]), *map(int, sys.argv[3:])
source = {"url": "https://example.org/zh", "title": "t", "language": "zh",
          "date": "2023-03-01", "excerpt": "e"}
ledger = Ledger(Path(db))
conflicts = 0
save = ledger.save


def counting_save(*aggregates):
    global conflicts
    try:
        return save(*aggregates)
    except Exception:
        conflicts += 1
        raise


ledger.save = counting_save
print("ready", flush=True)
assert sys.stdin.readline().strip() == "go"
work = [("vote", f"shared-{c}", f"w{me}-v{v}") for c in range(claims) for v in range(voters)]
work += [("claim", f"w{me}-own-{k}", "") for k in range(own)]
work += [("claim", f"contested-{k}", "") for k in range(contested)]
random.Random(me).shuffle(work)
for kind, claim_id, verifier_id in work:
    try:
        if kind == "vote":
            ledger.cast_vote(claim_id, verifier_id, random.Random(verifier_id).choice(
                ["accept", "reject"]))
        else:
            ledger.submit_claim("asia-2023", "beijing", "D1", 2, [source], f"w{me}", claim_id)
    except AlreadyExists as error:
        print(f"refused {kind} {claim_id} {verifier_id} {error.code}", flush=True)
        continue
    except Exception as error:
        print(f"error {kind} {claim_id} {verifier_id} {type(error).__name__}: {error}", flush=True)
        continue
    print(f"ack {kind} {claim_id} {verifier_id}", flush=True)
ledger.close()
print(f"conflicts {conflicts}", flush=True)
print("done", flush=True)
"""


def prepare(rt: Runtime) -> None:
    """The base world, the shared claims with open rounds, and every worker's verifiers."""
    build_base(rt.ledger)
    for c in range(CLAIMS):
        claim_id = f"shared-{c}"
        rt.ledger.submit_claim(EDITION, "tokyo", "T1", 2, [source("zh")], "editor", claim_id)
        rt.ledger.open_round(claim_id)
    for w in range(WORKERS):
        for v in range(VOTERS):
            rt.ledger.enrol_verifier(f"w{w}-v{v}", ["zh"])


def test_concurrent_writers_lose_nothing_and_record_nothing_twice(
    tmp_path: Path,
    open_rt: Callable[[Path], Runtime],
    record_property: Callable[[str, object], None],
) -> None:
    db = tmp_path / "ledger.sqlite"
    rt = open_rt(db)
    prepare(rt)
    head = rt.ledger.head()
    script = tmp_path / "worker.py"
    script.write_text(WORKER, encoding="utf-8")
    args = [str(n) for n in (CLAIMS, VOTERS, OWN, CONTESTED)]
    workers = [
        subprocess.Popen(
            [sys.executable, str(script), str(db), str(w), *args],
            env=cli_env(db),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for w in range(WORKERS)
    ]
    for worker in workers:  # wait until every worker is connected, then start them together
        assert worker.stdout is not None
        assert worker.stdout.readline().strip() == "ready"
    outputs = []
    for worker in workers:
        assert worker.stdin is not None
        worker.stdin.write("go\n")
        worker.stdin.flush()
    for worker in workers:
        out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err
        outputs.append(out.splitlines())

    # How many saves met another writer's commit (usually a few; the next test forces one).
    record_property(
        "version_conflicts",
        sum(int(line.split()[1]) for lines in outputs for line in lines if "conflicts" in line),
    )
    acks = Counter(line for lines in outputs for line in lines if line.startswith("ack "))
    errors = [line for lines in outputs for line in lines if line.startswith("error ")]
    refusals = [line for lines in outputs for line in lines if line.startswith("refused ")]
    records = rt.ledger.records(after=head, limit=10_000)
    by_claim = {
        r.originator_id: r.data["claim_id"]
        for r in rt.ledger.records(limit=10_000)
        if r.type == "ClaimSubmitted"
    }
    votes = Counter(
        f"ack vote {by_claim[r.originator_id]} {r.data['verifier_id']}"
        for r in records
        if r.type == "VoteCast"
    )
    claims = Counter(
        f"ack claim {r.data['claim_id']} " for r in records if r.type == "ClaimSubmitted"
    )

    assert errors == []
    assert all(line.endswith("done") for line in (lines[-1] for lines in outputs))
    # Every acknowledged write is in the log exactly once, and nothing else is.
    assert set(acks.values()) == {1}
    assert votes + claims == acks
    assert len(records) == sum(acks.values())
    assert sum(votes.values()) == WORKERS * CLAIMS * VOTERS
    assert sum(1 for key in claims if "-own-" in key) == WORKERS * OWN
    # Each contested id was won by exactly one worker; the others were told it exists.
    assert sum(1 for key in claims if "contested-" in key) == CONTESTED
    assert len(refusals) == CONTESTED * (WORKERS - 1)
    assert all(line.endswith("ALREADY_EXISTS") for line in refusals)
    report = verify_log(rt.ledger, rt.db.conn)
    assert report.ok, report.summary


def test_a_save_that_meets_another_writers_commit_is_decided_again(
    tmp_path: Path, open_rt: Callable[[Path], Runtime], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "ledger.sqlite"
    rt = open_rt(db)
    prepare(rt)
    other = Ledger(db)
    save = rt.ledger.save
    # What another process commits just before each of our saves (between our read and write).
    before: list[Callable[[], object] | None] = [
        lambda: other.cast_vote("shared-0", "w1-v0", "accept"),
        None,
        lambda: other.submit_claim(EDITION, "seoul", "D1", 1, [source("zh")], "other", "same"),
    ]
    saves: list[str] = []

    def interleaved(*aggregates: Any) -> Any:
        meddle = before.pop(0) if before else None
        if meddle is not None:
            meddle()
        try:
            result = save(*aggregates)
        except Exception as error:
            saves.append(type(error).__name__)
            raise
        saves.append("saved")
        return result

    monkeypatch.setattr(rt.ledger, "save", interleaved)
    try:
        rt.ledger.cast_vote("shared-0", "w0-v0", "reject")
        with pytest.raises(AlreadyExists, match="'same'"):
            rt.ledger.submit_claim(EDITION, "seoul", "D1", 1, [source("zh")], "me", "same")
    finally:
        other.close()

    records = rt.ledger.records()
    votes = Counter(r.data["verifier_id"] for r in records if r.type == "VoteCast")
    submitted = [r.data["submitted_by"] for r in records if r.type == "ClaimSubmitted"]
    # The vote conflicted, was decided again and saved; the claim conflicted, and deciding
    # again found the id taken.
    assert saves == ["IntegrityError", "saved", "IntegrityError"]
    assert votes == {"w0-v0": 1, "w1-v0": 1}
    assert submitted.count("other") == 1 and "me" not in submitted
    assert verify_log(rt.ledger, rt.db.conn).ok
