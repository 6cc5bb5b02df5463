"""Browser fixtures: a small ledger served by a real uvicorn; Debian's Chromium via Playwright."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from cityledger.bootstrap import Runtime
from tests.api.api_world import EDITION, Tokens, build_world, issue_tokens, verified
from tests.support.databases import build_template, copy_db

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
#: Screenshots, kept for a person to look at (var/ is not committed).
ARTIFACTS = REPO / "var" / "artifacts" / "web"
#: Flags that work on a closed network and as root (no sandbox, no background connections).
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass(frozen=True)
class Site:
    """A served copy of the web world."""

    base: str
    db: Path
    tokens: Tokens


def build_web_world(runtime: Runtime) -> Tokens:
    """The API tests' world, then a second claim accepted and a second publication."""
    build_world(runtime.ledger)
    runtime.ledger.publish(EDITION)
    verified(
        runtime.ledger, "c-sg-open", "singapore", "openness", 3, "en",
        {"v-en": "accept", "v-zh-en": "accept"},
    )  # fmt: skip
    runtime.catch_up()
    return issue_tokens(runtime)


@pytest.fixture(scope="session")
def web_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Tokens]:
    """The web world built once."""
    path = tmp_path_factory.mktemp("web-template") / "web.sqlite"
    made: list[Tokens] = []
    build_template(path, lambda rt: made.append(build_web_world(rt)))
    return path, made[0]


def free_port() -> int:
    """A loopback port nobody listens on."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, seconds: float = 30.0) -> None:
    """Poll a URL in a bounded loop until it answers 200."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise AssertionError(f"{url} did not answer within {seconds} s")


@pytest.fixture(scope="module")
def site(
    web_template: tuple[Path, Tokens], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    """`cityledger serve` (a real uvicorn) on a free port over a copy of the world."""
    template, tokens = web_template
    path = copy_db(template, tmp_path_factory.mktemp("web") / "served.sqlite")
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "cityledger.cli", "serve", "--db", str(path), "--port", str(port)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/healthz")
        yield Site(base, path, tokens)
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=15)
        assert b"Traceback" not in stderr, stderr.decode()


@pytest.fixture(scope="module")
def browser_context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Debian's Chromium (never a downloaded browser) with a fresh profile."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (`make chromium` installs it)")
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            args=CHROMIUM_FLAGS,
            headless=True,
            viewport={"width": 1200, "height": 900},
            accept_downloads=True,
        )
        try:
            yield context
        finally:
            context.close()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def page(browser_context: Any) -> Iterator[Any]:
    """A new tab; fails the test on any script error in the page."""
    tab = browser_context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    tab.close()
    assert not errors, errors


def shot(page: Any, name: str) -> Path:
    """Save a full-page screenshot under var/artifacts/web/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    target = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(target), full_page=True)
    return target
