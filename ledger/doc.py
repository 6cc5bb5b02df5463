"""`Doc`: the description of a field or parameter, written once beside its type.

`Annotated[str, Doc("Anonymous verifier id.")]` on a read view's field describes the GraphQL
output field generated from it; on a use case's keyword parameter, the generated input field.
Read it back with `typing.get_type_hints(obj, include_extras=True)` and `doc_of`.
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


def doc_of(hint: Any) -> str | None:
    """The `Doc` text in an `Annotated[...]` hint, or None when it carries none."""
    if get_origin(hint) is not Annotated:
        return None
    for extra in get_args(hint)[1:]:
        if isinstance(extra, Doc):
            return extra.text
    return None


def strip_doc(hint: Any) -> Any:
    """The hint without its `Annotated[..., Doc(...)]` wrapper (other metadata kept)."""
    if get_origin(hint) is not Annotated:
        return hint
    base, *extras = get_args(hint)
    kept = [extra for extra in extras if not isinstance(extra, Doc)]
    return Annotated[(base, *kept)] if kept else base
