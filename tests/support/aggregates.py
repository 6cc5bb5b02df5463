"""Helpers for aggregate unit tests: a refused command records nothing and changes nothing."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from eventsourcing.domain import Aggregate


def refused(agg: Aggregate, command: Callable[[], object], error: type[Exception]) -> Any:
    """Run a command that must fail; check it recorded nothing and changed nothing."""
    before = copy.deepcopy(agg.__dict__)
    with pytest.raises(error) as info:
        command()
    assert agg.collect_events() == []
    assert agg.__dict__ == before
    return info.value
