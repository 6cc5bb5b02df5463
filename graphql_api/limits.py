"""Limits on what one request may ask: depth, aliases, tokens and page sizes."""

from __future__ import annotations

from collections.abc import Callable

from strawberry.extensions import (
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)

from ledger.errors import InvalidInput
from projections.queries import MAX_PAGE

MAX_DEPTH = 12
MAX_ALIASES = 30
MAX_TOKENS = 2000
DEFAULT_PAGE = 20
__all__ = ["DEFAULT_PAGE", "MAX_ALIASES", "MAX_DEPTH", "MAX_PAGE", "MAX_TOKENS"]


def limit_extensions() -> list[Callable[[], SchemaExtension]]:
    """Factories of the limiting schema extensions (a fresh instance per request)."""
    return [
        lambda: QueryDepthLimiter(max_depth=MAX_DEPTH),
        lambda: MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
    ]


def page_size(first: int) -> int:
    """A page size within 1..MAX_PAGE, or InvalidInput."""
    if not 1 <= first <= MAX_PAGE:
        raise InvalidInput(
            f"first {first} is out of range 1..{MAX_PAGE}", field="first", value=first
        )
    return first


def cursor_value(after: str | None) -> int:
    """The position or offset a cursor stands for (0 when absent)."""
    if after is None:
        return 0
    if not after.isdigit() or len(after) > 18:
        raise InvalidInput(f"cursor {after[:40]!r} is not valid", field="after", value=after[:40])
    return int(after)
