"""Shared fixtures: a small but complete ledger built through the public Ledger API.

Modules marked `both_backends` run every test twice: on SQLite and with the log in a
throwaway PostgreSQL cluster (see tests/support/postgres.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from cityledger.bootstrap import Runtime, open_runtime
from tests.support.builders import build_small_world
from tests.support.databases import opened_on
from tests.support.postgres import BACKENDS, Cluster, start_cluster

# Property tests find the same examples on every run (derandomized, no example database) and
# are never failed by a slow example on this shared machine (no deadline).
settings.register_profile("deterministic", derandomize=True, database=None, deadline=None)
settings.load_profile("deterministic")


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker."""
    config.addinivalue_line(
        "markers", "both_backends: run on SQLite and on PostgreSQL (a throwaway cluster)"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrise `backend` over both engines for tests marked both_backends."""
    if "backend" in metafunc.fixturenames and metafunc.definition.get_closest_marker(
        "both_backends"
    ):
        metafunc.parametrize("backend", BACKENDS, indirect=True)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    """One PostgreSQL cluster for the whole session (each test gets its own schema)."""
    with start_cluster() as cluster:
        yield cluster


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """Which engine holds the log: sqlite unless the test is parametrised."""
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture
def runtime(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Runtime]:
    """An empty ledger with its read models, on a fresh SQLite file or PostgreSQL schema."""
    with opened_on(backend, tmp_path, request, open_runtime) as rt:
        yield rt


@pytest.fixture
def world(runtime: Runtime) -> Runtime:
    """A small edition: six cities, four indicators, a panel, verifiers and verified claims."""
    build_small_world(runtime.ledger)
    runtime.catch_up()
    return runtime
