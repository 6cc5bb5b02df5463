"""The port through which `publish` learns what only the ranking engine can compute.

The write side does not rank (the engine lives in the read side, which depends on the write
side, not the other way round), so the runtime wires an implementation in: one pass over the
log that says which undecided claims or appeals could still change a band, and, for a
correction, each band change since the corrected publication with its causes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from ledger.records import EventRecord


@dataclass(frozen=True)
class PublicationFacts:
    """What the ranking engine says about a publication about to be made."""

    #: Undecided claims and open appeals whose decision could change a band ("open appeal a1").
    blockers: list[str]
    #: A correction's band changes since the corrected publication: {table, city_id, before,
    #: after, causes}; None when the publication corrects nothing.
    changes: list[dict[str, Any]] | None


class PublicationCheck(Protocol):
    """Computes PublicationFacts from the whole log, in ledger order."""

    def __call__(
        self,
        records: Iterable[EventRecord],
        edition_id: str,
        cut: int,
        corrected_at: int | None,
        tables: list[str],
        *,
        blockers: bool = True,
    ) -> PublicationFacts:
        """Facts for publishing `tables` of an edition at position `cut` (without `blockers`,
        for a forced publication, the blockers are not looked for and the list is empty)."""
        ...
