"""CLI start-up: `cityledger --help` and `rank` on the current table, against `python -c pass`.

Each command runs as a user's would: from compiled bytecode (a warm-up run writes it into a
private cache, even where PYTHONDONTWRITEBYTECODE is set, which would otherwise recompile every
module on every start). Each figure is the best of several runs: on a shared machine the slow
runs measure the neighbours. The target is judged on the process's CPU time (user + system),
what the start itself costs; its wall time, which adds any wait for a busy CPU, is shown beside.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from collections.abc import Iterator

from benchmarks.core import Bench, Figure

CLI = [sys.executable, "-m", "cityledger.cli"]
RUNS = 7


def start_times(args: list[str], env: dict[str, str], runs: int = RUNS) -> tuple[float, float]:
    """Best wall and best CPU time of a process over `runs` runs (after a warm-up), in seconds."""
    subprocess.run(args, env=env, check=True, capture_output=True)
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(args, env=env, check=True, capture_output=True)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return min(walls), min(cpus)


def run(bench: Bench) -> Iterator[Figure]:
    """--help and rank, each beside an empty interpreter's start."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"} | {
        "CITYLEDGER_DB": str(bench.copy_of_reference("cli")),
        "PYTHONPYCACHEPREFIX": str(bench.tmp / "pycache"),
    }
    floor_wall, floor_cpu = start_times([sys.executable, "-c", "pass"], env)
    for name, args in (
        ("cityledger --help", ["--help"]),
        ("cityledger rank (current table)", ["rank", "--edition", "asia-2023", "--table", "total"]),
    ):
        seconds, cpu = start_times([*CLI, *args], env)
        yield Figure(f"start: {name}, wall", seconds, "s", limit=floor_wall,
                     limit_name="python -c pass (s)")  # fmt: skip
        yield Figure(f"start: {name}, CPU", cpu, "s", limit=floor_cpu,
                     limit_name="python -c pass (s)")  # fmt: skip
        yield Figure(f"start: {name}, CPU, absolute", cpu, "s", target=0.25, kind="max")
