"""The `cityledger` command line: tables, exports, the log, imports, proofs and the API server.

Each command module registers its subcommands and imports what a command needs only when it
runs, so that `--help` and a table start fast; the web stack is loaded only by `serve`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from cityledger.cli import log, movement, serving, tables, years
from cityledger.cli.arguments import OneLineParser, add_db_option
from cityledger.cli.log import VERIFY_FAILED
from ledger.errors import CorruptDatabase, LedgerError

if TYPE_CHECKING:
    from cityledger.bootstrap import Reader, Runtime

__all__ = ["VERIFY_FAILED", "build_parser", "main"]

#: The command modules, in the order their commands are listed by `--help`.
GROUPS = (tables, movement, years, log, serving)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    p = OneLineParser(prog="cityledger", description=__doc__.split("\n", 1)[0])
    sub = p.add_subparsers(
        dest="command", required=True, parser_class=OneLineParser, metavar="COMMAND",
        title="commands",
    )  # fmt: skip
    for group in GROUPS:
        group.add_parsers(sub)
    add_db_option(p)
    return p


def _utf8(text: str) -> bool:
    """Whether a command-line argument is text UTF-8 can write (no undecodable bytes)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _shown(text: str) -> str:
    """An argument with undecodable bytes, its bytes written as \\xNN."""
    try:
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate no byte decodes to (given in-process)
        return repr(text)
    return raw.decode("utf-8", "backslashreplace")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: errors are one line on stderr and a non-zero exit, never a traceback."""
    given = list(sys.argv[1:] if argv is None else argv)
    undecodable = next((a for a in given if not _utf8(a)), None)
    if undecodable is not None:
        # Bytes that are not UTF-8 reach Python as lone surrogates, which nothing can store.
        print(
            f"cityledger: usage: argument {_shown(undecodable)} is not UTF-8 text", file=sys.stderr
        )
        return 2
    args = build_parser().parse_args(given)
    func: Callable[[Any, argparse.Namespace], None] = args.func
    opens: str | None = getattr(args, "opens", "runtime")
    runtime: Runtime | Reader | None = None
    try:
        from cityledger.bootstrap import open_reader, open_runtime, require_database

        db = getattr(args, "db", None)
        if getattr(args, "reads", False):
            require_database(db)  # a read command never creates a database
        if opens == "reader":
            runtime = open_reader(db)
        elif opens == "runtime":
            runtime = open_runtime(db)
        func(runtime, args)
    except CorruptDatabase as error:
        print(f"cityledger: {error.code}: {error.message}", file=sys.stderr)
        return int(getattr(args, "damaged_exit", 2))
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
        from ledger.storage import storage_error

        # A database failure no command named: still its own code (a full disk, say).
        named = storage_error(error, args.command)
        if named is not None:
            print(f"cityledger: {named.code}: {named.message}", file=sys.stderr)
            return 2
        print(f"cityledger: unexpected {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    finally:
        if runtime is not None:
            runtime.close()
    return 0
