"""What every benchmark module shares: figures with the limit measured beside them, timing."""

from __future__ import annotations

import socket
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from cityledger import reference
from cityledger.bootstrap import Runtime, open_runtime


@dataclass(frozen=True)
class Figure:
    """One measured number; with `limit` (measured in the same run) it is judged as a ratio.

    `kind` says which way is good: "min" (value / limit must reach `target`) or "max"
    (value / limit, or the value itself when there is no limit, must stay under `target`).
    """

    name: str
    value: float
    unit: str
    limit: float | None = None
    limit_name: str = ""
    target: float | None = None
    kind: Literal["min", "max"] = "min"

    @property
    def ratio(self) -> float | None:
        """value / limit, when a limit was measured."""
        return None if self.limit in (None, 0) else self.value / float(self.limit or 1)

    @property
    def ok(self) -> bool:
        """Whether the figure meets its target (no target: informational, always ok)."""
        if self.target is None:
            return True
        judged = self.ratio if self.ratio is not None else self.value
        return judged >= self.target if self.kind == "min" else judged <= self.target


@dataclass
class Bench:
    """The shared set-up: a temporary directory and the reference ledger, loaded once."""

    tmp: Path
    _reference: Path | None = None
    load_seconds: float = 0.0
    commands: int = 0
    notes: list[str] = field(default_factory=list)

    def reference_db(self) -> Path:
        """A closed SQLite file holding the reference ledger with its read models (built once)."""
        if self._reference is None:
            path = self.tmp / "reference.sqlite"
            rt = open_runtime(path)
            try:
                start = time.perf_counter()
                reference.load(rt)
                self.load_seconds = time.perf_counter() - start
                self.commands = sum(1 for _ in reference_commands())
            finally:
                rt.close()
            self._reference = path
        return self._reference

    def copy_of_reference(self, name: str) -> Path:
        """A private copy of the reference database."""
        import shutil

        source = self.reference_db()
        target = self.tmp / f"{name}.sqlite"
        for suffix in ("", "-wal", "-shm"):
            if Path(str(source) + suffix).exists():
                shutil.copyfile(str(source) + suffix, str(target) + suffix)
        return target

    def open_reference(self, name: str) -> Runtime:
        """A runtime over a private copy of the reference ledger."""
        return open_runtime(self.copy_of_reference(name))


def reference_commands() -> list[str]:
    """Every reference command line, in load order."""
    lines: list[str] = []
    for entry in reference.FILES:
        with (reference.DATA / entry[1]).open(encoding="utf-8") as handle:
            lines.extend(line for line in handle if line.strip())
    return lines


def timed(fn: Callable[[], object], repeat: int = 5) -> float:
    """Median wall time of fn in milliseconds."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def best_rate(fn: Callable[[], int], repeat: int = 3) -> float:
    """The best of `repeat` runs of fn (which returns how many items it did), in items/s.

    The best run, not the median: on a shared machine the slow runs measure the neighbours.
    """
    best = 0.0
    for _ in range(repeat):
        start = time.perf_counter()
        count = fn()
        best = max(best, count / (time.perf_counter() - start))
    return best


def new_tmp() -> tempfile.TemporaryDirectory[str]:
    """A temporary directory for one run."""
    return tempfile.TemporaryDirectory(prefix="cityledger-bench-")


def free_port() -> int:
    """A free loopback port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
