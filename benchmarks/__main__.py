"""`make bench`: every registered benchmark module, each figure beside its limit.

To add a benchmark, write a module with `run(bench: Bench) -> Iterable[Figure]` (or, simpler,
`TARGETS = {name: ("min" | "max", target)}` and `measure(rt) -> {name: value}`, run on a
copy of the reference ledger) and add its name to MODULES. `python -m benchmarks NAME …` runs
only the named modules.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from types import ModuleType

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
    "benchmarks.healthz",
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


def measured(module: ModuleType) -> Callable[[Bench], Iterator[Figure]]:
    """A module's `measure(rt)` on a copy of the reference ledger, judged by its `TARGETS`."""

    def run(bench: Bench) -> Iterator[Figure]:
        rt = bench.open_reference(module.__name__.rsplit(".", 1)[-1])
        try:
            results: dict[str, float] = module.measure(rt)
        finally:
            rt.close()
        for name, value in results.items():
            kind, target = module.TARGETS[name]
            yield Figure(name, value, "", target=target, kind="min" if kind == "min" else "max")

    return run


def main(argv: list[str]) -> int:
    """Run the modules; exit 1 if any figure misses its target."""
    chosen = [m for m in MODULES if not argv or m.rsplit(".", 1)[-1] in argv]
    failed = 0
    with new_tmp() as tmp:
        bench = Bench(Path(tmp))
        for name in chosen:
            module = importlib.import_module(name)
            run: Callable[[Bench], Iterable[Figure]] = getattr(module, "run", None) or measured(
                module
            )
            print(f"== {name.rsplit('.', 1)[-1]}", flush=True)
            for figure in run(bench):
                print(show(figure), flush=True)
                failed += not figure.ok
        for note in bench.notes:
            print(f"note: {note}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
