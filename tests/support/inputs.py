"""Well-formed command inputs shared by the test suites: ladders of rungs and sources."""

from __future__ import annotations

from typing import Any


def rungs(*points: int, numbers: list[int] | None = None) -> list[dict[str, Any]]:
    """A ladder with these points on rungs 1..k (or on the given rung numbers)."""
    numbers = numbers or list(range(1, len(points) + 1))
    return [
        {"rung": n, "points": p, "description": f"rung {n}"}
        for n, p in zip(numbers, points, strict=True)
    ]


def source(language: str, title: str = "evidence") -> dict[str, Any]:
    """One well-formed source in a language (a URL, no citation), with a title."""
    return {
        "url": "https://example.org/evidence",
        "citation": None,
        "title": title,
        "language": language,
        "date": "2023-03-01",
        "excerpt": "an excerpt",
    }
