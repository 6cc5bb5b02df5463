"""Browser fixtures: a small ledger served by a real uvicorn; Debian's Chromium via Playwright."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cityledger.bootstrap import Runtime
from tests.api.api_world import EDITION, Tokens, build_world, issue_tokens, verified
from tests.support.databases import build_template, copy_db
from tests.support.servers import REPO, serving, unavailable

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


@pytest.fixture(scope="module")
def site(
    web_template: tuple[Path, Tokens], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    """`cityledger serve` (a real uvicorn) on a free port over a copy of the world."""
    template, tokens = web_template
    path = copy_db(template, tmp_path_factory.mktemp("web") / "served.sqlite")
    with serving([sys.executable, "-m", "cityledger.cli", "serve", "--db", str(path)]) as base:
        yield Site(base, path, tokens)


@pytest.fixture(scope="module")
def browser_context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Debian's Chromium (never a downloaded browser) with a fresh profile."""
    if not CHROMIUM.exists():
        unavailable("Debian's chromium is not installed (`make chromium` installs it)")
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
