"""The web page's first table in a real browser (Debian's Chromium), against a fresh server."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

from benchmarks.core import free_port
from cityledger.bootstrap import Runtime
from graphql_api.app import database_file

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def first_table(rt: Runtime, repeat: int = 5) -> tuple[float, float] | None:
    """Milliseconds from navigation to the first table drawn: on a just-started server, and the
    median of later loads. None when Chromium is not installed (`make chromium`)."""
    if not CHROMIUM.exists():
        return None
    from playwright.sync_api import sync_playwright

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "cityledger.cli", "serve", "--db", str(database_file(rt)),
         "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.05)
        samples = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
            try:
                # The browser's own start is not the page's: warm it on a page of the same
                # site that runs no query (/healthz), so the server stays cold.
                browser.new_page().goto(f"{base}/healthz")
                for _ in range(repeat + 1):
                    page = browser.new_page()
                    start = time.perf_counter()
                    page.goto(f"{base}/")
                    page.wait_for_selector("body[data-ready=table] #ranking td")
                    samples.append((time.perf_counter() - start) * 1000)
                    page.close()
            finally:
                browser.close()
        return samples[0], statistics.median(samples[1:])
    finally:
        server.terminate()
        server.wait(timeout=15)
