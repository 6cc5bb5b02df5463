"""Tables of named test cases, as pytest parameters."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest


def by_name(table: Mapping[str, tuple[Any, ...]]) -> list[Any]:
    """Each case of a table as one set of pytest parameters, its name as the test id."""
    return [pytest.param(*case, id=name) for name, case in table.items()]
