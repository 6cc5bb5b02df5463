"""The registry of use cases: every Ledger command by name, with its described parameters.

Entry points read it instead of listing commands again: the importer takes its command table
from it, and the API generates its mutation inputs from the parameters (names, types, `Doc`
descriptions) and fills the parameters marked `Supplied` from the caller's credentials.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import (
    Annotated,
    Any,
    ParamSpec,
    TypedDict,
    TypeVar,
    get_args,
    get_origin,
    get_type_hints,
)

from ledger import validate
from ledger.doc import Doc, doc_of
from ledger.errors import InvalidInput
from ledger.validate import Check

P = ParamSpec("P")
R = TypeVar("R")


class Supplied(StrEnum):
    """A parameter the API fills from the caller's credentials, never from the request."""

    #: The caller's name: who records the command.
    ACTOR = "actor"
    #: The verifier the caller is.
    VERIFIER = "verifier"
    #: The city the caller represents.
    CITY = "city"
    #: The weight set whose panel the caller sits on.
    PANEL = "panel"
    #: The panelist the caller is.
    PANELIST = "panelist"
    #: Whether the caller is an editor (who may act on anyone's claims).
    AS_EDITOR = "as_editor"


class Run(TypedDict, total=False):
    """How to run any use case (its `**run` keywords), never what to do: no input of a request."""

    #: When it happened: an import's original time (default: now).
    at: datetime | None
    #: Retrying with the same key records the command once.
    idempotency_key: str | None


Actor = Annotated[
    str | None, Doc("Who records the command."), Supplied.ACTOR, Check(validate.actor)
]


@dataclass(frozen=True)
class Parameter:
    """One parameter of a use case, as an entry point needs it."""

    name: str
    #: The type, without its description and markers.
    hint: Any
    #: Its description (the `Doc`), if any.
    doc: str | None
    #: Its default (`inspect.Parameter.empty`: required).
    default: Any
    #: Who supplies it at the API edge (None: the request).
    supplied: Supplied | None
    #: Its rule (the `Check`), run on the argument before the use case's body; None: none.
    check: Check | None = None

    @property
    def required(self) -> bool:
        """Whether a call must give it."""
        return self.default is inspect.Parameter.empty


@dataclass(frozen=True)
class UseCase:
    """A registered Ledger command: its name and the method that runs it."""

    name: str
    function: Callable[..., Any]

    def accepts(self, name: str) -> bool:
        """Whether a call may give this keyword (a parameter, or one of Run's)."""
        return name in Run.__annotations__ or any(p.name == name for p in self.parameters)

    @functools.cached_property
    def parameters(self) -> tuple[Parameter, ...]:
        """Its parameters (without `**run`), in order."""
        hints = get_type_hints(self.function, include_extras=True)
        found = []
        for p in inspect.signature(self.function).parameters.values():
            if p.name == "self" or p.kind is inspect.Parameter.VAR_KEYWORD:
                continue
            hint = hints.get(p.name, Any)
            extras = get_args(hint)[1:] if get_origin(hint) is Annotated else ()
            supplied = next((e for e in extras if isinstance(e, Supplied)), None)
            check = next((e for e in extras if isinstance(e, Check)), None)
            base = get_args(hint)[0] if extras else hint
            found.append(Parameter(p.name, base, doc_of(hint), p.default, supplied, check))
        return tuple(found)

    @property
    def summary(self) -> str:
        """The first line of its docstring: what it does."""
        return (self.function.__doc__ or self.name).strip().splitlines()[0]

    @property
    def headline(self) -> str:
        """What it does, without what it returns (its summary up to a `;`), as a sentence."""
        return self.summary.split(";")[0].rstrip(".") + "."

    def inputs(self) -> tuple[Parameter, ...]:
        """The parameters a request gives (every one the edge does not supply)."""
        return tuple(p for p in self.parameters if p.supplied is None)

    def supplied(self) -> tuple[Parameter, ...]:
        """The parameters the edge supplies from the caller's credentials."""
        return tuple(p for p in self.parameters if p.supplied is not None)


#: Every use case of the Ledger, by name, in definition order.
USE_CASES: dict[str, UseCase] = {}


@dataclass(frozen=True)
class Request:
    """The use case being run: its name, and the fingerprint of its arguments."""

    name: str
    fingerprint: str


#: The use case being run in this context, set by @use_case.
_REQUEST: ContextVar[Request | None] = ContextVar("cityledger_request", default=None)


def current_request() -> Request | None:
    """The use case being run in this context (None outside one)."""
    return _REQUEST.get()


#: The plain text parameters, checked for being text when they have no `Check` of their own.
TEXT_HINTS = (str, str | None)


def _is_text(parameter: Parameter, value: object) -> bool:
    """Whether a text parameter's value is a string (or None where None is allowed)."""
    if isinstance(value, str):
        return True
    return value is None and (parameter.hint is not str or parameter.default is None)


def use_case(method: Callable[P, R]) -> Callable[P, R]:
    """Register a Ledger use case; its arguments fingerprint the request for idempotency keys.

    Each parameter's `Check` runs on its argument, in signature order, before the body, which
    gets the clean values: a bad value is refused, naming its parameter, before anything runs.
    """
    signature = inspect.signature(method)
    case = UseCase(method.__name__, method)

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        run = bound.arguments.get("run", {})
        # Fingerprinted as given (not as cleaned), and as when `at` was a parameter of its own
        # (stored receipts compare it).
        request = {k: v for k, v in bound.arguments.items() if k not in ("self", "run")}
        request["at"] = run.get("at")
        text = json.dumps([method.__name__, request], sort_keys=True, default=str)
        digest = hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()
        for parameter in case.parameters:
            value = bound.arguments[parameter.name]
            if parameter.check is not None:
                bound.arguments[parameter.name] = parameter.check(parameter.name, value)
            elif parameter.hint in TEXT_HINTS and not _is_text(parameter, value):
                # An id looked up as given (an import line's list, say) must still be text.
                raise InvalidInput(
                    f"{parameter.name} must be a string, got {value!r}",
                    field=parameter.name,
                    value=value,
                )
        token = _REQUEST.set(Request(method.__name__, digest))
        try:
            return method(*bound.args, **bound.kwargs)
        finally:
            _REQUEST.reset(token)

    USE_CASES[method.__name__] = case
    return wrapper
