"""Argument checks shared by every command, raising InvalidInput that names the value."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlsplit
from uuid import uuid4

from ledger.errors import InvalidInput

MAX_TEXT = 2000
MAX_EXCERPT = 4000
# ASCII only: under IGNORECASE alone, [a-z] also matches the Kelvin sign, the long s and the
# dotted and dotless i, so "to\u212ayo" would pass as a second, lookalike "tokyo".
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._/\-]{0,119}$", re.IGNORECASE | re.ASCII)
LANGUAGE_PATTERN = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
#: Control characters no text may hold (NUL, escapes, C1 controls, and the bidirectional
#: embeddings, overrides and isolates, which reorder how the rest of a line is shown: the
#: "Trojan Source" spoof); tabs and line breaks may, and so may the plain marks LRM and RLM.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True, slots=True)
class Check:
    """A parameter's rule, attached with `typing.Annotated` beside its `Doc`, written once.

    `rule(field, value)` refuses a bad value (InvalidInput naming the field) or returns the
    clean one (text trimmed); `@use_case` runs it on the argument before the use case's body.
    """

    rule: Callable[[str, Any], Any]

    def __call__(self, field: str, value: Any) -> Any:
        return self.rule(field, value)


def actor(field: str, value: Any) -> str | None:
    """Who records a command (a caller's name, at most 120 characters), or None: unnamed."""
    return None if value is None else name(field, value)


def name(field: str, value: Any) -> str:
    """A person's or a caller's name: non-empty, at most 120 characters."""
    return text(field, value, max_len=120)


def text(field: str, value: Any, *, max_len: int = MAX_TEXT, optional: bool = False) -> str:
    """A non-empty string of at most max_len characters."""
    if value is None and optional:
        return ""
    if not isinstance(value, str):
        raise InvalidInput(f"{field} must be a string, got {value!r}", field=field, value=value)
    control = CONTROL.search(value)
    if control:
        raise InvalidInput(
            f"{field} holds the control character U+{ord(control.group()):04X} at index "
            f"{control.start()}; only tabs and line breaks are allowed",
            field=field,
            value=value[:40] + ("…" if len(value) > 40 else ""),
        )
    stripped = value.strip()
    if not stripped and not optional:
        raise InvalidInput(f"{field} must not be empty", field=field, value=value)
    if stripped and not any(c.isprintable() and not c.isspace() for c in stripped):
        # Zero-width spaces, joiners, soft hyphens: text that shows as nothing.
        raise InvalidInput(
            f"{field} {value[:40]!r} shows nothing: it holds only invisible characters",
            field=field,
            value=value,
        )
    if len(value) > max_len:
        raise InvalidInput(
            f"{field} is {len(value)} characters long; at most {max_len} are allowed",
            field=field,
            value=value[:40] + "…",
        )
    return stripped


def web_url(field: str, value: Any) -> str:
    """An http(s) URL with a host, written without spaces (at most 2,000 characters)."""
    url = text(field, value, max_len=2000)
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (parsed for its check: a port that is not a number raises)
    except ValueError:
        parts = None
    if (
        parts is None
        or parts.scheme.lower() not in ("http", "https")
        or not parts.hostname
        or any(c.isspace() for c in url)
    ):
        raise InvalidInput(
            f"{field} {url!r} is not a web address (http:// or https://, a host, no spaces)",
            field=field,
            value=url,
        )
    return url


#: What a spreadsheet reads as the start of a formula in a cell (OWASP's CSV injection list).
FORMULA_START = ("=", "+", "-", "@")


def cell_text(field: str, value: Any, *, max_len: int = MAX_TEXT) -> str:
    """Text that lands in exported CSV cells (a city's names): it may not start like a
    formula, which a spreadsheet opening the export would run."""
    clean = text(field, value, max_len=max_len)
    if clean.startswith(FORMULA_START):
        raise InvalidInput(
            f"{field} {clean[:40]!r} starts with {clean[0]!r}, which a spreadsheet opening an "
            "export would run as a formula",
            field=field,
            value=value,
        )
    return clean


def one_of(field: str, value: Any, options: Iterable[str], *, what: str | None = None) -> str:
    """One of `options` (a message names the value as `what`, by default the field)."""
    names = list(options)
    if not isinstance(value, str) or value not in names:
        raise InvalidInput(
            f"{what or field} {value!r} is not one of {', '.join(names)}", field=field, value=value
        )
    return value


def _matching(field: str, value: Any, pattern: re.Pattern[str], what: str) -> str:
    """A string the whole of which matches the pattern; the error says what was expected."""
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise InvalidInput(f"{field} {value!r} is not {what}", field=field, value=value)
    return value


def ident(field: str, value: Any) -> str:
    """An id: letters, digits and . _ / - , at most 120 characters."""
    return _matching(field, value, ID_PATTERN, "a valid id (letters, digits, '.', '_', '/', '-')")


def chosen_id(field: str, value: Any) -> str:
    """The id a caller chose, checked as an id; a new UUID where none is given (None only)."""
    return str(uuid4()) if value is None else ident(field, value)


def integer(field: str, value: Any, *, low: int, high: int) -> int:
    """An int within [low, high]."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{field} must be an integer, got {value!r}", field=field, value=value)
    if not low <= value <= high:
        raise InvalidInput(
            f"{field} {value} is out of range {low}..{high}", field=field, value=value
        )
    return value


def language(field: str, value: Any) -> str:
    """An ISO 639 language code such as 'zh' or 'en'."""
    return _matching(field, value, LANGUAGE_PATTERN, "a language code like 'zh' or 'en'")


def iso_date(field: str, value: Any) -> str:
    """A calendar date written YYYY-MM-DD."""
    if isinstance(value, str):
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            pass
    raise InvalidInput(f"{field} {value!r} is not a date like 2023-06-01", field=field, value=value)


def string_list(field: str, values: Any, *, check: Any = None, max_items: int = 1000) -> list[str]:
    """A non-empty list of distinct strings, each passed through check."""
    if not isinstance(values, list | tuple) or not values:
        raise InvalidInput(f"{field} must be a non-empty list, got {values!r}", field=field)
    if len(values) > max_items:
        raise InvalidInput(f"{field} has {len(values)} items; at most {max_items}", field=field)
    out = [check(field, v) if check else text(field, v) for v in values]
    duplicates = sorted({v for v in out if out.count(v) > 1})
    if duplicates:
        raise InvalidInput(f"{field} repeats {duplicates[0]!r}", field=field, value=duplicates[0])
    return out


def languages(field: str, values: Any) -> list[str]:
    """A non-empty list of distinct language codes (at most 30)."""
    return string_list(field, values, check=language, max_items=30)


class RepeatedKey(ValueError):
    """A JSON object gives one key twice: which one counts would be a parser's guess (a
    proxy reading the first "query" and a server running the last would disagree)."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """json.loads' object_pairs_hook for input: an object's members, a key given twice
    refused (RepeatedKey)."""
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise RepeatedKey(key)
        found[key] = value
    return found
