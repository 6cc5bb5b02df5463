"""bench-scale's measurement (python -m benchmarks.scale): a kept ledger stays as generated."""

from __future__ import annotations

from pathlib import Path

from benchmarks import generate, scale
from cityledger.bootstrap import open_reader

EVENTS = 3000


def log_of(path: Path) -> tuple[int, str]:
    """The ledger's head and the chain hash there."""
    rt = open_reader(path)
    try:
        head = rt.ledger.head()
        return head, rt.ledger.digest_at(head)
    finally:
        rt.close()


def test_measuring_a_kept_ledger_again_measures_the_same_log_its_publications_on_a_copy(
    tmp_path: Path,
) -> None:
    path = tmp_path / f"scale-{EVENTS}.sqlite"
    assert generate.main(["--events", str(EVENTS), "--db", str(path)]) == 0
    generated = log_of(path)

    first = scale.measure(path)
    second = scale.measure(path)

    assert log_of(path) == generated
    assert first["events"] == second["events"] == generated[0]
    # The forced publication was made, on the copy, which is gone.
    assert first["published_head"] > generated[0] and second["published_head"] > generated[0]
    assert not list(tmp_path.glob("*.publish.*"))
