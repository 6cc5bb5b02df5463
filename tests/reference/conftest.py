"""The reference ledger, loaded once per session the way an existing database is upgraded."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from cityledger import reference
from cityledger.bootstrap import Runtime, open_runtime
from cityledger.importer import parse, run


@dataclass(frozen=True)
class Upgrade:
    """A database that held only the 2023 reference, then got the other years appended."""

    runtime: Runtime
    head_before: int
    digest_before: str
    said: str


@pytest.fixture(scope="session")
def upgraded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Upgrade]:
    """2023 imported as an earlier release did; then load-reference appends 2022 and 2024."""
    rt = open_runtime(tmp_path_factory.mktemp("reference") / "ref.sqlite")
    for name in ("asia-2023.commands.jsonl", "g20-2023.commands.jsonl"):
        with (reference.DATA / name).open(encoding="utf-8") as handle:
            run(rt.ledger, parse(handle))
    head = rt.ledger.head()
    digest = rt.ledger.digest_at(head)
    said = reference.load(rt)
    rt.catch_up()
    yield Upgrade(rt, head, digest, said)
    rt.close()


@pytest.fixture(scope="session")
def loaded(upgraded: Upgrade) -> Runtime:
    """The reference ledger with all three years."""
    return upgraded.runtime
