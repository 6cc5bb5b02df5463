"""verify's Merkle tree on the second CPU core: a child process reads the same log file and
folds the tree (proofs.LineTree) while verify's own process reads it, chains it and checks
everything else.

The chain is sequential; the tree need not wait for it. The child reads the stored events up
to the last position verify's snapshot holds, makes their canonical lines, and chains them too:
its answer (the tree's size and head, the heads at the kept positions, and its chain head) is
taken only when its chain head is the one verify computed over the same positions, that is
(SHA-256) when both read the very same events. Both stream, so memory does not grow with the
log; nothing passes between them but the answer. Anything odd (no child, a different file, a
crash, a wrong answer) makes `finish` return None: verify then leaves the verdict to the full
audit, in its own process.

Run as `python -m ledger.treework FILE TABLE LAST KEPT` (KEPT: a JSON list of positions); it
writes one JSON object.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import sqlite3
import subprocess
import sys
from collections.abc import Collection, Iterator, Sequence
from pathlib import Path
from typing import IO, Any
from uuid import UUID

import msgspec

from ledger.chain import GENESIS, canonical_lines
from ledger.ids import hex_uuid_text
from ledger.proofs import LineTree

#: Logs shorter than this fold their tree in verify's own process (starting a child costs
#: about as much as it saves).
WORKER_FROM = 65536
#: Rows the child reads and hashes at a time.
CHUNK = 1024
#: How long the child may take to answer once verify's walk is done, in seconds.
ANSWER_SECONDS = 300.0


class TreeWorker:
    """The fast walk's Tree (fastaudit.Tree), folded by a child process over its own reading
    of the log file: `grow` has nothing to do; `finish` takes the child's answer when its
    chain head is verify's."""

    def __init__(self, file: str, table: str, last: int, keep: Collection[int]) -> None:
        # Without `site` (-S: a quicker start), from where `ledger` and msgspec import here.
        found = (Path(__file__).resolve().parent.parent, Path(msgspec.__file__).parent.parent)
        path = os.pathsep.join([*map(str, found), *filter(None, [os.environ.get("PYTHONPATH")])])
        kept = json.dumps(sorted({int(p) for p in keep}))
        self.process = subprocess.Popen(
            [sys.executable, "-S", "-m", "ledger.treework", file, table, str(last), kept],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "PYTHONPATH": path},
        )

    def grow(self, lines: Sequence[bytes]) -> None:
        """Nothing: the child reads the lines itself."""

    def finish(self, size: int, chain: str) -> tuple[str, dict[int, str]] | None:
        """The tree head over the first `size` events and the heads at the kept positions, if
        the child read exactly the events whose chain head is `chain` (else None)."""
        try:
            answer = json.loads(self._answer())
            if answer["size"] != size or answer["chain"] != chain:
                return None
            return str(answer["head"]), {int(k): str(v) for k, v in answer["heads"].items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None
        finally:
            self.close()

    def _answer(self) -> bytes:
        stdout: IO[bytes] = self.process.stdout  # type: ignore[assignment]
        ready, _, _ = select.select([stdout], [], [], ANSWER_SECONDS)
        if not ready:
            raise ValueError("the tree worker did not answer")
        answer = stdout.read()
        if self.process.wait(timeout=ANSWER_SECONDS) != 0:
            raise ValueError("the tree worker failed")
        return answer

    def close(self) -> None:
        """Stop the child (done or not) and release its pipe."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


@contextlib.contextmanager
def worker_tree(
    log: tuple[str, str] | None, last: int, keep: Collection[int]
) -> Iterator[TreeWorker | None]:
    """A TreeWorker over the first `last` events of a log file (FILE, TABLE), stopped when the
    walk is done; None (fold in this process) for a short log, a log that is not a file, or
    where no child can be started."""
    worker: TreeWorker | None = None
    if log is not None and last >= WORKER_FROM and sys.executable:
        try:
            worker = TreeWorker(*log, last, keep)
        except OSError:  # no process to be had (limits, a sandbox): this one folds the tree
            worker = None
    try:
        yield worker
    finally:
        if worker is not None:
            worker.close()


def fold(conn: sqlite3.Connection, table: str, last: int, keep: Collection[int]) -> dict[str, Any]:
    """The child's work: chain and fold the stored events at positions 1..last."""
    tree, previous, ids = LineTree(keep), GENESIS.encode("ascii"), _UuidTexts()
    cursor = conn.execute(
        "SELECT rowid, originator_id, originator_version, topic, state "
        f"FROM [{table}] WHERE rowid <= ? ORDER BY rowid",
        [last],
    )
    from hashlib import sha256

    while rows := cursor.fetchmany(CHUNK):
        lines = canonical_lines((p, ids[i], v, t, bytes(s).decode()) for p, i, v, t, s in rows)
        for line in lines:
            previous = sha256(previous + b"\n" + line).hexdigest().encode()
        tree.grow(lines)
    head, heads = tree.finish()
    size = tree.frontier.size
    return {"size": size, "chain": previous.decode("ascii"), "head": head, "heads": heads}


class _UuidTexts(dict[Any, str]):
    """Stored originator ids as canonical UUID text, each worked out once."""

    def __missing__(self, raw: Any) -> str:
        text = hex_uuid_text(raw) or str(UUID(str(raw)))
        self[raw] = text
        return text


def main(argv: Sequence[str]) -> None:
    """`python -m ledger.treework FILE TABLE LAST KEPT`: fold, then write the answer."""
    file, table, last, kept = argv
    uri = Path(file).resolve().as_uri() + "?mode=ro"
    conn = sqlite3.connect(uri, uri=True, isolation_level=None)
    try:
        answer = fold(conn, table, int(last), [int(p) for p in json.loads(kept)])
    finally:
        conn.close()
    sys.stdout.write(json.dumps(answer))


if __name__ == "__main__":
    main(sys.argv[1:])
