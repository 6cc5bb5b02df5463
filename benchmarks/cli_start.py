"""CLI start-up: `cityledger --help` and `rank` on the current table, against `python -c pass`."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

from benchmarks.core import Bench, Figure, timed

CLI = [sys.executable, "-m", "cityledger.cli"]


def wall(args: list[str], env: dict[str, str], repeat: int = 5) -> float:
    """Median wall time of a process, in seconds."""
    return (
        timed(lambda: subprocess.run(args, env=env, check=True, capture_output=True), repeat) / 1000
    )


def run(bench: Bench) -> Iterator[Figure]:
    """--help and rank, each beside an empty interpreter's start."""
    env = dict(os.environ) | {"CITYLEDGER_DB": str(bench.copy_of_reference("cli"))}
    floor = wall([sys.executable, "-c", "pass"], env)
    for name, args in (
        ("cityledger --help", ["--help"]),
        ("cityledger rank (current table)", ["rank", "--edition", "asia-2023", "--table", "total"]),
    ):
        seconds = wall([*CLI, *args], env)
        yield Figure(
            f"start: {name}",
            seconds,
            "s",
            limit=floor,
            limit_name="python -c pass (s)",
        )
        yield Figure(f"start: {name}, absolute", seconds, "s", target=0.25, kind="max")
