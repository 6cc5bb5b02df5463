"""`make bench`: every registered benchmark module, each figure beside its limit.

To add a benchmark, write a module with `run(bench: Bench) -> Iterable[Figure]` and add its
name to MODULES. `python -m benchmarks NAME …` runs only the named modules.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

from benchmarks.core import Bench, Figure, new_tmp

#: Benchmark modules, in the order they run (each gets the same shared Bench).
MODULES: list[str] = [
    "benchmarks.reference_ledger",
    "benchmarks.throughput",
    "benchmarks.published_tables",
    "benchmarks.auditor_table",
    "benchmarks.cli_start",
    "benchmarks.explore",
    "benchmarks.robustness",
    "benchmarks.postgres_engine",
]


def show(figure: Figure) -> str:
    """One line: verdict, name, value, and the limit and ratio when there is one."""
    verdict = "    " if figure.target is None else ("ok  " if figure.ok else "FAIL")
    line = f"{verdict} {figure.name:<58} {figure.value:>11.2f} {figure.unit}"
    if figure.ratio is not None:
        line += f"  | {figure.limit_name}: {figure.limit:.2f} → ratio {figure.ratio:.2f}"
    if figure.target is not None:
        line += f"  ({figure.kind} {figure.target:g})"
    return line


def main(argv: list[str]) -> int:
    """Run the modules; exit 1 if any figure misses its target."""
    chosen = [m for m in MODULES if not argv or m.rsplit(".", 1)[-1] in argv]
    failed = 0
    with new_tmp() as tmp:
        bench = Bench(Path(tmp))
        for name in chosen:
            run: Callable[[Bench], Iterable[Figure]] = importlib.import_module(name).run
            print(f"== {name.rsplit('.', 1)[-1]}", flush=True)
            for figure in run(bench):
                print(show(figure), flush=True)
                failed += not figure.ok
        for note in bench.notes:
            print(f"note: {note}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
