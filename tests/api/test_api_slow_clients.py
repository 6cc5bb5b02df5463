"""Slow and vanishing clients against a real server: timed out, logged in one line."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.api_world import Template
from tests.support.databases import copy_db
from tests.support.servers import REPO, free_port, healthy, wait_until

#: A failure guard only: the server acts after its 1 s timeouts.
GUARD = 20.0
ABORTED = "went away while sending its request body"


class Served:
    """A running `cityledger serve` and the lines it has written to stderr so far."""

    def __init__(self, port: int, process: subprocess.Popen[bytes]) -> None:
        self.port = port
        self.process = process
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line.decode("utf-8", "replace").rstrip("\n"))

    def connect(self) -> socket.socket:
        """A plain TCP connection to the server."""
        return socket.create_connection(("127.0.0.1", self.port), timeout=GUARD)

    def healthy(self) -> bool:
        """Whether /healthz answers."""
        return healthy(f"http://127.0.0.1:{self.port}")


@pytest.fixture
def served(api_template: Template, tmp_path: Path) -> Iterator[Served]:
    """`cityledger serve` with 1 s header and body timeouts."""
    path = tmp_path / "served.sqlite"
    copy_db(api_template.path, path)
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "cityledger.cli", "serve", "--port", str(port),
         "--header-timeout", "1", "--body-timeout", "1"],
        cwd=REPO,
        env={**os.environ, "CITYLEDGER_DB": str(path)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    server = Served(port, process)
    try:
        wait_until(server.healthy, "/healthz")
        yield server
    finally:
        process.terminate()
        process.wait(timeout=15)
        server.reader.join(timeout=15)
    assert not any("Traceback" in line for line in server.lines), "\n".join(server.lines)


def read_response(sock: socket.socket) -> bytes:
    """One whole response (headers and the body its Content-Length announces)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        chunk = sock.recv(4096)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def test_client_sending_headers_too_slowly_is_disconnected(served: Served) -> None:
    with served.connect() as sock:
        sock.sendall(b"POST /graphql HTTP/1.1\r\nHost: x\r\n")  # and never the rest
        assert sock.recv(1024) == b""  # the server closed the connection
    assert served.healthy()


def test_client_sending_a_body_too_slowly_gets_408(served: Served) -> None:
    with served.connect() as sock:
        sock.sendall(
            b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b'Content-Length: 100\r\n\r\n{"query":'
        )
        answer = read_response(sock)
    assert answer.startswith(b"HTTP/1.1 408"), answer
    assert b"REQUEST_TIMEOUT" in answer


def test_aborted_upload_is_logged_in_one_line_without_a_traceback(served: Served) -> None:
    with served.connect() as sock:
        sock.sendall(
            b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b'Content-Length: 1000\r\n\r\n{"query":'
        )
    wait_until(lambda: any(ABORTED in line for line in served.lines), "the one log line")
    assert served.healthy()
    assert sum(ABORTED in line for line in served.lines) == 1
