"""Shared fixtures: a small but complete ledger built through the public Ledger API."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cityledger.bootstrap import Runtime, open_runtime
from tests.support.builders import build_small_world


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[Runtime]:
    """An empty ledger with its read models, on a fresh SQLite file."""
    rt = open_runtime(tmp_path / "ledger.sqlite")
    yield rt
    rt.close()


@pytest.fixture
def world(runtime: Runtime) -> Runtime:
    """A small edition: six cities, four indicators, a panel, verifiers and verified claims."""
    build_small_world(runtime.ledger)
    runtime.catch_up()
    return runtime
