"""`cityledger explain`: text, the stable JSON shape, --next-band, and one-line errors."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest

from cityledger.bootstrap import Runtime
from tests.support.builders import EDITION, verified_claim
from tests.support.cli import run


@pytest.fixture
def moved(world: Runtime, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> int:
    """The small world after Taizhou (Zhejiang) climbs; returns the position before the climb."""
    monkeypatch.setenv("CITYLEDGER_DB", str(tmp_path / "ledger.sqlite"))
    start = world.ledger.head()
    for indicator in ("D2", "T1", "I1"):
        verified_claim(world.ledger, "taizhou-zj", indicator, 4)
    world.catch_up()
    return start


def explain(*more: str) -> list[str]:
    """The explain arguments for the small edition's total table."""
    return ["explain", "--edition", EDITION, "--table", "total", *more]


def test_explain_json_has_the_stable_shape_and_parts_sum(
    moved: int, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, *explain("--city", "taizhou-zj", "--from", str(moved),
                                        "--format", "json"))  # fmt: skip
    assert code == 0
    j = json.loads(out)
    assert {"city_id", "from", "to", "delta", "indicators", "boundaries", "overtaken_by",
            "overtook", "tie_rule_matters"} <= set(j)  # fmt: skip
    parts = sum(Fraction(m["rung_part"]) + Fraction(m["weight_part"]) for m in j["indicators"])
    assert parts == Fraction(j["delta"]) > 0
    assert {c["city_id"] for c in j["overtook"]} == {"beijing", "shanghai", "tokyo"}
    causes = [c for m in j["indicators"] for c in m["causes"]]
    assert [c["type"] for c in causes] == ["RoundClosed"] * 3


def test_explain_text_names_overtakers_and_boundaries(
    moved: int, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, *explain("--city", "tokyo", "--from", str(moved)))
    assert code == 0
    assert "score change +0" in out and "overtaken by:\n  taizhou-zj" in out
    assert "band boundaries" in out and "RoundClosed taizhou-zj/D2" in out


def test_next_band_text_and_json(moved: int, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, *explain("--city", "tokyo", "--next-band"))
    assert code == 0 and out.startswith("tokyo in test-2023 total") and "up to" in out
    code, out, _ = run(capsys, *explain("--city", "tokyo", "--next-band", "--format", "json"))
    j = json.loads(out)
    assert code == 0 and set(j["up"]) >= {"possible", "steps", "changes", "margin", "band"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--city", "tokyo", "--from", "soon"], "INVALID_INPUT: --from 'soon' is not a position"),
        (["--city", "tokyo", "--from", "publication:3"], "UNKNOWN_ID: edition 'test-2023' has no"),
        (["--city", "paris", "--from", "1"], "UNKNOWN_ID"),
        (["--city", "tokyo"], "INVALID_INPUT: explain needs --from"),
        (["--city", "tokyo", "--from", "2023-01-01T00:00:00"], "needs a UTC offset"),
    ],
)
def test_bad_explain_arguments_are_one_line_errors(
    moved: int, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, out, err = run(capsys, *explain(*args))
    assert code == 2 and out == "" and message in err and len(err.splitlines()) == 1


def test_robustness_json_is_seeded(moved: int, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["robustness", "--edition", EDITION, "--table", "total", "--draws", "40", "--seed", "9"]
    code, out, _ = run(capsys, *args, "--format", "json")
    again = run(capsys, *args, "--format", "json")[1]
    j = json.loads(out)
    assert code == 0 and out == again and j["draws"] == 40 and j["seed"] == 9
    assert all(sum(Fraction(p) for p in c["probabilities"].values()) == 1 for c in j["cities"])
    code, text, _ = run(capsys, *args)
    assert code == 0 and text.startswith(f"# {EDITION} total") and "ranks" in text
