"""Typed decorators for resolver fields, each naming and enforcing who may use it."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

import strawberry

from graphql_api.permissions import LedgerPermission, guard, requires
from graphql_api.recorded import ReadModelsBehind, Recorded

F = TypeVar("F", bound=Callable[..., Any])


def field(description: str, *permissions: type[LedgerPermission]) -> Callable[[F], F]:
    """A resolver field; with permissions, guarded and described by who may use it."""
    if not permissions:
        return cast(Callable[[F], F], strawberry.field(description=description))
    made = strawberry.field(
        description=requires(description, permissions), extensions=guard(*permissions)
    )
    return cast(Callable[[F], F], made)


def command(description: str, permission: type[LedgerPermission]) -> Callable[[F], F]:
    """A mutation guarded by a permission; LedgerErrors (denials too) return as data, and a
    command recorded while the read models cannot follow returns as Recorded."""
    made = strawberry.mutation(
        description=requires(description, [permission]), extensions=guard(permission)
    )

    def decorate(resolver: F) -> F:
        @functools.wraps(resolver)
        def answered(*args: Any, **kwargs: Any) -> Any:
            try:
                return resolver(*args, **kwargs)
            except ReadModelsBehind as behind:
                # The events are committed: the answer is a success, with the warning.
                return Recorded.from_behind(behind)

        return cast(F, made(answered))

    return decorate


def stream(description: str, permission: type[LedgerPermission]) -> Callable[[F], F]:
    """A guarded subscription."""
    made = strawberry.subscription(
        description=requires(description, [permission]), extensions=guard(permission)
    )
    return cast(Callable[[F], F], made)
