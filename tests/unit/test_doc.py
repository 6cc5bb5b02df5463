"""`Doc` descriptions read back from `Annotated` hints."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, get_type_hints

import pytest

from ledger.doc import Doc, Qualifier, doc_of, strip_doc

Rank = Annotated[int, Doc("Rank (ties share a rank).")]
Band = Annotated[str, Doc("Band.")]


@dataclass(frozen=True)
class _Described:
    verifier: Annotated[str, Doc("Anonymous verifier id.")]
    plain: int
    band_now: Annotated[Band, Qualifier("now")]
    rank_then: Annotated[Rank, Qualifier("at the earlier cut")]
    own: Annotated[Band, Doc("The band it had before the appeal.")]


def test_doc_text_is_read_from_a_resolved_hint() -> None:
    hints = get_type_hints(_Described, include_extras=True)
    assert doc_of(hints["verifier"]) == "Anonymous verifier id."
    assert doc_of(hints["plain"]) is None


def test_a_qualifier_narrows_the_doc_of_a_shared_field_type() -> None:
    hints = get_type_hints(_Described, include_extras=True)
    assert doc_of(hints["band_now"]) == "Band now."
    # The words go ahead of a closing aside.
    assert doc_of(hints["rank_then"]) == "Rank at the earlier cut (ties share a rank)."


def test_a_fields_own_doc_replaces_its_types() -> None:
    hints = get_type_hints(_Described, include_extras=True)
    assert doc_of(hints["own"]) == "The band it had before the appeal."


def test_strip_doc_leaves_the_bare_type_and_other_metadata() -> None:
    assert strip_doc(Annotated[str, Doc("x")]) is str
    assert strip_doc(int) is int
    assert strip_doc(Annotated[str, Doc("x"), "other"]) == Annotated[str, "other"]
    assert strip_doc(Annotated[str, Doc("x"), Qualifier("now")]) is str


def test_an_empty_description_is_refused() -> None:
    with pytest.raises(ValueError, match="empty"):
        Doc("  ")
    with pytest.raises(ValueError, match="empty"):
        Qualifier("")
