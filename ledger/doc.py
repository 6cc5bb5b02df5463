"""`Doc`: the description of a field or parameter, written once beside its type.

`Annotated[str, Doc("Anonymous verifier id.")]` on a read view's field describes the GraphQL
output field generated from it; on a use case's keyword parameter, the generated input field.
A field of a shared field type that needs its own words says them once more: an outer `Doc`
replaces its type's, and a `Qualifier` narrows it (`Annotated[Band, Qualifier("now")]` reads
"Band now."). Read it back with `typing.get_type_hints(obj, include_extras=True)` and `doc_of`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, get_args, get_origin


@dataclass(frozen=True, slots=True)
class Doc:
    """A field's description, attached with `typing.Annotated`."""

    text: str

    def __post_init__(self) -> None:
        if not self.text.strip():
            raise ValueError("Doc text is empty: a description must say something")


@dataclass(frozen=True, slots=True)
class Qualifier:
    """Words that narrow the `Doc` of a field's type for this field (which point, which
    edition), so that a shared field type keeps one description: "Band." at the earlier
    point is "Band at the earlier point."."""

    text: str

    def __post_init__(self) -> None:
        if not self.text.strip():
            raise ValueError("Qualifier text is empty: it must say something")


def doc_of(hint: Any) -> str | None:
    """The `Doc` text in an `Annotated[...]` hint (the outermost one: a field's own words over
    its type's), narrowed by its `Qualifier`s; None when it carries no Doc."""
    if get_origin(hint) is not Annotated:
        return None
    extras = get_args(hint)[1:]
    texts = [extra.text for extra in extras if isinstance(extra, Doc)]
    if not texts:
        return None
    text = texts[-1]
    for qualifier in (extra for extra in extras if isinstance(extra, Qualifier)):
        text = qualified(text, qualifier.text)
    return text


def qualified(text: str, words: str) -> str:
    """A description narrowed by `words`, ahead of a closing aside: "Rank (ties share a
    rank)." now is "Rank now (ties share a rank)."."""
    base = text.removesuffix(".")
    if base.endswith(")") and " (" in base:
        head, aside = base.rsplit(" (", 1)
        return f"{head} {words} ({aside}."
    return f"{base} {words}."


def strip_doc(hint: Any) -> Any:
    """The hint without its `Annotated[..., Doc(...)]` wrapper (other metadata kept)."""
    if get_origin(hint) is not Annotated:
        return hint
    base, *extras = get_args(hint)
    kept = [extra for extra in extras if not isinstance(extra, Doc | Qualifier)]
    return Annotated[(base, *kept)] if kept else base
