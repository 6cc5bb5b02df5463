"""GraphQL output types generated from the read side's frozen views.

A view's fields, their types and their descriptions (`Annotated[T, Doc("...")]`) are written
once, on the view. `@output(SomeView)` makes a `FromView` subclass the Strawberry type with
those fields: a nested view becomes its own output type, a tuple a list, `X | None` a
nullable field, an exact `Fraction` an `Exact`, a `StrEnum` its text. The class adds
resolver fields (reading its view, typed, as `self.view`) and says only where the API differs:
fields it excludes, renames or declares itself (`convert` makes their values; `rows` turns
plain tuples into objects), fields only a permission shows (`guarded`) and fields some viewers
see null (`withheld`). `from_view` builds one from a view (`withholding`: as a viewer sees
it); `shown_by` lets a hand-written type stand for a view that others nest, and `documented`
describes a hand-written type's fields of a shared field type by their Doc.
"""

from __future__ import annotations

import dataclasses
import inspect
import re
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
    dataclass_transform,
    get_args,
    get_origin,
    get_type_hints,
)

import strawberry
from strawberry.types.enum import has_enum_definition
from strawberry.types.field import StrawberryField

from graphql_api.permissions import LedgerPermission, guard, requires
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
    #: Each stored field: the view field it comes from and how its value converts.
    __view_fields__: ClassVar[dict[str, tuple[str, Convert]]]
    #: The stored fields some viewers are not shown (`output(withheld=...)`).
    __withheld__: ClassVar[tuple[str, ...]]

    @classmethod
    def from_view(cls, view: V, **extra: Any) -> Self:
        """The output of one view; `extra` gives the fields the class adds without a resolver,
        or replaces converted ones (like a number withheld from this viewer)."""
        fields = {
            api: each(getattr(view, name))
            for api, (name, each) in cls.__view_fields__.items()
            if api not in extra
        }
        return cast(Self, cast(Any, cls)(view=view, **fields, **extra))

    @classmethod
    def withholding(cls, view: V, hide: bool, **extra: Any) -> Self:
        """The output of one view as a viewer sees it: with `hide`, its withheld fields null."""
        return cls.from_view(view, **(dict.fromkeys(cls.__withheld__) if hide else {}), **extra)


def output(
    view: type[Any],
    *,
    description: str | None = None,
    name: str | None = None,
    exclude: Iterable[str] = (),
    renamed: Mapping[str, str] | None = None,
    convert: Mapping[str, Convert] | None = None,
    guarded: Mapping[str, type[LedgerPermission]] | None = None,
    withheld: Mapping[str, str] | None = None,
) -> Callable[[type[Out]], type[Out]]:
    """Make the decorated `FromView` subclass the Strawberry type of `view`'s fields.

    The type's description defaults to the view's docstring, its GraphQL name to the class's.
    By view field name: `exclude` those the API does not show, `renamed` those it shows under
    another name, `convert` how the value of a field the class declares is made, `guarded`
    those only a permission shows (nullable, resolved from the view when asked for),
    `withheld` those some viewers see null (`withholding` nulls them), with why: their
    description is the view's, then why. A field the class adds, typed by a shared field type
    (`city_id: CityId`), is described by its Doc.
    """
    skipped, names = set(exclude), dict(renamed or {})
    conversions, permissions = dict(convert or {}), dict(guarded or {})
    hidden = dict(withheld or {})

    def decorate(cls: type[Out]) -> type[Out]:
        hints = _hints(view)
        own = dict(inspect.get_annotations(cls))
        annotations: dict[str, Any] = {}
        stored: dict[str, tuple[str, Convert]] = {}
        withholds: list[str] = []
        for field in (f for f in dataclasses.fields(view) if f.name not in skipped):
            api, where = names.pop(field.name, field.name), f"{view.__name__}.{field.name}"
            hint, doc = strip_doc(hints[field.name]), doc_of(hints[field.name])
            if field.name in permissions:
                shown, each = _graphql(hint, where)
                annotations[api] = shown | None
                rule = permissions.pop(field.name)
                setattr(cls, api, _guarded(field.name, each, shown | None, _doc(doc, where), rule))
                continue
            if field.name in hidden:
                shown, each = _graphql(hint, where)
                annotations[api], stored[api] = shown | None, (field.name, each)
                why = hidden.pop(field.name)
                setattr(cls, api, strawberry.field(description=f"{_doc(doc, where)} {why}"))
                withholds.append(api)
                continue
            if api in own:
                annotations[api] = own.pop(api)
                made = conversions.pop(field.name, None)
                each = made if made is not None else _graphql(hint, where)[1]
            else:
                annotations[api], each = _graphql(hint, where)
            stored[api] = (field.name, each)
            declared = cls.__dict__.get(api)
            if not isinstance(declared, StrawberryField) or declared.description is None:
                _describe_one(cls, api, _doc(doc, where))
        unknown = sorted(conversions.keys() | permissions.keys() | names.keys() | hidden.keys())
        if unknown:
            raise TypeError(f"{view.__name__} has no fields {unknown} to show")
        _describe(cls, own)  # the class's own fields, not the view's
        cls.__annotations__ = {**annotations, **own, "view": cast(Any, strawberry.Private)[view]}
        cls.__view_fields__, cls.__withheld__ = stored, tuple(withholds)
        made = strawberry.type(cls, name=name, description=description or inspect.getdoc(view))
        _remember(view, made)
        return made

    return decorate


def rows(make: Callable[..., T], **convert: Convert) -> Callable[[Iterable[Any]], list[T]]:
    """A view's plain tuples as output objects: each tuple's items are the fields of `make` (a
    Strawberry type), in order; `convert` turns an item into its field's value, by name."""
    names = [f.name for f in dataclasses.fields(cast(Any, make))]

    def each(values: Iterable[Any]) -> list[T]:
        return [
            make(**{n: convert.get(n, _same)(v) for n, v in zip(names, row, strict=True)})
            for row in values
        ]

    return each


def exact(value: Fraction) -> Exact:
    """An exact number as the API shows it."""
    return Exact(value=value)


def shown_by(view: type[Any]) -> Callable[[type[T]], type[T]]:
    """Register a hand-written output type (with its own `from_view`) as `view`'s, so that
    generated types nesting the view use it."""

    def register(cls: type[T]) -> type[T]:
        _remember(view, cls)
        return cls

    return register


@dataclass_transform(kw_only_default=True, field_specifiers=(strawberry.field, StrawberryField))
def documented(description: str, *, is_input: bool = False) -> Callable[[type[T]], type[T]]:
    """A hand-written Strawberry type (or input) whose fields typed `Annotated[T, Doc("...")]`
    (the shared field types of ledger.fields) are described by that Doc, as generated types'
    fields are (also when a `strawberry.field` only renames one); its other fields are declared
    with `strawberry.field` as usual."""

    def decorate(cls: type[T]) -> type[T]:
        _describe(cls, inspect.get_annotations(cls))
        made = strawberry.input if is_input else strawberry.type
        return made(cls, description=description)

    return decorate


def _hints(cls: type[Any], later: bool = False) -> dict[str, Any]:
    """A class's field types with their `Annotated` metadata (its Docs). With `later`, a name
    its module does not define yet (a type defined further down) stands for a placeholder
    class of that name: Strawberry reads such a field's type itself, once the schema is made."""
    unknown: dict[str, Any] = {}
    while True:
        try:
            return get_type_hints(cls, localns=unknown or None, include_extras=True)
        except NameError as missing:
            if not later or missing.name is None or missing.name in unknown:
                raise TypeError(_undefined(cls, str(missing.name), describable=False)) from missing
            unknown[missing.name] = type(missing.name, (_Later,), {})


def _undefined(cls: type[Any], name: str, describable: bool) -> str:
    """Why a class's field cannot be read: it names something its module does not define yet."""
    fields = [
        f"{cls.__name__}.{field}"
        for field, text in inspect.get_annotations(cls).items()
        if isinstance(text, str) and re.search(rf"\b{re.escape(name)}\b", text)
    ]
    where = ", ".join(fields) or f"a field of {cls.__name__}"
    fix = ", or describe the field itself: strawberry.field(description=...)" if describable else ""
    return (
        f"{where} names {name!r}, which its module does not define when {cls.__name__} is "
        f"decorated: define {name} above {cls.__name__} (a name imported only for type "
        f"checking is not seen at run time){fix}"
    )


def _describe(cls: type[Any], names: Iterable[str]) -> None:
    """Describe the named fields of `cls` typed `Annotated[T, Doc("...")]` (a shared field
    type of ledger.fields) by that Doc. A field may name a type defined further down only if
    its Doc or its own `strawberry.field(description=...)` describes it."""
    names = list(names)
    hints = _hints(cls, later=True) if names else {}
    for name in names:
        text = doc_of(hints[name])
        if text is not None:
            _describe_one(cls, name, text)
            continue
        declared = cls.__dict__.get(name)
        undescribed = not isinstance(declared, StrawberryField) or declared.description is None
        placeholder = _placeholder(hints[name])
        if undescribed and placeholder is not None:
            # Its type may be a shared field type whose Doc is not seen yet: say so now.
            raise TypeError(_undefined(cls, placeholder, describable=True))


def _placeholder(hint: Any) -> str | None:
    """The name a placeholder stands for (see `_hints`) in a field type, if it holds one."""
    if isinstance(hint, type) and issubclass(hint, _Later):
        return hint.__name__
    return next(filter(None, map(_placeholder, get_args(hint))), None)


class _Later:
    """Base of the placeholders of names a module defines further down (see `_hints`)."""


def _describe_one(cls: type[Any], name: str, text: str) -> None:
    """Describe a field by `text`, unless its `strawberry.field` says its own words (one that
    only renames it, `strawberry.field(name="from")`, takes these)."""
    declared = cls.__dict__.get(name, dataclasses.MISSING)
    if not isinstance(declared, StrawberryField):
        # A plain default stays the field's default (an input's `= "..."`).
        setattr(cls, name, strawberry.field(description=text, default=declared))
    elif declared.description is None:
        declared.description = text


def _remember(view: type[Any], made: Any) -> None:
    if view in _OUTPUTS:
        raise TypeError(f"{view.__name__} already has the output type {_OUTPUTS[view].__name__}")
    _OUTPUTS[view] = made


def _doc(doc: str | None, where: str) -> str:
    if doc is None:
        raise TypeError(f"{where} has no description: annotate it with Doc")
    return doc


def _guarded(
    name: str, each: Convert, shown: Any, doc: str, permission: type[LedgerPermission]
) -> Any:
    """A field resolved from the view, for those the permission admits."""

    def resolve(self: FromView[Any]) -> Any:
        return each(getattr(self.view, name))

    # Strawberry reads the field's GraphQL type from the resolver's return annotation.
    resolve.__annotations__["return"] = shown
    return strawberry.field(
        resolver=resolve, description=requires(doc, [permission]), extensions=guard(permission)
    )


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
        if origin is tuple and args[-1] is not Ellipsis and len(set(args)) != 1:
            raise TypeError(f"{where}: {hint} mixes types, so it is no list; declare the field")
        inner, each = _graphql(args[0], where)
        return list[inner], lambda values: [each(v) for v in values]  # type: ignore[valid-type]
    if hint in _OUTPUTS:
        made = _OUTPUTS[hint]
        return made, made.from_view
    if hint is Fraction:
        return Exact, exact
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
