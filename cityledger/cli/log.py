"""The log: print it (`events`), add to it (`import`, `load-reference`), check it (`verify`,
`prove`) and replay it into the read models (`rebuild`)."""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cityledger.cli.arguments import MAX_POSITION, POSITION, OneLineParser, bounded
from ledger.errors import BackdatedEvent, InvalidInput

if TYPE_CHECKING:
    from cityledger.bootstrap import Reader, Runtime

#: Exit code of `verify` (and `rebuild`) when the log fails verification or the file is damaged.
VERIFY_FAILED = 3


def cmd_events(rt: Runtime, a: argparse.Namespace) -> None:
    """Print the log after a position as JSON lines (position, type, time, data, stored)."""
    after = a.after
    while True:
        batch = rt.ledger.records(after=after, limit=1000)
        if not batch:
            break
        for record in batch:
            sys.stdout.write(
                json.dumps(record.to_json(), ensure_ascii=False, sort_keys=True) + "\n"
            )
        after = batch[-1].position


def cmd_import(rt: None, a: argparse.Namespace) -> None:
    """Import a JSON-lines file of commands with their original times."""
    from cityledger.bootstrap import open_runtime
    from cityledger.importer import bounded_lines, parse, refuse_behind_head, run
    from cityledger.loading import catch_up
    from cityledger.progress import Progress

    # The whole file is checked before the ledger is opened: a refused file creates no database.
    try:
        # utf-8-sig: a byte-order mark (as Windows editors write one) is not part of line 1.
        with open(a.file, encoding="utf-8-sig") as handle:
            parsed = parse(bounded_lines(handle))
    except UnicodeDecodeError:
        raise InvalidInput(f"{a.file} is not UTF-8 text", field="file") from None
    commands = [c for c in parsed if c.seq >= a.from_line]
    if parsed and not commands:
        # A mistyped line number would import nothing and still say it had.
        raise InvalidInput(
            f"--from-line {a.from_line} is past the last command of {a.file} "
            f"(line {parsed[-1].seq}); nothing was imported",
            field="from_line",
            value=a.from_line,
        )

    def resume(line: int) -> str:
        file = shlex.quote(str(a.file))
        return f"to go on, run `cityledger import --file {file} --from-line {line}`"

    runtime = open_runtime(a.db)
    try:
        progress, head = Progress(), runtime.ledger.head()
        try:
            count = run(runtime.ledger, progress.track(commands, "import", "command"), resume)
        except BackdatedEvent:
            if runtime.ledger.head() == head:  # refused at its first line: say where to go on
                refuse_behind_head(runtime.ledger, commands)
            raise
        print(
            f"imported {count} commands; ledger head is at position {catch_up(runtime, progress)}"
        )
    finally:
        runtime.close()


def cmd_load_reference(rt: Runtime | None, a: argparse.Namespace) -> None:
    """Load the illustrative reference ledger (2022-2024), each file unless there (resumable)."""
    from cityledger.loading import load_reference
    from cityledger.progress import Progress

    print(load_reference(a.db, Progress()))


def cmd_rebuild(rt: Runtime, a: argparse.Namespace) -> None:
    """Drop and replay every read model, refusing to rebuild from a log that fails verify."""
    from cityledger.progress import Progress
    from ledger.integrity import verify_log
    from ledger.storage import STORAGE_ERRORS, storage_error

    progress, head = Progress(), rt.ledger.head()
    with progress.stage("verify", head, "event") as tick:
        report = verify_log(rt.ledger, rt.db.conn, on_row=tick)
    if not report.ok and not a.force:
        print(f"refusing to rebuild from a log that fails verification: {report.summary}")
        raise SystemExit(VERIFY_FAILED)
    with progress.stage("rebuild", head, "event") as tick:
        rt.follower.on_batch = tick
        try:
            reached = rt.follower.rebuild()
        except STORAGE_ERRORS as error:
            named = storage_error(error, "rebuild")
            if named is None:
                raise
            # One transaction, rolled back: say so, and what a rebuild needs.
            raise type(named)(
                f"{named.message}; nothing was changed (a rebuild is one transaction: it needs "
                "free space about the size of the read models, and no other writer)",
                field=named.field,
            ) from None
        print(f"rebuilt read models to position {reached}")


def cmd_verify(rt: Reader, a: argparse.Namespace) -> None:
    """Check the log, its read-model copy, checkpoints and published tables; non-zero exit names
    the first bad position. Opened read-only (never writes); exit 3 on any integrity failure,
    a damaged file included."""
    from cityledger.progress import Progress
    from projections.replaycheck import verify_read_side

    with Progress().stage("verify", rt.ledger.head(), "event") as tick:
        report = verify_read_side(rt.ledger, rt.db.conn, on_row=tick)
    if report.checked == 0:
        raise InvalidInput("the database holds no events: nothing to verify", field="CITYLEDGER_DB")
    print(report.summary)
    if not report.ok:
        raise SystemExit(VERIFY_FAILED)


def cmd_prove(rt: Runtime, a: argparse.Namespace) -> None:
    """Print an RFC 9162 inclusion or consistency proof as JSON, checked before printing."""
    from dataclasses import asdict

    from ledger.proofs import prove_consistency, prove_inclusion

    head = rt.ledger.head()
    for name in ("position", "size", "first", "second"):
        value = getattr(a, name, None)
        if value is not None and not 1 <= value <= head:
            raise InvalidInput(f"--{name} {value} is outside the log 1..{head}", field=name)
    if a.kind == "inclusion":
        size = a.size or head
        if a.position > size:
            raise InvalidInput(f"--position {a.position} is beyond --size {size}", field="position")
        proof: Any = prove_inclusion(rt.ledger, a.position, size)
    else:
        second = a.second or head
        if a.first > second:
            raise InvalidInput(f"--first {a.first} is beyond --second {second}", field="first")
        proof = prove_consistency(rt.ledger, a.first, second)
    print(json.dumps(asdict(proof) | {"verified": proof.verify()}, indent=2))


def add_parsers(sub: argparse._SubParsersAction[Any]) -> None:
    """`events`, `import`, `load-reference`, `verify`, `prove` and `rebuild`."""
    events = sub.add_parser("events", help="print the log as JSON lines")
    events.add_argument(
        "--after", type=bounded(0, MAX_POSITION), default=0, help="start after this position"
    )
    events.add_argument("--format", default="jsonl", choices=["jsonl"], help="JSON lines")
    events.set_defaults(func=cmd_events, reads=True)

    imp = sub.add_parser("import", help="import a JSON-lines file of commands")
    imp.add_argument("--file", required=True, type=Path, help="one command per line (see README)")
    imp.add_argument(
        "--from-line",
        type=bounded(1, MAX_POSITION),
        default=1,
        help="skip the lines before this one (to go on where a stopped import says)",
    )
    imp.set_defaults(func=cmd_import, opens=None)

    load = sub.add_parser(
        "load-reference", help="the illustrative reference ledger, 2022-2024 (once; resumable)"
    )
    load.set_defaults(func=cmd_load_reference, opens=None)

    verify = sub.add_parser("verify", help="check the hash chain")
    # Opened read-only: verify never writes, not even a read model; a damaged file exits 3.
    verify.set_defaults(func=cmd_verify, reads=True, opens="reader", damaged_exit=VERIFY_FAILED)

    prove = sub.add_parser("prove", help="RFC 9162 Merkle proofs over the log")
    kinds = prove.add_subparsers(dest="kind", required=True, parser_class=OneLineParser)
    inclusion = kinds.add_parser("inclusion", help="the event at a position is in a prefix")
    inclusion.add_argument("--position", type=POSITION, required=True, help="the event's position")
    inclusion.add_argument("--size", type=POSITION, help="prefix length (default: the head)")
    inclusion.set_defaults(func=cmd_prove, reads=True)
    consistency = kinds.add_parser("consistency", help="a shorter prefix is a prefix of a longer")
    consistency.add_argument("--first", type=POSITION, required=True, help="shorter prefix")
    consistency.add_argument("--second", type=POSITION, help="longer prefix (default: the head)")
    consistency.set_defaults(func=cmd_prove, reads=True)

    rebuild = sub.add_parser("rebuild", help="drop and replay the read models")
    rebuild.add_argument("--force", action="store_true", help="rebuild even if verify fails")
    rebuild.set_defaults(func=cmd_rebuild, reads=True)
