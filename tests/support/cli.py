"""The command line run in-process, as the tests call it."""

from __future__ import annotations

import pytest

from cityledger.cli import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run `cityledger ARGS` in-process; return its exit code, stdout and stderr."""
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err
