"""Helpers for aggregate unit tests: a refused command records nothing and changes nothing."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from eventsourcing.domain import Aggregate

from ledger.claim import Claim


def refused(agg: Aggregate, command: Callable[[], object], error: type[Exception]) -> Any:
    """Run a command that must fail; check it recorded nothing and changed nothing."""
    before = copy.deepcopy(agg.__dict__)
    with pytest.raises(error) as info:
        command()
    assert agg.collect_events() == []
    assert agg.__dict__ == before
    return info.value


def source(language: str) -> dict[str, Any]:
    """A well-formed source in a language."""
    return {
        "url": "https://example.org/doc",
        "citation": None,
        "title": "Doc",
        "language": language,
        "date": "2023-01-01",
        "excerpt": "…",
    }


def submitted_claim(**changes: Any) -> Claim:
    """Claim c1 for taizhou-zj's broadband at rung 2 (5 points) with a Chinese source, just
    submitted by a researcher, with any field changed (its event not yet collected)."""
    fields: dict[str, Any] = {
        "claim_id": "c1", "edition_id": "asia-2023", "city_id": "taizhou-zj",
        "indicator_id": "broadband", "rung": 2, "points": 5, "sources": [source("zh")],
        "submitted_by": "researcher", "supersedes": None, "at": None,
    }  # fmt: skip
    return Claim.submit(**(fields | changes))
