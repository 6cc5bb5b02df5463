"""Import of historical records: a JSON-lines file of ledger commands, with their original times."""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TextIO

from ledger.application import Ledger
from ledger.errors import BackdatedEvent, InvalidInput, LedgerError, StorageError
from ledger.usecases.registry import USE_CASES
from ledger.validate import RepeatedKey, unique_keys

#: The Ledger use cases an import may call: every registered command, none of the queries.
COMMANDS = frozenset(USE_CASES)


@dataclass(frozen=True)
class Command:
    """One ledger command: which use case, when it happened, with which arguments; what an
    import file's line holds, parsed or written."""

    #: Its number where it comes from: the line of an import file, the order a timeline
    #: added it (ties in time keep that order).
    seq: int
    name: str
    at: datetime
    args: dict[str, Any]

    def to_json(self) -> str:
        """Its line in an import file (UTF-8 text, compact, keys in a fixed order)."""
        line = {"command": self.name, "at": self.at.isoformat(), "args": self.args}
        return json.dumps(line, ensure_ascii=False, separators=(",", ":"))


#: The longest line an import reads (a command is a few kilobytes; a request body is 1 MiB).
MAX_LINE = 1024 * 1024


def bounded_lines(handle: TextIO, limit: int = MAX_LINE) -> Iterator[str]:
    """The lines of a text file, refusing one longer than `limit` characters before reading
    the rest of it (an endless line, such as /dev/zero's, would exhaust memory)."""
    number = 0
    while line := handle.readline(limit + 1):
        number += 1
        if len(line) > limit and not (len(line) == limit + 1 and line.endswith("\n")):
            raise InvalidInput(
                f"line {number} is longer than {limit:,} characters; it was not read further",
                field="line",
                value=number,
            )
        yield line


def parse(lines: Iterable[str]) -> list[Command]:
    """Parse and shape-check every line before anything is recorded."""
    commands = []
    previous: datetime | None = None
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        commands.append(_parse_line(number, text))
        at = commands[-1].at
        if previous is not None and at < previous:
            raise InvalidInput(
                f"line {number}: time {at.isoformat()} goes back in time", field="at"
            )
        previous = at
    return commands


def _parse_line(number: int, text: str) -> Command:
    try:
        obj = json.loads(text, object_pairs_hook=unique_keys)
        # Lone surrogates decode from JSON escapes but cannot be stored: refuse them here.
        json.dumps(obj, ensure_ascii=False).encode("utf-8")
    except json.JSONDecodeError as error:
        raise InvalidInput(
            f"line {number} is not JSON: {error.msg}", field="line", value=number
        ) from None
    except RepeatedKey as repeated:
        raise InvalidInput(
            f"line {number} repeats the key {repeated.key!r} in one object",
            field="line",
            value=number,
        ) from None
    except RecursionError:
        raise InvalidInput(
            f"line {number} is nested too deeply", field="line", value=number
        ) from None
    except UnicodeEncodeError:
        raise InvalidInput(
            f"line {number} holds invalid Unicode (a lone surrogate)", field="line", value=number
        ) from None
    if not isinstance(obj, dict):
        raise InvalidInput(f"line {number} is not a JSON object", field="line", value=number)
    name, at, args = obj.get("command"), obj.get("at"), obj.get("args", {})
    # A list or an object is no command name (and cannot be looked up in a set).
    if not isinstance(name, str) or name not in COMMANDS:
        raise InvalidInput(f"line {number}: unknown command {name!r}", field="command", value=name)
    if not isinstance(args, dict):
        raise InvalidInput(f"line {number}: args must be an object", field="args", value=number)
    if at is None:
        raise InvalidInput(f"line {number}: the time 'at' is missing", field="at")
    try:
        moment = datetime.fromisoformat(str(at))
    except ValueError:
        raise InvalidInput(
            f"line {number}: time {at!r} is not ISO-8601", field="at", value=at
        ) from None
    if moment.tzinfo is None:
        raise InvalidInput(f"line {number}: time {at!r} has no UTC offset", field="at", value=at)
    if "at" in args:
        raise InvalidInput(f"line {number}: the time goes on the line, not in args", field="args")
    case = USE_CASES[name]
    unknown = sorted(a for a in args if a == "self" or not case.accepts(a))
    if unknown:
        raise InvalidInput(f"line {number}: {name} takes no argument {unknown[0]!r}", field="args")
    try:
        inspect.signature(case.function).bind(None, **args)
    except TypeError as error:
        raise InvalidInput(f"line {number}: {name}: {error}", field="args") from None
    return Command(number, name, moment, args)


def refuse_behind_head(ledger: Ledger, commands: list[Command]) -> None:
    """Refuse a file whose first line is older than the ledger's head (its time would be
    backdated), naming the first line after the head: after an import of this file was
    interrupted (killed), the line to go on from. Records nothing."""
    head = ledger.head_time()
    if not commands or head is None or commands[0].at >= head:
        return
    first = commands[0]
    later = next((c.seq for c in commands if c.at > head), None)
    go_on = (
        f"the first line after it is line {later}: if an import of this file was "
        f"interrupted, check its last events (`cityledger events --after "
        f"{max(ledger.head() - 5, 0)}`) and go on with --from-line {later}"
        if later is not None
        else "no line of the file is after it"
    )
    raise BackdatedEvent(
        f"line {first.seq} ({first.name}) is at {first.at.isoformat()}, before the ledger's "
        f"head at {head.isoformat()}, and imports must be in time order; nothing was "
        f"recorded; {go_on}",
        field="at",
        value=first.at.isoformat(),
    )


def run(
    ledger: Ledger, commands: Iterable[Command], resume: Callable[[int], str] | None = None
) -> int:
    """Record the commands in order; return how many were recorded.

    With `resume`, an error stops the import saying which lines it recorded (every line
    before the first one it did not: a storage failure loses the whole uncommitted
    transaction, not only the line being run) and how to go on from that line."""
    handed: list[Command] = []
    opened = []
    try:
        # Many commands per transaction, in order; each checked against its predecessors.
        with ledger.batch() as batch:
            opened.append(batch)
            for command in commands:
                handed.append(command)
                run_one(ledger, command)
    except LedgerError as error:
        # The batch has committed what it could by now (its last transaction included).
        recorded = opened[0].recorded if opened else 0
        raise _stopped(error, handed, recorded, resume) from None
    return len(handed)


def _stopped(
    error: LedgerError,
    handed: list[Command],
    recorded: int,
    resume: Callable[[int], str] | None,
) -> LedgerError:
    """The error, saying which of the lines run were recorded and how to go on."""
    if resume is None or recorded >= len(handed):
        return error
    first = handed[recorded].seq
    done = (
        f"lines {handed[0].seq}-{first - 1} are recorded, none from line {first} on"
        if recorded
        else f"nothing from line {first} on is recorded"
    )
    return type(error)(
        f"{error.message}; {done}; {resume(first)}", field=error.field, value=error.value
    )


def run_one(ledger: Ledger, command: Command) -> None:
    """One command, its errors named with the line (a storage failure is not the line's)."""
    try:
        getattr(ledger, command.name)(**command.args, at=command.at)
    except StorageError:
        raise
    except LedgerError as error:
        raise type(error)(
            f"line {command.seq} ({command.name}): {error.message}",
            field=error.field,
            value=error.value,
        ) from None
    except TypeError as error:
        raise InvalidInput(f"line {command.seq} ({command.name}): {error}", field="args") from None
