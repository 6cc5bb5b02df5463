"""The port through which `publish` learns what only the ranking engine can compute.

The write side does not rank (the engine lives in the read side, which depends on the write
side, not the other way round), so the runtime wires an implementation in: it reads the edition
at the cut from the read models (caught up to the cut first) and says whether the edition had
cities there, the digest of each table's bands, which undecided claims or appeals could still
change a band, and, for a correction, each band change since the corrected publication with its
causes; and the log's chain hash and tree head at the cut, which the read models keep. Its cost
follows the edition, not the length of the log.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class PublicationFacts:
    """What the ranking engine says about a publication about to be made."""

    #: Undecided claims and open appeals whose decision could change a band ("open appeal a1").
    blockers: list[str]
    #: A correction's band changes since the corrected publication: {table, city_id, before,
    #: after, causes}; None when the publication corrects nothing.
    changes: list[dict[str, Any]] | None
    #: Each published table's digest (ledger.published.table_digest of its bands at the cut).
    table_digests: dict[str, str] | None = None
    #: The chain hash and the Merkle tree head (hex) of the log at the cut (None: unknown, the
    #: Ledger computes them in a pass over the log).
    digest: str | None = None
    tree_head: str | None = None


@dataclass(frozen=True, kw_only=True)
class PublicationRequest:
    """What `publish` asks the ranking engine about: `tables` of an edition at position `cut`,
    correcting the publication made at `corrected_at` (None: correcting nothing)."""

    edition_id: str
    cut: int
    corrected_at: int | None
    tables: list[str]
    #: Look for undecided evidence that could change a band (a forced publication does not:
    #: the list of blockers is then empty).
    blockers: bool = True


class PublicationCheck(Protocol):
    """Computes PublicationFacts for an edition at a ledger position."""

    def __call__(self, request: PublicationRequest) -> PublicationFacts:
        """Facts for the request. InvalidInput when the edition had no cities at the cut,
        NoWeightsInForce when it had no weights in force there."""
        ...
