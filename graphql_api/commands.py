"""Mutations generated from the Ledger's use cases, through one adapter.

A use case's signature is its API: each parameter the request gives becomes an input field
(name, type, nullability, default and its `Doc` description); the parameters marked
`Supplied` are filled from the caller's token, never from the request; the idempotency key is
scoped to the token. What differs between mutations is declared beside them in the feature
modules: the permission, the payload read back, structured parameters (`Nested`) and, rarely,
a `prepare` step for a rule of the API edge.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Annotated, Any, ClassVar, TypeVar, cast, get_args

import strawberry
from strawberry.types.field import StrawberryField

from graphql_api.context import ApiContext, Info
from graphql_api.errors import LedgerErrorType
from graphql_api.fields import command
from graphql_api.permissions import LedgerPermission
from graphql_api.recorded import Recorded
from ledger.usecases.registry import USE_CASES, Parameter, Supplied, UseCase
from ledger.vocabulary import Role

T = TypeVar("T")

#: The read-back of a command: (context, the arguments the Ledger was called with, what it
#: returned) -> the payload's fields besides `position`.
Answer = Callable[[ApiContext, dict[str, Any], Any], dict[str, Any]]
#: An API-edge rule run on the arguments before the call (it may change them or refuse).
Prepare = Callable[[ApiContext, dict[str, Any]], None]

Key = Annotated[
    str | None,
    strawberry.argument(description="Retrying with the same key records the command once."),
]

#: Where each supplied parameter comes from: the identities the caller's token is bound to.
SUPPLIERS: dict[Supplied, Callable[[ApiContext], object]] = {
    Supplied.ACTOR: lambda c: c.acting(c.viewer.name, "name"),
    Supplied.VERIFIER: lambda c: c.acting(c.viewer.name, "verifier"),
    Supplied.CITY: lambda c: c.acting(c.viewer.city_id, "city"),
    Supplied.PANEL: lambda c: c.acting(c.viewer.weight_set_id, "panel"),
    Supplied.PANELIST: lambda c: c.acting(c.viewer.panelist_id, "panelist"),
    Supplied.AS_EDITOR: lambda c: c.viewer.role == Role.EDITOR,
}


@dataclass(frozen=True)
class Nested:
    """A parameter whose GraphQL form differs from the Ledger's: its type and conversion."""

    #: The GraphQL type (made nullable where the parameter is optional).
    type: Any
    #: The Ledger's value from the GraphQL value (never called with None).
    plain: Callable[[Any], Any] = lambda value: value
    #: A description replacing the parameter's own.
    doc: str | None = None
    #: A default replacing the parameter's own (e.g. optional at the edge only).
    default: Any = inspect.Parameter.empty


class LedgerInput:
    """Base of an input object the Ledger takes as a plain mapping (`plain()`)."""

    #: The Ledger's key of each field it names differently.
    ledger_keys: ClassVar[Mapping[str, str]] = {}

    def plain(self) -> dict[str, Any]:
        """As the Ledger takes it: each field under the Ledger's key, input objects in it as
        mappings and enums as their values; a field left null is left out."""
        return {
            self.ledger_keys.get(f.name, f.name): _ledger_value(value)
            for f in dataclasses.fields(cast(Any, self))
            if (value := getattr(self, f.name)) is not None
        }


def _ledger_value(value: Any) -> Any:
    if isinstance(value, LedgerInput):
        return value.plain()
    if isinstance(value, list):
        return [_ledger_value(item) for item in value]
    return value.value if isinstance(value, Enum) else value


def plains(items: list[LedgerInput]) -> list[dict[str, Any]]:
    """Each input object as the Ledger takes it (its `plain()`)."""
    return [item.plain() for item in items]


def recorded(items: Iterable[T], **key: object) -> T:
    """The item a command just recorded, found in a listing by its key (`publication_no=3`)."""
    return next(i for i in items if all(getattr(i, k) == v for k, v in key.items()))


def payload(name: str, description: str, **fields: tuple[Any, str]) -> type:
    """A success payload: the read-model position after the write, then `fields`
    (name -> (type, description))."""
    annotations: dict[str, Any] = {"position": int}
    namespace: dict[str, Any] = {
        "position": strawberry.field(description="Read-model position after the write.")
    }
    for field_name, (kind, doc) in fields.items():
        annotations[field_name] = kind
        namespace[field_name] = strawberry.field(description=doc)
    namespace["__annotations__"] = annotations
    namespace["__doc__"] = description
    return strawberry.type(type(name, (), namespace), name=name, description=description)


@functools.cache
def result(success: type) -> Any:
    """The union a mutation answers: its payload, Recorded (a success the read models have not
    caught up with yet) or a LedgerError; one per payload, named after it."""
    name = re.sub("Payload$", "Result", success.__name__)
    union = strawberry.union(
        name,
        description=f"{name}: the success payload, Recorded (a success the read models have "
        "not caught up with yet) or a LedgerError.",
    )
    return Annotated[success | Recorded | LedgerErrorType, union]  # type: ignore[valid-type]


def _graphql_type(parameter: Parameter, nested: Nested | None) -> Any:
    """The GraphQL type of a parameter: its own, or its Nested one (nullable where it is)."""
    if nested is None:
        return parameter.hint
    optional = type(None) in get_args(parameter.hint) or nested.default is None
    return nested.type | None if optional else nested.type


def _default(parameter: Parameter, nested: Nested | None) -> Any:
    if nested is not None and nested.default is not inspect.Parameter.empty:
        return nested.default
    return parameter.default


#: The generated input types by name (two use cases with the same request share one).
_INPUTS: dict[str, type] = {}


def _input_type(case: UseCase, name: str, by_name: Mapping[str, Nested]) -> type:
    """The input type generated from a use case's request parameters (one per name)."""
    if name in _INPUTS:
        return _INPUTS[name]
    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = {"__annotations__": annotations}
    for p in case.inputs():
        found = by_name.get(p.name)
        annotations[p.name] = _graphql_type(p, found)
        doc = found.doc if found is not None and found.doc else p.doc
        default = _default(p, found)
        if default is inspect.Parameter.empty:
            namespace[p.name] = strawberry.field(description=doc)
        else:
            namespace[p.name] = strawberry.field(description=doc, default=default)
    namespace["__doc__"] = f"The request of {case.name}."
    made = strawberry.input(type(name, (), namespace), name=name, description=case.headline)
    _INPUTS[name] = made
    return made


def _plain(value: Any, nested: Nested | None) -> Any:
    """A GraphQL value as the Ledger takes it."""
    if value is None:
        return None
    if nested is not None:
        value = nested.plain(value)
    return value.value if isinstance(value, Enum) else value


def call(
    context: ApiContext,
    case: UseCase,
    given: Mapping[str, Any],
    key: str | None,
    prepare: Prepare | None = None,
) -> tuple[dict[str, Any], Any]:
    """THE adapter: run a use case with the request's values, the caller's identities in the
    supplied parameters, and the key scoped to the caller's token; (arguments, result)."""
    gone = context.watcher.replaced()
    if gone is not None:
        raise gone
    arguments = dict(given)
    for parameter in case.supplied():
        assert parameter.supplied is not None
        arguments[parameter.name] = SUPPLIERS[parameter.supplied](context)
    if prepare is not None:
        prepare(context, arguments)
    arguments["idempotency_key"] = context.scoped_key(key)
    return arguments, getattr(context.ledger, case.name)(**arguments)


def mutation(
    use: str,
    permission: type[LedgerPermission],
    success: type,
    answer: Answer,
    *,
    description: str | None = None,
    input_name: str | None = None,
    flat: bool = False,
    nested: Mapping[str, Nested] | None = None,
    prepare: Prepare | None = None,
) -> StrawberryField:
    """The mutation field of a use case: its request as one input object (`input_name`,
    default `<UseCase>Input`) or as flat arguments; answered with `success` read back; described
    by the use case's headline unless the API says more (`description`)."""
    case = USE_CASES[use]
    mapping = dict(nested or {})
    inputs = case.inputs()
    name = input_name or "".join(part.title() for part in use.split("_")) + "Input"
    kind = None if flat else _input_type(case, name, mapping)

    def resolve(root: object, info: Info, **request: Any) -> object:
        context = info.context
        key = request.pop("idempotency_key", None)
        values = request if kind is None else vars(request["input"])
        given = {p.name: _plain(values[p.name], mapping.get(p.name)) for p in inputs}
        arguments, answered = call(context, case, given, key, prepare)
        position = context.caught_up()
        return success(position=position, **answer(context, arguments, answered))

    keyword = inspect.Parameter.KEYWORD_ONLY
    parameters = [
        inspect.Parameter("root", inspect.Parameter.POSITIONAL_OR_KEYWORD),
        inspect.Parameter("info", keyword, annotation=Info),
    ]
    if kind is not None:
        parameters.append(inspect.Parameter("input", keyword, annotation=kind))
    else:
        for p in inputs:
            found = mapping.get(p.name)
            doc = found.doc if found is not None and found.doc else p.doc
            argument = strawberry.argument(description=doc)
            annotation = Annotated[_graphql_type(p, found), argument]  # type: ignore[valid-type]
            parameters.append(
                inspect.Parameter(
                    p.name, keyword, annotation=annotation, default=_default(p, found)
                )
            )
    parameters.append(inspect.Parameter("idempotency_key", keyword, annotation=Key, default=None))
    resolve.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        parameters, return_annotation=result(success)
    )
    resolve.__name__ = use
    return command(description or case.headline, permission)(resolve)  # type: ignore[return-value]
