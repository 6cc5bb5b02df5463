"""The `cityledger` command line: rank, events, import, load-reference, rebuild, serve, verify."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from ledger.errors import InvalidInput, LedgerError

# The engine (eventsourcing, sqlite-utils) and the API stack are imported by the commands that
# use them, so that `--help` and argument errors answer at once.
if TYPE_CHECKING:
    from cityledger.bootstrap import Runtime
    from projections.rankings import AsOf
    from projections.views import RankingView

TABLE_CHOICES = ["total", "digital_traditional", "institutional"]
MAX_POSITION = 2**62


def parse_as_of(text: str | None) -> AsOf:
    """A ledger position (digits) or an ISO-8601 instant with a UTC offset."""
    if text is None:
        return None
    if text.isascii() and text.isdigit():
        return int(text)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            f"--as-of {text!r} is neither a position nor an ISO-8601 time", field="as-of"
        ) from None
    if moment.tzinfo is None:
        raise InvalidInput(
            f"--as-of {text!r} needs a UTC offset, e.g. 2023-06-01T00:00:00+00:00", field="as-of"
        )
    return moment


def render(view: RankingView, fmt: str, lang: str) -> str:
    """A ranking as a table, JSON, CSV or the report's layout."""
    records = [
        {"city_id": r.city_id, "name_en": r.name_en, "name_zh": r.name_zh,
         "score": str(r.score), "rank": r.rank, "band": r.band}
        for r in view.rows
    ]  # fmt: skip
    if fmt == "json":
        return json.dumps(records, ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(records[0]) if records else ["city_id"])
        writer.writeheader()
        writer.writerows(records)
        return out.getvalue()
    if fmt == "report":
        # Imported here: pypinyin's dictionaries take a fifth of a second to load.
        from projections.report import layout

        return layout(view.rows, lang)
    header = f"# {view.edition_id} {view.table} as of position {view.position} ({view.time})\n"
    lines = [
        f"{r.rank:>4}  {r.band:<9} {r.score!s:>12}  {r.name_en} {r.name_zh}" for r in view.rows
    ]
    return header + "\n".join(lines) + "\n"


def cmd_rank(rt: Runtime, a: argparse.Namespace) -> None:
    """Print a table of an edition, now or as of a position or instant."""
    from projections.rankings import rankings as rankings_query

    rt.catch_up()
    view = rankings_query(rt.db, a.edition, a.table, parse_as_of(a.as_of))
    sys.stdout.write(render(view, a.format, a.lang))


def cmd_changes(rt: Runtime, a: argparse.Namespace) -> None:
    """Print the cities whose band moved between two points, with the events behind each move."""
    from projections.rankings import band_changes

    rt.catch_up()
    for c in band_changes(rt.db, a.edition, a.table, parse_as_of(a.before), parse_as_of(a.after)):
        print(
            f"{c.city_id}: {c.before_band} → {c.after_band} (rank {c.before_rank} → {c.after_rank})"
        )
        for e in c.causes:
            print(f"    #{e.position} {e.time} {e.type} {e.data}")


def cmd_compare(rt: Runtime, a: argparse.Namespace) -> None:
    """Print every city's band and rank in two editions side by side."""
    from projections.rankings import compare_editions

    rt.catch_up()
    rows = compare_editions(rt.db, a.a, a.b, a.table)
    if a.format == "json":
        print(json.dumps([asdict(r) for r in rows], ensure_ascii=False, indent=2))
        return
    print(f"# {a.table}: {a.a} | {a.b}")
    for r in rows:
        left = f"{r.band_a or '-':<9} {r.rank_a or '':>4}"
        print(f"{r.name_en:<24} {left} | {r.band_b or '-':<9} {r.rank_b or '':>4}".rstrip())


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


def cmd_import(rt: Runtime, a: argparse.Namespace) -> None:
    """Import a JSON-lines file of commands with their original times."""
    from cityledger.importer import parse, run

    try:
        with open(a.file, encoding="utf-8") as handle:
            commands = parse(handle)
    except UnicodeDecodeError:
        raise InvalidInput(f"{a.file} is not UTF-8 text", field="file") from None
    count = run(rt.ledger, commands)
    print(f"imported {count} commands; ledger head is at position {rt.catch_up()}")


def cmd_load_reference(rt: Runtime, a: argparse.Namespace) -> None:
    """Load the illustrative 2023 reference ledger unless it is already there."""
    from cityledger import reference

    print(reference.load(rt, progress=lambda line: print(line, file=sys.stderr, flush=True)))


def cmd_rebuild(rt: Runtime, a: argparse.Namespace) -> None:
    """Drop and replay every read model, refusing to rebuild from a log that fails verify."""
    from ledger.integrity import verify_log

    report = verify_log(rt.ledger, rt.db.conn)
    if not report.ok and not a.force:
        print(f"refusing to rebuild from a log that fails verification: {report.summary}")
        raise SystemExit(3)
    print(f"rebuilt read models to position {rt.follower.rebuild()}")


def cmd_verify(rt: Runtime, a: argparse.Namespace) -> None:
    """Recompute the hash chain over the stored log; non-zero exit names the first bad position."""
    from ledger.integrity import verify_log

    report = verify_log(rt.ledger, rt.db.conn)
    print(report.summary)
    if not report.ok:
        raise SystemExit(3)


def cmd_prove(rt: Runtime, a: argparse.Namespace) -> None:
    """Print an RFC 9162 inclusion or consistency proof as JSON, checked before printing."""
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


def cmd_serve(rt: Runtime, a: argparse.Namespace) -> None:
    """Serve the GraphQL API with uvicorn."""
    import uvicorn

    from graphql_api.app import create_app

    rt.catch_up()
    uvicorn.run(create_app(rt), host=a.host, port=a.port, log_level="info")


def cmd_token(rt: Runtime, a: argparse.Namespace) -> None:
    """Create a bearer token; it is printed once and only its hash is stored."""
    from graphql_api.tokens import create_token

    rt.catch_up()
    languages = [x.strip() for x in a.languages.split(",")] if a.languages else None
    panelist = (a.weight_set, a.panelist) if a.panelist else None
    print(
        create_token(rt.db, a.role, a.name, languages=languages, city_id=a.city, panelist=panelist)
    )


def cmd_schema(rt: Runtime | None, a: argparse.Namespace) -> None:
    """Print the GraphQL SDL."""
    from graphql_api.schema import export_sdl

    sys.stdout.write(export_sdl())


def bounded(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number written in ASCII digits, within [low, high]."""

    def convert(text: str) -> int:
        if not (text.isascii() and text.lstrip("-").isdigit()) or not low <= int(text) <= high:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number in {low}..{high}")
        return int(text)

    return convert


POSITION = bounded(1, MAX_POSITION)


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr, like every other error."""

    def error(self, message: str) -> NoReturn:
        """Print `cityledger: usage: …` on one line and exit 2."""
        self.exit(2, f"cityledger: usage: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    p = OneLineParser(prog="cityledger", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True, parser_class=OneLineParser)

    rank = sub.add_parser("rank", help="print a table")
    rank.add_argument("--edition", required=True)
    rank.add_argument("--table", required=True, choices=TABLE_CHOICES)
    rank.add_argument("--as-of", help="a ledger position or an ISO-8601 time")
    rank.add_argument("--format", default="table", choices=["table", "json", "csv", "report"])
    rank.add_argument("--lang", default="en", choices=["en", "zh"])
    rank.set_defaults(func=cmd_rank)

    changes = sub.add_parser("changes", help="band moves between two points, with their causes")
    changes.add_argument("--edition", required=True)
    changes.add_argument("--table", required=True, choices=TABLE_CHOICES)
    changes.add_argument("--before", required=True)
    changes.add_argument("--after")
    changes.set_defaults(func=cmd_changes)

    compare = sub.add_parser("compare", help="bands and ranks of two editions side by side")
    compare.add_argument("--a", required=True, help="first edition")
    compare.add_argument("--b", required=True, help="second edition")
    compare.add_argument("--table", required=True, choices=TABLE_CHOICES)
    compare.add_argument("--format", default="table", choices=["table", "json"])
    compare.set_defaults(func=cmd_compare)

    events = sub.add_parser("events", help="print the log as JSON lines")
    events.add_argument("--after", type=bounded(0, MAX_POSITION), default=0)
    events.add_argument("--format", default="jsonl", choices=["jsonl"])
    events.set_defaults(func=cmd_events)

    imp = sub.add_parser("import", help="import a JSON-lines file of commands")
    imp.add_argument("--file", required=True, type=Path)
    imp.set_defaults(func=cmd_import)

    load = sub.add_parser("load-reference", help="load the illustrative 2023 reference ledger")
    load.set_defaults(func=cmd_load_reference)

    rebuild = sub.add_parser("rebuild", help="drop and replay the read models")
    rebuild.add_argument("--force", action="store_true", help="rebuild even if verify fails")
    rebuild.set_defaults(func=cmd_rebuild)
    sub.add_parser("verify", help="check the hash chain").set_defaults(func=cmd_verify)

    prove = sub.add_parser("prove", help="RFC 9162 Merkle proofs over the log")
    kinds = prove.add_subparsers(dest="kind", required=True, parser_class=OneLineParser)
    inclusion = kinds.add_parser("inclusion", help="the event at a position is in a prefix")
    inclusion.add_argument("--position", type=POSITION, required=True)
    inclusion.add_argument("--size", type=POSITION, help="prefix length (default: the head)")
    inclusion.set_defaults(func=cmd_prove)
    consistency = kinds.add_parser("consistency", help="a shorter prefix is a prefix of a longer")
    consistency.add_argument("--first", type=POSITION, required=True)
    consistency.add_argument("--second", type=POSITION, help="longer prefix (default: the head)")
    consistency.set_defaults(func=cmd_prove)

    serve = sub.add_parser("serve", help="serve the GraphQL API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=bounded(1, 65535), default=8000)
    serve.set_defaults(func=cmd_serve)

    token = sub.add_parser("token", help="manage API tokens")
    token_sub = token.add_subparsers(dest="action", required=True, parser_class=OneLineParser)
    create = token_sub.add_parser("create", help="create a bearer token")
    create.add_argument("--role", required=True)
    create.add_argument("--name", required=True)
    create.add_argument("--languages")
    create.add_argument("--city")
    create.add_argument("--weight-set")
    create.add_argument("--panelist")
    create.set_defaults(func=cmd_token)

    sub.add_parser("schema", help="print the GraphQL SDL").set_defaults(func=cmd_schema, no_db=True)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: errors are one line on stderr and a non-zero exit, never a traceback."""
    args = build_parser().parse_args(argv)
    func: Callable[[Runtime | None, argparse.Namespace], None] = args.func
    runtime: Runtime | None = None
    try:
        if not getattr(args, "no_db", False):
            from cityledger.bootstrap import open_runtime

            runtime = open_runtime()
        func(runtime, args)
    except LedgerError as error:
        print(f"cityledger: {error.code}: {error.message}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader (e.g. `head`) stopped reading: not an error of ours.
        sys.stderr.close()
        return 0
    except OSError as error:
        print(
            f"cityledger: {error.strerror or error}: {error.filename or ''}".rstrip(": "),
            file=sys.stderr,
        )
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # the last line of defence: one line, no traceback
        print(f"cityledger: unexpected {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    finally:
        if runtime is not None:
            runtime.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
