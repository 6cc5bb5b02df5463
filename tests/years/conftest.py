"""Fixtures for the year-over-year tests."""

from __future__ import annotations

import pytest

from cityledger.bootstrap import Runtime
from tests.support.years import build_two_years


@pytest.fixture
def years(runtime: Runtime) -> Runtime:
    """Two published editions on two framework versions linked by lineage."""
    build_two_years(runtime.ledger)
    runtime.catch_up()
    return runtime
