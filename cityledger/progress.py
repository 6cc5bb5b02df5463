"""Progress of long work: a bar (count, rate, time left) on a terminal, else a line per stage."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sized
from contextlib import contextmanager
from typing import TextIO, TypeVar

T = TypeVar("T")
Tick = Callable[[int], None]


class Progress:
    """Reports stages of work on stderr: tqdm's bar on a terminal, else one line per stage.

    Off a terminal a stage is reported when it ends, and only if it was long work (at least
    `quiet_below` steps), so that short commands keep their one-line output.
    """

    def __init__(
        self, stream: TextIO | None = None, bar: bool | None = None, quiet_below: int = 1000
    ) -> None:
        self.stream = stream or sys.stderr
        self.bar = self.stream.isatty() if bar is None else bar
        self.quiet_below = quiet_below

    def say(self, line: str) -> None:
        """One line about the work (outside any bar)."""
        print(line, file=self.stream, flush=True)

    @contextmanager
    def stage(self, name: str, total: int | None, unit: str) -> Iterator[Tick]:
        """A stage of `total` units; the block calls the yielded function with each step's count."""
        if self.bar:
            # Imported here: tqdm takes a noticeable part of a short command's start.
            from tqdm import tqdm

            with tqdm(total=total, desc=name, unit=unit, file=self.stream, dynamic_ncols=True) as b:
                yield b.update
            return
        done = 0

        def tick(count: int) -> None:
            nonlocal done
            done += count

        started = time.monotonic()
        yield tick
        if done >= self.quiet_below:
            elapsed = time.monotonic() - started
            rate = done / elapsed if elapsed > 0 else 0.0
            self.say(f"{name}: {done:,} {unit}s in {elapsed:.1f} s ({rate:,.0f}/s)")

    def track(self, items: Iterable[T], name: str, unit: str) -> Iterator[T]:
        """Yield the items, counting each as done once the consumer asks for the next one."""
        total = len(items) if isinstance(items, Sized) else None
        with self.stage(name, total, unit) as tick:
            for item in items:
                yield item
                tick(1)
