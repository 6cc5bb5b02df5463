"""Framework inputs for tests: ladders of rungs."""

from __future__ import annotations

from typing import Any


def rungs(*points: int, numbers: list[int] | None = None) -> list[dict[str, Any]]:
    """A ladder with these points on rungs 1..k (or on the given rung numbers)."""
    numbers = numbers or list(range(1, len(points) + 1))
    return [
        {"rung": n, "points": p, "description": f"rung {n}"}
        for n, p in zip(numbers, points, strict=True)
    ]
