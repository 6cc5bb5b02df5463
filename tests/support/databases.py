"""Template databases: build a ledger once per session, hand each test its own copy."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import ExitStack, closing, contextmanager
from pathlib import Path
from typing import Protocol, TypeVar

import pytest

from cityledger.bootstrap import Runtime, open_runtime
from tests.support.postgres import Cluster, postgres_env


def build_template(path: Path, build: Callable[[Runtime], object]) -> Path:
    """Open a ledger at `path`, build it, catch the read models up and close it."""
    rt = open_runtime(path)
    try:
        build(rt)
        rt.catch_up()
    finally:
        rt.close()
    return path


def copy_db(source_file: Path, target: Path) -> Path:
    """Copy a closed SQLite database (and any WAL beside it)."""
    for suffix in ("", "-wal", "-shm"):
        src = Path(str(source_file) + suffix)
        if src.exists():
            shutil.copyfile(src, str(target) + suffix)
    return target


class Closable(Protocol):
    """Anything opened on a file that must be closed: a runtime, a read-model database."""

    def close(self) -> None:
        """Release the file."""


C = TypeVar("C", bound=Closable)


@contextmanager
def closing_all(open_one: Callable[[Path], C]) -> Iterator[Callable[[Path], C]]:
    """An opener that remembers what it opened and closes each of them when the block ends."""
    opened: list[C] = []

    def opener(path: Path) -> C:
        thing = open_one(path)
        opened.append(thing)
        return thing

    try:
        yield opener
    finally:
        for thing in opened:
            thing.close()


@contextmanager
def opened_on(
    backend: str,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    open_one: Callable[[Path | None], C],
) -> Iterator[C]:
    """Open a ledger (or a runtime) on a fresh SQLite file, or on a fresh schema of the session's
    PostgreSQL cluster when the backend is postgres; close it when the block ends."""
    with ExitStack() as stack:
        path: Path | None = tmp_path / "ledger.sqlite"
        if backend == "postgres":
            cluster: Cluster = request.getfixturevalue("pg_cluster")
            schema = cluster.env(schema=cluster.new_schema())
            stack.enter_context(postgres_env(schema, tmp_path / "read.sqlite"))
            path = None
        yield stack.enter_context(closing(open_one(path)))
