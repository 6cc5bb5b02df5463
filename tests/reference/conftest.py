"""The reference ledger, loaded once per test session into a fresh database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cityledger import reference
from cityledger.bootstrap import Runtime, open_runtime


@pytest.fixture(scope="session")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    """The reference ledger, loaded once; tests only read it."""
    rt = open_runtime(tmp_path_factory.mktemp("reference") / "ref.sqlite")
    reference.load(rt)
    yield rt
    rt.close()
