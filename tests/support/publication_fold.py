"""The oracle for publication facts: one fold of the whole log in ledger order.

This is how `publish` used to learn its facts (before it read them from the read models):
every event folded into the ranking state, bands taken when the fold passes the corrected
publication and the cut, causes noted in between, and what is undecided folded alongside.
Tests compare projections.whatif.publication_facts with it.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from cityledger.bootstrap import Runtime
from ledger.errors import LedgerError
from ledger.published import table_digest
from ledger.publishing import PublicationFacts, PublicationRequest
from ledger.records import EventRecord
from projections.ranking import TABLES, ranking
from projections.state import WEIGHT_CHANGES, RankingState
from projections.whatif import Bands, Causes, Undecided, bands, publication_facts


@dataclass
class PublicationScan:
    """The state at the cut, bands at an earlier publication, the decisions in between (for a
    correction's causes), and what is undecided, from events 1..cut."""

    edition_id: str
    cut: int
    corrected_at: int | None
    state: RankingState = field(default_factory=RankingState)
    undecided: Undecided = field(default_factory=Undecided)
    before: Bands | None = None
    at_cut: Bands | None = None
    causes: Causes = field(init=False)

    def __post_init__(self) -> None:
        self.causes = Causes(self.edition_id)

    def apply(self, r: EventRecord) -> None:
        """Fold one event in, noting bands at the two positions and causes between them."""
        self.state.apply(r)
        self.undecided.apply(r)
        if self.corrected_at is not None and self.corrected_at < r.position <= self.cut:
            self._cause(r)
        if r.position == self.corrected_at:
            self.before = self._bands()
        if r.position == self.cut:
            self.at_cut = self._bands()

    def _bands(self) -> Bands | None:
        return (
            bands(self.state, self.edition_id) if self.edition_id in self.state.editions else None
        )

    def _cause(self, r: EventRecord) -> None:
        owner = self.state.owners.get(r.originator_id)
        if owner in self.state.claims:
            self.causes.claim_event(r, owner, self.state.claims[owner])
        elif r.type in WEIGHT_CHANGES:
            edition = self.state.editions.get(self.edition_id)
            if edition is not None and owner == edition["weight_set_id"]:
                self.causes.weight_event(r)


def folded_facts(records: Iterable[EventRecord], request: PublicationRequest) -> PublicationFacts:
    """The facts for publishing the request's tables at its cut, from the whole log."""
    edition_id, cut, corrected_at = request.edition_id, request.cut, request.corrected_at
    tables = request.tables
    scan = PublicationScan(edition_id, cut, corrected_at)
    for record in records:
        if record.position > cut:
            break
        scan.apply(record)
    changes = None
    if corrected_at is not None:
        changes = []
        if scan.before is not None and scan.at_cut is not None:
            changes = scan.causes.changes(scan.before, scan.at_cut, tables)
    found = scan.undecided.blockers(scan.state, edition_id) if request.blockers else []
    digests = {
        table: table_digest((r.city_id, r.band) for r in ranking(scan.state, edition_id, table))
        for table in tables
        if table in TABLES
    }
    return PublicationFacts(found, changes, digests)


Outcome = PublicationFacts | tuple[type[LedgerError], str]


def every_table(
    edition_id: str, cut: int, corrected_at: int | None = None, *, blockers: bool = True
) -> PublicationRequest:
    """A request to publish every table of the edition at `cut`."""
    return PublicationRequest(
        edition_id=edition_id,
        cut=cut,
        corrected_at=corrected_at,
        tables=list(TABLES),
        blockers=blockers,
    )


def outcome(compute: Callable[..., PublicationFacts], *args: Any, **kwargs: Any) -> Outcome:
    """The facts, or the ledger error (type and message) that computing them raised."""
    try:
        return compute(*args, **kwargs)
    except LedgerError as error:
        return type(error), str(error)


def editions(rt: Runtime) -> dict[str, tuple[int, list[int]]]:
    """Each edition: the position its cities were first included at, and its publications."""
    found: dict[str, tuple[int, list[int]]] = {}
    for edition_id, first in rt.db.execute(
        "SELECT edition_id, MIN(position) FROM events WHERE type = 'CitiesIncluded' "
        "GROUP BY edition_id ORDER BY edition_id"
    ).fetchall():
        published = [
            int(p)
            for (p,) in rt.db.execute(
                "SELECT position FROM publications WHERE edition_id = ? ORDER BY publication_no",
                [edition_id],
            ).fetchall()
        ]
        found[str(edition_id)] = (int(first), published)
    return found


def cuts(rt: Runtime, edition_id: str, rng: random.Random, samples: int = 3) -> list[int]:
    """The edition's publications, the filing of its first appeals (open then), the head, and
    random positions after its cities were included."""
    first, published = editions(rt)[edition_id]
    filed = [
        int(p)
        for (p,) in rt.db.execute(
            "SELECT position FROM events WHERE type = 'AppealFiled' AND edition_id = ? "
            "ORDER BY position LIMIT 3",
            [edition_id],
        ).fetchall()
    ]
    head = rt.ledger.head()
    return sorted({*published, *filed, head, *(rng.randint(first, head) for _ in range(samples))})


def assert_same_facts(rt: Runtime, seed: int, samples: int = 3) -> int:
    """Compare every edition's facts from the read models with the fold's at its cuts (with
    `samples` random ones); return how many comparisons were made."""
    records: list[EventRecord] = list(rt.ledger.all_records())
    rng, compared = random.Random(seed), 0
    for edition_id, (_, published) in editions(rt).items():
        for cut in cuts(rt, edition_id, rng, samples):
            # Ordinary, forced (no blockers looked for) and correcting publications (forced:
            # the blockers were compared already).
            variants = [(None, True), (None, False), *((p, False) for p in published if p <= cut)]
            for corrected_at, blockers in variants:
                request = every_table(edition_id, cut, corrected_at, blockers=blockers)
                new = outcome(publication_facts, rt.db, request)
                old = outcome(folded_facts, records, request)
                assert new == old, (edition_id, cut, corrected_at, blockers)
                compared += 1
    return compared
