"""What every command's arguments share: the parser class, number types, tables and cuts.

Kept light (no read-side import at module level): building the parser for `--help` loads this.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from ledger.errors import InvalidInput
from ledger.vocabulary import RankingTable

if TYPE_CHECKING:
    from projections.explain import Cut

TABLE_CHOICES = [t.value for t in RankingTable]
MAX_POSITION = 2**62
EDITION_HELP = "edition id (see `cityledger editions`)"
TABLE_HELP = "which table"
AS_OF_HELP = "a ledger position or an ISO-8601 time with a UTC offset (default: now)"
CUT_HELP = "a position, an instant or publication:N"
PUBLICATION_PREFIX = "publication:"


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr, like every other error."""

    def error(self, message: str) -> NoReturn:
        """Print `cityledger: usage: …` on one line and exit 2."""
        self.exit(2, f"cityledger: usage: {message} (see {self.prog} --help)\n")


def bounded(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number written in ASCII digits, within [low, high]."""

    def convert(text: str) -> int:
        if not (text.isascii() and text.lstrip("-").isdigit()) or not low <= int(text) <= high:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number in {low}..{high}")
        return int(text)

    return convert


POSITION = bounded(1, MAX_POSITION)


def publication_number(text: str) -> str:
    """An argparse type: 'latest' or a publication number."""
    return text if text == "latest" else str(POSITION(text))


def add_format(parser: argparse.ArgumentParser, *formats: str, default: str = "text") -> None:
    """`--format`, one of the given formats."""
    parser.add_argument("--format", default=default, choices=formats, help="output format")


def add_table(parser: argparse.ArgumentParser) -> None:
    """`--edition` and `--table`, both required."""
    parser.add_argument("--edition", required=True, help=EDITION_HELP)
    parser.add_argument("--table", required=True, choices=TABLE_CHOICES, help=TABLE_HELP)


def add_db_option(parser: argparse.ArgumentParser) -> None:
    """`--db PATH` on every (sub)command that has no subcommands of its own."""
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    for action in subs:
        for child in set(action.choices.values()):
            add_db_option(child)
    if not subs and parser.prog != "cityledger":
        parser.add_argument(
            "--db", type=Path, help="the SQLite database (default: $CITYLEDGER_DB or var/)"
        )


# --- cuts of the log: the one parser of positions, instants and publication:N ---


def parse_instant(text: str, option: str, *, expected: str = "not an ISO-8601 time") -> datetime:
    """An ISO-8601 instant with a UTC offset; errors name `--option` and what it `expected`."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"--{option} {text!r} is {expected}", field=option, value=text) from None
    if moment.tzinfo is None:
        raise InvalidInput(
            f"--{option} {text!r} needs a UTC offset, e.g. 2023-06-01T00:00:00+00:00",
            field=option,
            value=text,
        )
    return moment


def parse_as_of(
    text: str | None,
    option: str = "as-of",
    *,
    expected: str = "neither a position nor an ISO-8601 time",
) -> int | datetime | None:
    """A ledger position (ASCII digits) or an instant; None (now) when not given."""
    if text is None:
        return None
    if text.isascii() and text.isdigit():
        return int(text)
    return parse_instant(text, option, expected=expected)


def parse_cut(text: str, option: str) -> Cut:
    """A position, an instant or `publication:N` (a publication's cut, N >= 1)."""
    if text.startswith(PUBLICATION_PREFIX):
        from projections.explain import PublicationCut

        number = text.removeprefix(PUBLICATION_PREFIX)
        if number.isascii() and number.isdigit() and int(number) >= 1:
            return PublicationCut(number=int(number))
        raise InvalidInput(
            f"--{option} {text!r}: publication:N needs N >= 1", field=option, value=text
        )
    return parse_as_of(text, option, expected="not a position, an ISO-8601 time or publication:N")
