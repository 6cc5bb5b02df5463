"""Anonymous published tables over HTTP, against a minimal Starlette endpoint returning the
same bytes, both served by uvicorn in their own process, at 1 and 4 clients."""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from benchmarks.core import Bench, Figure, free_port

QUERY = (
    '{ rankings(edition: "asia-2023", table: TOTAL) '
    "{ publicationNo position rows { cityId nameEn nameZh band } } }"
)
SECONDS = 1.5
#: Rounds of (limit, value) per client count.
ROUNDS = 2


def serve_app(db: str, port: int) -> None:
    """The real API over a ledger, without the follower thread (nothing is written)."""
    import uvicorn

    from cityledger.bootstrap import open_runtime
    from graphql_api.app import create_app

    app = create_app(open_runtime(Path(db)), follow=False)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def serve_minimal(body_file: str, port: int) -> None:
    """A Starlette endpoint that returns fixed bytes: the server stack's own cost."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    body = Path(body_file).read_bytes()

    async def endpoint(request: Request) -> Response:
        await request.body()
        return Response(body, media_type="application/json")

    app = Starlette(routes=[Route("/graphql", endpoint, methods=["POST"])])
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def start(
    args: list[str], port: int, module: str = "benchmarks.published_tables"
) -> subprocess.Popen[bytes]:
    """Start a server process (`python -m module *args`) and wait until it answers."""
    process = subprocess.Popen([sys.executable, "-m", module, *args])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"server on port {port} did not start")


def post(
    conn: http.client.HTTPConnection, payload: bytes, headers: dict[str, str] | None = None
) -> bytes:
    """One request on a kept-alive connection."""
    conn.request(
        "POST", "/graphql", payload, {"Content-Type": "application/json", **(headers or {})}
    )
    response = conn.getresponse()
    body = response.read()
    assert response.status == 200, body[:200]
    return body


def throughput(
    port: int,
    payload: bytes,
    clients: int,
    seconds: float = SECONDS,
    headers: dict[str, str] | None = None,
) -> float:
    """Requests/s with `clients` connections posting as fast as they can for `seconds`."""
    counts = [0] * clients
    stop = time.monotonic() + seconds

    def client(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port)
        while time.monotonic() < stop:
            post(conn, payload, headers)
            counts[i] += 1
        conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / seconds


def run(bench: Bench) -> Iterator[Figure]:
    """Published-table throughput at 1 and 4 clients, each beside the minimal endpoint."""
    payload = json.dumps({"query": QUERY}).encode()
    app_port, minimal_port = free_port(), free_port()
    db = bench.copy_of_reference("published")
    app = start(["serve-app", str(db), str(app_port)], app_port)
    try:
        conn = http.client.HTTPConnection("127.0.0.1", app_port)
        body = post(conn, payload)
        conn.close()
        assert b'"errors"' not in body and body.count(b"cityId") == 144, body[:300]
        body_file = bench.tmp / "published-body.json"
        body_file.write_bytes(body)
        minimal = start(["serve-minimal", str(body_file), str(minimal_port)], minimal_port)
        try:
            # Warm both up (connections, caches, the interpreter's own) before measuring.
            throughput(minimal_port, payload, 2, 1.0)
            throughput(app_port, payload, 2, 1.0)
            for clients in (1, 4):
                # Alternated, the best of each: the load of a shared machine shifts within
                # seconds, and alternating gives both servers the same chances.
                limit = value = 0.0
                for _ in range(ROUNDS):
                    limit = max(limit, throughput(minimal_port, payload, clients))
                    value = max(value, throughput(app_port, payload, clients))
                yield Figure(
                    f"anonymous published table, {clients} client(s)",
                    value,
                    "requests/s",
                    limit=limit,
                    limit_name="minimal Starlette, same bytes",
                    target=0.5,
                )
        finally:
            minimal.terminate()
            minimal.wait()
    finally:
        app.terminate()
        app.wait()


if __name__ == "__main__":
    kind, source, port_text = sys.argv[1:4]
    (serve_app if kind == "serve-app" else serve_minimal)(source, int(port_text))
