"""`Doc` descriptions read back from `Annotated` hints."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, get_type_hints

import pytest

from ledger.doc import Doc, doc_of, strip_doc


@dataclass(frozen=True)
class _Described:
    verifier: Annotated[str, Doc("Anonymous verifier id.")]
    plain: int


def test_doc_text_is_read_from_a_resolved_hint() -> None:
    hints = get_type_hints(_Described, include_extras=True)
    assert doc_of(hints["verifier"]) == "Anonymous verifier id."
    assert doc_of(hints["plain"]) is None


def test_strip_doc_leaves_the_bare_type_and_other_metadata() -> None:
    assert strip_doc(Annotated[str, Doc("x")]) is str
    assert strip_doc(int) is int
    assert strip_doc(Annotated[str, Doc("x"), "other"]) == Annotated[str, "other"]


def test_an_empty_description_is_refused() -> None:
    with pytest.raises(ValueError, match="empty"):
        Doc("  ")
