"""Helpers for aggregate unit tests: a refused command records nothing and changes nothing."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any, TypeVar

import pytest
from eventsourcing.domain import Aggregate

from ledger.claim import Claim
from ledger.edition import Edition
from ledger.weights import WeightSet
from tests.support.inputs import source

E = TypeVar("E")


def refused(agg: Aggregate, command: Callable[[], object], error: type[Exception]) -> Any:
    """Run a command that must fail; check it recorded nothing and changed nothing."""
    before = copy.deepcopy(agg.__dict__)
    with pytest.raises(error) as info:
        command()
    assert agg.collect_events() == []
    assert agg.__dict__ == before
    return info.value


def only_event(agg: Aggregate, kind: type[E]) -> E:
    """The one event a command just recorded on an aggregate, checked to be a `kind`."""
    events = agg.collect_events()
    assert [type(e) for e in events] == [kind]
    event = events[0]
    assert isinstance(event, kind)
    return event


#: What each factory is called with in these tests (besides `at`), as keyword arguments.
CLAIM_FIELDS: dict[str, Any] = {
    "claim_id": "c1", "edition_id": "asia-2023", "city_id": "taizhou-zj",
    "indicator_id": "broadband", "rung": 2, "points": 5, "sources": [source("zh")],
    "submitted_by": "researcher", "supersedes": None,
}  # fmt: skip
EDITION_FIELDS: dict[str, Any] = {
    "edition_id": "asia-2023", "year": 2023, "title": "Ranking 2023", "region": "Asia",
    "framework_id": "asc", "framework_version": 1, "weight_set_id": "ws",
    "evidence_cutoff": "2023-06-30", "quorum": 2,
}  # fmt: skip
WEIGHT_SET_FIELDS: dict[str, Any] = {
    "weight_set_id": "ws", "title": "Weights", "framework_id": "asc", "framework_version": 1,
    "indicator_ids": ["broadband", "metro"],
}  # fmt: skip


def submitted_claim(**changes: Any) -> Claim:
    """Claim c1 for taizhou-zj's broadband at rung 2 (5 points) with a Chinese source, just
    submitted by a researcher, with any field changed (its event not yet collected)."""
    return Claim.submit(**(CLAIM_FIELDS | {"at": None} | changes))


def created_edition(**changes: Any) -> Edition:
    """Edition asia-2023 (framework asc v1, weights ws, quorum 2) just created, with any field
    changed (its event not yet collected)."""
    return Edition.create(**(EDITION_FIELDS | {"at": None} | changes))


def created_weight_set(**changes: Any) -> WeightSet:
    """Weight set ws over broadband and metro (framework asc v1) just created, with any field
    changed (its event not yet collected)."""
    return WeightSet.create(**(WEIGHT_SET_FIELDS | {"at": None} | changes))


def vote(agg: Any, verifier_id: str, decision: str, languages: set[str], note: str = "") -> Any:
    """A verifier reading `languages` votes in the open round of a claim or an appeal."""
    return agg.cast_vote(
        verifier_id=verifier_id,
        verifier_languages=languages,
        decision=decision,
        note=note,
        at=None,
    )
