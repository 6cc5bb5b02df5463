"""GraphQL output types generated from the read side's frozen views.

A view's fields, their types and their descriptions (`Annotated[T, Doc("...")]`) are written
once, on the view. `@output(SomeView)` makes a class the Strawberry type with those fields:
a nested view becomes its own output type, a tuple a list, `X | None` a nullable field, an
exact `Fraction` an `Exact`, a `StrEnum` its text. The class adds resolver fields, and may
declare a view field itself where the API shows it differently (its annotation and
description win; `convert` says how its value is made). `from_view` builds one from a view,
which resolvers reach, typed, as `self.view`.
"""

from __future__ import annotations

import dataclasses
import inspect
import types
from collections.abc import Callable, Iterable, Mapping
from enum import Enum
from fractions import Fraction
from typing import (
    Any,
    ClassVar,
    Generic,
    Self,
    TypeVar,
    Union,
    cast,
    get_args,
    get_origin,
    get_type_hints,
)

import strawberry
from strawberry.types.enum import has_enum_definition

from graphql_api.scalars import Exact
from ledger.doc import doc_of, strip_doc

V = TypeVar("V")
T = TypeVar("T")
Out = TypeVar("Out", bound="FromView[Any]")

#: Turns a view's value into the value of the GraphQL field.
Convert = Callable[[Any], Any]

#: The output type generated for each view, so that a view nested in another maps to it.
_OUTPUTS: dict[type, Any] = {}


class FromView(Generic[V]):
    """Base of a generated output type: its view, typed, and `from_view`."""

    view: V
    __view_fields__: ClassVar[dict[str, Convert]]

    @classmethod
    def from_view(cls, view: V, **extra: Any) -> Self:
        """The output of one view; `extra` gives the fields the class adds without a resolver."""
        fields = {
            name: convert(getattr(view, name)) for name, convert in cls.__view_fields__.items()
        }
        return cast(Self, cast(Any, cls)(view=view, **fields, **extra))


def output(
    view: type[Any],
    *,
    description: str | None = None,
    exclude: Iterable[str] = (),
    convert: Mapping[str, Convert] | None = None,
) -> Callable[[type[Out]], type[Out]]:
    """Make the decorated `FromView` subclass the Strawberry type of `view`'s fields.

    The type's description defaults to the view's docstring; `exclude` names view fields the
    API does not show.
    """
    skipped = set(exclude)
    conversions = dict(convert or {})

    def decorate(cls: type[Out]) -> type[Out]:
        hints = get_type_hints(view, include_extras=True)
        own = dict(inspect.get_annotations(cls))
        annotations: dict[str, Any] = {}
        converters: dict[str, Convert] = {}
        for field in dataclasses.fields(view):
            if field.name in skipped:
                continue
            where = f"{view.__name__}.{field.name}"
            doc = doc_of(hints[field.name])
            if field.name in own:
                annotations[field.name] = own.pop(field.name)
                converters[field.name] = (
                    conversions.pop(field.name)
                    if field.name in conversions
                    else _graphql(strip_doc(hints[field.name]), where)[1]
                )
                described = isinstance(
                    cls.__dict__.get(field.name), strawberry.types.field.StrawberryField
                )
            else:
                annotations[field.name], converters[field.name] = _graphql(
                    strip_doc(hints[field.name]), where
                )
                described = False
            if not described:
                if doc is None:
                    raise TypeError(f"{where} has no description: annotate it with Doc")
                setattr(cls, field.name, strawberry.field(description=doc))
        if conversions:
            raise TypeError(
                f"convert names fields {view.__name__} does not show: {sorted(conversions)}"
            )
        cls.__annotations__ = {**annotations, **own, "view": cast(Any, strawberry.Private)[view]}
        cls.__view_fields__ = converters
        text = description or inspect.getdoc(view)
        made = strawberry.type(cls, description=text)
        _remember(view, made)
        return made

    return decorate


def shown_by(view: type[Any]) -> Callable[[type[T]], type[T]]:
    """Register a hand-written output type (with its own `from_view`) as `view`'s, so that
    generated types nesting the view use it."""

    def register(cls: type[T]) -> type[T]:
        _remember(view, cls)
        return cls

    return register


def _remember(view: type[Any], made: Any) -> None:
    if view in _OUTPUTS:
        raise TypeError(f"{view.__name__} already has the output type {_OUTPUTS[view].__name__}")
    _OUTPUTS[view] = made


def _same(value: Any) -> Any:
    return value


def _graphql(hint: Any, where: str) -> tuple[Any, Convert]:
    """The GraphQL annotation of a view field's type, and how its value converts."""
    origin, args = get_origin(hint), get_args(hint)
    if origin in (Union, types.UnionType):
        present = [a for a in args if a is not type(None)]
        if len(present) != 1:
            raise TypeError(f"{where}: {hint} is not X | None; declare the field on the class")
        inner, each = _graphql(present[0], where)
        return inner | None, lambda value: None if value is None else each(value)
    if origin in (tuple, list):
        if origin is tuple and (len(args) != 2 or args[1] is not Ellipsis):
            raise TypeError(f"{where}: a fixed-size {hint} has no GraphQL form; declare it")
        inner, each = _graphql(args[0], where)
        return list[inner], lambda values: [each(v) for v in values]  # type: ignore[valid-type]
    if hint in _OUTPUTS:
        made = _OUTPUTS[hint]
        return made, made.from_view
    if hint is Fraction:
        return Exact, lambda value: Exact(value=value)
    if hint in (str, int, bool, float):
        return hint, _same
    if isinstance(hint, type) and issubclass(hint, Enum):
        if has_enum_definition(hint):
            return hint, hint
        if issubclass(hint, str):
            return str, str
    if dataclasses.is_dataclass(hint):
        name = getattr(hint, "__name__", hint)
        raise TypeError(
            f"{where}: {name} has no output type yet: declare the field with the type that "
            f"shows {name} (importing it), or give it one with @output first"
        )
    raise TypeError(f"{where}: no GraphQL type for {hint}")
