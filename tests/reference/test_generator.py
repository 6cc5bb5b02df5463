"""The illustrative reference ledger: calibration, determinism and the verification rules."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from reference import calibration
from reference.generate import (
    ASIA_FILE,
    G20_FILE,
    NOTE_FILE,
    YEAR2022_FILE,
    YEAR2024_FILE,
    generate,
)
from reference.inputs import BANDS, DATA_DIR, INDICATOR_IDS, TABLES, load_cities

Commands = list[dict[str, Any]]
PUBLISHED_SIZES = {
    "total": (14, 29, 43, 58),
    "digital_traditional": (14, 29, 43, 58),
    "institutional": (14, 48, 25, 57),
}


@pytest.fixture(scope="module")
def asia() -> Commands:
    """The committed asia-2023 log."""
    return calibration.load_commands(calibration.ASIA_JSONL)


@pytest.fixture(scope="module")
def g20() -> Commands:
    """The committed g20-2023 log."""
    return calibration.load_commands(calibration.G20_JSONL)


def test_replay_reproduces_all_432_published_bands(asia: Commands) -> None:
    """Every city's band in every table equals the published one."""
    bands = calibration.edition_bands(calibration.simulate(asia), "asia-2023")
    assert sum(len(table) for table in bands.values()) == 432
    assert calibration.mismatches(bands, load_cities()) == []
    for table in TABLES:
        sizes = Counter(bands[table].values())
        assert tuple(sizes[b] for b in BANDS) == PUBLISHED_SIZES[table]


def test_generation_is_deterministic_and_matches_committed_files(tmp_path: Path) -> None:
    """Two runs give byte-identical files, equal to the committed ones."""
    generate(tmp_path / "a")
    generate(tmp_path / "b")
    for name in (ASIA_FILE, G20_FILE, NOTE_FILE, YEAR2022_FILE, YEAR2024_FILE):
        first = (tmp_path / "a" / name).read_bytes()
        assert first == (tmp_path / "b" / name).read_bytes(), name
        assert first == (DATA_DIR / name).read_bytes(), name
    assert (DATA_DIR / ASIA_FILE).stat().st_size < 6_000_000


def test_votes_read_every_source_language_and_ballots_sum_to_100(
    asia: Commands, g20: Commands
) -> None:
    """Verifiers read all languages of a claim; one vote per round; ballots allocate 100."""
    readers: dict[str, set[str]] = {}
    languages: dict[str, set[str]] = {}
    voted: dict[str, set[str]] = {}
    for command in asia + g20:
        name, args = command["command"], command["args"]
        if name == "enrol_verifier":
            assert 2 <= len(args["languages"]) <= 4
            readers[args["verifier_id"]] = set(args["languages"])
        elif name == "submit_claim":
            languages[args["claim_id"]] = {s["language"] for s in args["sources"]}
        elif name == "open_round":
            voted[args["claim_id"]] = set()
        elif name == "cast_vote":
            assert languages[args["claim_id"]] <= readers[args["verifier_id"]]
            assert args["verifier_id"] not in voted[args["claim_id"]]
            voted[args["claim_id"]].add(args["verifier_id"])
        elif name in ("cast_ballot", "revise_ballot"):
            allocations = args["allocations"]
            assert sorted(allocations) == sorted(INDICATOR_IDS)
            assert all(isinstance(v, int) and v >= 0 for v in allocations.values())
            assert sum(allocations.values()) == 100
    assert len(set().union(*readers.values())) >= 21


def test_last_round_closures_change_a_band(asia: Commands) -> None:
    """The final close_round, and the closures of its day, move at least one band."""
    after = calibration.edition_bands(calibration.simulate(asia), "asia-2023")
    closes = [i for i, c in enumerate(asia) if c["command"] == "close_round"]
    last_day = asia[closes[-1]]["at"][:10]
    first_of_day = min(i for i in closes if asia[i]["at"][:10] == last_day)
    for cut in (closes[-1], first_of_day):
        before = calibration.edition_bands(calibration.simulate(asia[:cut]), "asia-2023")
        assert before != after
    assert asia[closes[-1]]["at"] >= "2023-05-25"


def test_logs_are_chronological_and_marked_illustrative(asia: Commands, g20: Commands) -> None:
    """Times never go back; every source is illustrative and within the evidence cutoff."""
    cutoffs: dict[str, date] = {}
    for log in (asia, g20):
        times = [datetime.fromisoformat(c["at"]) for c in log]
        assert times == sorted(times) and all(t.tzinfo is not None for t in times)
        for command in log:
            args = command["args"]
            if command["command"] == "create_edition":
                cutoffs[args["edition_id"]] = date.fromisoformat(args["evidence_cutoff"])
            if command["command"] != "submit_claim":
                continue
            for source in args["sources"]:
                assert source["url"] is None or source["url"].startswith("https://example.org/")
                assert source["url"] or source["citation"]
                assert source["title"].startswith("[illustrative]")
                assert "illustrative" in source["excerpt"].lower()
                assert date.fromisoformat(source["date"]) <= cutoffs[args["edition_id"]]


def test_g20_edition_reuses_the_asian_weights(asia: Commands, g20: Commands) -> None:
    """The G20 log casts no ballots, reuses asia-2023-weights and publishes in September."""
    names = Counter(c["command"] for c in g20)
    assert names["cast_ballot"] == names["revise_ballot"] == 0
    edition = next(c["args"] for c in g20 if c["command"] == "create_edition")
    assert edition["weight_set_id"] == "asia-2023-weights"
    assert g20[0]["at"] > next(c["at"] for c in asia if c["command"] == "publish")
    assert next(c["at"] for c in g20 if c["command"] == "publish").startswith("2023-09")
    state = calibration.simulate(g20, calibration.simulate(asia))
    bands = calibration.edition_bands(state, "g20-2023")
    assert 6 <= len(bands["total"]) <= 10
