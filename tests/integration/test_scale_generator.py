"""The large-ledger generator (python -m benchmarks.generate): deterministic, complete, careful."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from benchmarks import generate
from cityledger.bootstrap import open_runtime
from ledger.integrity import verify_log

EVENTS = 3000


def chain_head(path: Path, seed: int) -> tuple[int, str]:
    """Generate EVENTS events into a new file; (head, chain hash at the head)."""
    assert generate.main(["--events", str(EVENTS), "--db", str(path), "--seed", str(seed)]) == 0
    rt = open_runtime(path)
    try:
        head = rt.ledger.head()
        return head, rt.ledger.digest_at(head)
    finally:
        rt.close()


def test_the_same_seed_gives_the_same_chain_head_and_another_seed_another(
    tmp_path: Path,
) -> None:
    first = chain_head(tmp_path / "a.sqlite", 7)
    again = chain_head(tmp_path / "b.sqlite", 7)
    other = chain_head(tmp_path / "c.sqlite", 8)
    assert first == again
    assert other[1] != first[1]


def test_generation_stops_at_the_command_that_reaches_n_events_and_verifies(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "g.sqlite"
    assert generate.main(["--events", str(EVENTS), "--db", str(path)]) == 0
    rt = open_runtime(path)
    try:
        head = rt.ledger.head()
        # The last command may record a few events at once (a closure superseding a claim).
        assert EVENTS <= head < EVENTS + 4
        assert rt.follower.position() == head  # the read models were built too
        assert verify_log(rt.ledger, rt.db.conn).ok
    finally:
        rt.close()
    out = capsys.readouterr()
    assert f"{head} events" in out.out and "chain head" in out.out
    assert "recording" in out.err  # progress goes to stderr


def test_the_command_stream_holds_every_kind_of_record_over_years_and_regions() -> None:
    plan = generate.shape(30_000)
    assert len(plan.years) == 2 and plan.regions == 2
    names = Counter(c.name for c in generate.commands(30_000, 2023))
    expected = {
        "define_framework", "revise_framework", "register_city", "enrol_verifier",
        "create_weight_set", "enrol_panelist", "cast_ballot", "revise_ballot",
        "aggregate_weights", "create_edition", "include_cities", "submit_claim",
        "withdraw_claim", "open_round", "cast_vote", "close_round", "publish",
        "set_appeal_window", "file_appeal", "withdraw_appeal", "open_appeal_review",
        "cast_appeal_vote", "close_appeal_review", "answer_appeal", "give_feedback",
    }  # fmt: skip
    assert expected <= set(names)
    assert names["create_edition"] == 3  # one region the first year, two the next


def test_a_million_events_span_more_years_and_regions_and_publish_early_years_only() -> None:
    small, large = generate.shape(30_000), generate.shape(1_000_000)
    assert len(large.years) > len(small.years) and large.regions > small.regions
    assert large.years[-1] == generate.LAST_YEAR
    assert large.published(large.years[0]) and not large.published(large.years[-1])
    assert all(small.published(year) for year in small.years)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--events", "0"], "0 is not between 1 and"),
        (["--events", "many"], "'many' is not a whole number"),
        (["--events", "99999999"], "is not between 1 and"),
        (["--events", "10", "--seed", "-1"], "-1 is negative"),
        (["--events", "10", "--seed", "x"], "'x' is not a whole number"),
        ([], "the following arguments are required: --events"),
    ],
)
def test_bad_arguments_are_refused_naming_what_was_wrong(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    with pytest.raises(SystemExit) as exit_:
        generate.main([*args, "--db", str(tmp_path / "x.sqlite")])
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "x.sqlite").exists()


def test_an_existing_database_or_a_missing_directory_is_refused_and_left_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    existing = tmp_path / "existing.sqlite"
    existing.write_bytes(b"not empty")
    for path, message in (
        (existing, "already exists: give a new file"),
        (tmp_path / "missing" / "x.sqlite", "does not exist"),
    ):
        with pytest.raises(SystemExit) as exit_:
            generate.main(["--events", "10", "--db", str(path)])
        assert exit_.value.code == 2
        assert message in capsys.readouterr().err
    assert existing.read_bytes() == b"not empty"
    assert not (tmp_path / "missing").exists()
