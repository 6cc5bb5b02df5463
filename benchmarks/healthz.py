"""/healthz latency while the server is busy: a held write lock, a rebuild, the heaviest query.

A real uvicorn server (in a thread of this process) answers over TCP; /healthz is timed
from an httpx client while the disturbance runs, and its 99th percentile is reported next
to the idle one measured in the same run. The heavy queries come from another process, as a
real client's would: decoding their large answers is the client's work, not the server's.
"""

from __future__ import annotations

import contextlib
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import uvicorn

from benchmarks.core import free_port
from cityledger.bootstrap import Runtime
from graphql_api.app import create_app, database_file
from graphql_api.limits import MAX_HEAVY
from graphql_api.tokens import create_token

TARGETS = {
    "/healthz p99, idle (ms)": ("max", 100.0),
    "/healthz p99, write lock held by another process (ms)": ("max", 100.0),
    "/healthz p99, during rebuild (ms)": ("max", 100.0),
    "/healthz p99, during the heaviest allowed query (ms)": ("max", 100.0),
}
SAMPLES = 200
#: Another process takes the write lock and keeps it until its stdin closes.
HOLD_LOCK = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.read()
"""

#: Another process posts one query over and over until its stdin closes.
POST_REPEATEDLY = """
import sys, threading, httpx
url, token, query = sys.argv[1], sys.argv[2], sys.stdin.readline()
stop = threading.Event()
threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
with httpx.Client(timeout=120, headers={"Authorization": "Bearer " + token}) as client:
    while not stop.is_set():
        response = client.post(url, json={"query": query})
        assert response.status_code == 200 and b'"errors"' not in response.content[:20]
        print("answered", flush=True)
"""


def heaviest_query(head: int) -> str:
    """MAX_HEAVY as-of tables (the most one request may ask for), each with every score."""
    tables = " ".join(
        f't{i}: rankings(edition: "asia-2023", table: TOTAL, asOf: {{position: {head - 997 * i}}}) '
        "{ rows { cityId band score { fraction } indicatorScores { indicatorId points } } }"
        for i in range(MAX_HEAVY)
    )
    return "{ " + tables + " }"


@contextlib.contextmanager
def serving(rt: Runtime) -> Iterator[str]:
    """The API under uvicorn in a thread; yields its base URL."""
    port = free_port()
    config = uvicorn.Config(create_app(rt), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    while not server.started:
        time.sleep(0.01)
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def p99(base: str, while_running: Callable[[], bool] = lambda: True) -> float:
    """The 99th percentile of /healthz latency (ms) over SAMPLES requests."""
    samples: list[float] = []
    with httpx.Client(base_url=base, timeout=60) as client:
        for _ in range(SAMPLES):
            start = time.perf_counter()
            assert client.get("/healthz").status_code == 200
            samples.append((time.perf_counter() - start) * 1000)
            assert while_running(), "the disturbance ended before the samples were taken"
    return statistics.quantiles(samples, n=100)[98]


@contextlib.contextmanager
def lock_held_elsewhere(path: Path) -> Iterator[None]:
    """Another process holds the database's write lock while the block runs."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    try:
        yield
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)


@contextlib.contextmanager
def posting_elsewhere(url: str, token: str, query: str) -> Iterator[Callable[[], bool]]:
    """Another process posts `query` over and over; yields whether it is still posting."""
    client = subprocess.Popen(
        [sys.executable, "-c", POST_REPEATEDLY, url, token],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert client.stdin is not None and client.stdout is not None
    client.stdin.write(query.replace("\n", " ") + "\n")
    client.stdin.flush()
    assert client.stdout.readline().strip() == "answered", "the heavy query failed"
    try:
        yield lambda: client.poll() is None
    finally:
        client.stdin.close()
        client.wait(timeout=120)


@contextlib.contextmanager
def repeatedly(work: Callable[[], object]) -> Iterator[Callable[[], bool]]:
    """Run `work` over and over in a thread; yields whether it is still running."""
    stop = threading.Event()
    started = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            started.set()
            work()

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    started.wait()
    try:
        yield thread.is_alive
    finally:
        stop.set()
        thread.join(timeout=120)


def measure(rt: Runtime) -> dict[str, float]:
    """/healthz p99 idle, under a held lock, during rebuild and during the heaviest query."""
    out: dict[str, float] = {}
    token = create_token(rt.db, "auditor", "bench-healthz")
    path = database_file(rt)
    head = rt.ledger.head()
    with serving(rt) as base:
        out["/healthz p99, idle (ms)"] = p99(base)
        # An event the read models have not applied: the watcher has to wait for the lock,
        # and so does a mutation sent meanwhile.
        rt.ledger.register_city("bench-city", "Bench", "基准", "JP")
        with lock_held_elsewhere(path):
            writer = threading.Thread(
                target=lambda: httpx.post(
                    f"{base}/graphql",
                    json={
                        "query": 'mutation { aggregateWeights(weightSetId: "none") { __typename } }'
                    },
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=120,
                ),
                daemon=True,
            )
            writer.start()
            out["/healthz p99, write lock held by another process (ms)"] = p99(base)
        writer.join(timeout=120)
        with repeatedly(rt.follower.rebuild) as running:
            out["/healthz p99, during rebuild (ms)"] = p99(base, running)
        query = heaviest_query(head)
        with posting_elsewhere(f"{base}/graphql", token, query) as running:
            out["/healthz p99, during the heaviest allowed query (ms)"] = p99(base, running)
    return out
