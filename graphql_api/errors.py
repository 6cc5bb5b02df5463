"""Ledger errors in the API: as typed data for mutations, as coded GraphQL errors elsewhere."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.schema.exceptions import CannotGetOperationTypeError
from strawberry.types.execution import StreamExecutionResult
from strawberry.types.field import StrawberryField

from ledger.errors import LedgerError

logger = logging.getLogger("graphql_api")

INTERNAL_MESSAGE = "Internal error; it has been logged."
#: The longest offending value, and the longest message, an error carries back (chars).
MAX_VALUE_TEXT = 200
MAX_MESSAGE = 1000


def bounded(text: str, limit: int) -> str:
    """A text cut to `limit` characters, saying how much was left out."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit} more characters)"


def value_text(value: object) -> str | None:
    """The offending value as text (JSON when it is not a string), cut to MAX_VALUE_TEXT
    characters so an error never echoes a huge value; None when absent."""
    if value is None:
        return None
    if isinstance(value, str):
        return bounded(value, MAX_VALUE_TEXT)
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        text = repr(value)
    return bounded(text, MAX_VALUE_TEXT)


@strawberry.type(
    name="LedgerError",
    description="A refused command or query: nothing was recorded. Returned as data.",
)
class LedgerErrorType:
    """A LedgerError as GraphQL data."""

    code: str = strawberry.field(
        description="Stable machine-readable code, e.g. INVALID_INPUT, UNKNOWN_ID, "
        "PERMISSION_DENIED, UNAUTHENTICATED."
    )
    message: str = strawberry.field(description="Human-readable reason naming the bad value.")
    field: str | None = strawberry.field(description="The argument or field at fault, if any.")
    value: str | None = strawberry.field(
        description="The offending value as text (JSON unless a string), if any."
    )

    @classmethod
    def from_error(cls, error: LedgerError) -> LedgerErrorType:
        """The data form of a LedgerError."""
        return cls(
            code=error.code,
            message=bounded(error.message, MAX_MESSAGE),
            field=error.field,
            value=value_text(error.value),
        )


class LedgerErrorHandler(strawberry.ExceptionHandler[LedgerError, LedgerErrorType]):
    """The one place a LedgerError becomes a payload, for every field whose union admits it."""

    def handle(
        self, exception: LedgerError, *, field: StrawberryField, info: strawberry.Info
    ) -> LedgerErrorType:
        """Convert the refusal into data."""
        return LedgerErrorType.from_error(exception)


def error_extensions(error: LedgerError) -> dict[str, Any]:
    """The `extensions` of a GraphQL error raised from a LedgerError."""
    return {"code": error.code, "field": error.field, "value": value_text(error.value)}


def classify(error: GraphQLError) -> GraphQLError:
    """Give every error a code; hide the details of unexpected failures."""
    original = error.original_error
    error.message = bounded(error.message, MAX_MESSAGE)
    if isinstance(original, LedgerError):
        error.extensions = error_extensions(original)
        return error
    if original is None or isinstance(original, GraphQLError):
        error.extensions = {"code": "BAD_REQUEST", **(error.extensions or {})}
        return error
    if isinstance(original, CannotGetOperationTypeError):
        # An operation name the document does not define (over HTTP, strawberry's 400).
        return GraphQLError(
            bounded(original.as_http_error_reason(), MAX_MESSAGE),
            extensions={"code": "BAD_REQUEST"},
        )
    return GraphQLError(
        INTERNAL_MESSAGE,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions={"code": "INTERNAL"},
    )


class ErrorCodes(SchemaExtension):
    """Add a code to every error of a result and mask unexpected ones (after logging them)."""

    def on_operation(self) -> Iterator[None]:
        """Rewrite the errors of the finished operation."""
        yield
        self._rewrite(self.execution_context.result)

    def on_stream_result(self, result: StreamExecutionResult) -> Iterator[None]:
        """Rewrite the errors of each result a subscription yields."""
        self._rewrite(result)
        yield None

    @staticmethod
    def _rewrite(result: object) -> None:
        errors = getattr(result, "errors", None)
        if result is not None and errors:
            result.errors = [classify(e) for e in errors]  # type: ignore[attr-defined]


def unexpected(errors: list[GraphQLError]) -> list[GraphQLError]:
    """The errors worth logging: those raised by bugs, not by refusals or bad queries."""
    return [
        e
        for e in errors
        if e.original_error is not None
        and not isinstance(
            e.original_error, LedgerError | GraphQLError | CannotGetOperationTypeError
        )
    ]
