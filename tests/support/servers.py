"""Server processes for the tests: a free port, a bounded wait, and a served command that is
always stopped and never left a traceback."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]


def unavailable(reason: str) -> NoReturn:
    """A part the tests need is missing: a skip on a developer's machine, a failure under CI
    (a suite skipped there would pass without having run)."""
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{reason}; CI must run this suite", pytrace=False)
    pytest.skip(reason)


def free_port() -> int:
    """A loopback port nobody listens on (bind to port 0 and let the OS choose)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(check: Callable[..., object], what: str, seconds: float = 30.0) -> None:
    """Poll a condition in a bounded loop (a refused HTTP connection counts as not yet)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def healthy(base: str) -> bool:
    """Whether the server at `base` answers /healthz with 200."""
    return httpx.get(f"{base}/healthz", timeout=1).status_code == 200


@contextmanager
def serving(command: list[str], env: Mapping[str, str] | None = None) -> Iterator[str]:
    """Run `command --port N` on a free port until /healthz answers; yield its base URL; stop
    it afterwards and fail if it wrote a traceback."""
    port = free_port()
    process = subprocess.Popen(
        [*command, "--port", str(port)],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: healthy(base), f"{base}/healthz")
        yield base
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=15)
        assert b"Traceback" not in stderr, stderr.decode()
