"""Ledger commands with their times, kept in chronological (then creation) order."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from cityledger.importer import Command


def utc(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    """An aware UTC datetime."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def later(prev: datetime, rng: random.Random, min_days: int, max_days: int) -> datetime:
    """A working-hours time some days after prev, always strictly later."""
    day = prev + timedelta(days=rng.randint(min_days, max_days))
    candidate = day.replace(hour=rng.randint(8, 17), minute=rng.randrange(0, 60, 5))
    return candidate if candidate > prev else prev + timedelta(minutes=rng.choice((20, 40, 55)))


@dataclass
class Timeline:
    """Collects commands; sorted by time, ties broken by the order they were added."""

    commands: list[Command] = field(default_factory=list)

    def add(self, at: datetime, command: str, **args: Any) -> datetime:
        """Record a command and return its time."""
        self.commands.append(Command(len(self.commands), command, at, args))
        return at

    def ordered(self) -> list[Command]:
        """Commands in log order."""
        return sorted(self.commands, key=lambda c: (c.at, c.seq))
