"""What-if: bands an edition would have if undecided evidence were decided, on a copy of state.

Nothing here is recorded. A hypothesis is expressed as the very events its decision would
record (an upheld appeal: the correcting claim submitted, accepted on appeal, the disputed
claim superseded), folded onto a copy of the ranking state, so that the answer is the one
the real decision gives.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from ledger.appeal import correction_claim_id
from ledger.claim import Claim
from ledger.publishing import PublicationFacts
from ledger.records import EventRecord
from projections.ranking import TABLES, RankingEntry, indicator_support, ranking
from projections.state import CITY, EDITION, INDICATOR, POINTS, STATUS, RankingState

Bands = dict[tuple[str, str], RankingEntry]
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def trial(state: RankingState) -> RankingState:
    """A copy of the state that claim events can be folded onto without touching the original."""
    # Claim events change only claims and owners: the rest is shared, not copied.
    return replace(
        state, claims={k: list(v) for k, v in state.claims.items()}, owners=dict(state.owners)
    )


def _record(kind: str, claim_id: str, data: dict[str, Any]) -> EventRecord:
    return EventRecord(0, kind, str(Claim.key(claim_id)), 0, _EPOCH, data, kind, "")


def claim_records(
    claim_id: str,
    edition_id: str,
    city_id: str,
    indicator_id: str,
    points: int,
    supersedes: str | None,
    appeal_id: str | None = None,
) -> list[EventRecord]:
    """The events that accepting a claim (new, or pending) would fold into the ranking state."""
    records = []
    if appeal_id is not None:
        submitted = {"claim_id": claim_id, "edition_id": edition_id, "city_id": city_id,
                     "indicator_id": indicator_id, "points": points}  # fmt: skip
        records.append(_record("ClaimSubmitted", claim_id, submitted))
        records.append(_record("ClaimAcceptedOnAppeal", claim_id, {"appeal_id": appeal_id}))
    else:
        records.append(_record("RoundClosed", claim_id, {"outcome": "accepted"}))
    if supersedes is not None:
        records.append(_record("ClaimSuperseded", supersedes, {"superseded_by": claim_id}))
    return records


def bands(state: RankingState, edition_id: str) -> Bands:
    """Every (table, city) row of an edition."""
    support = indicator_support(state, edition_id)
    return {
        (table, row.city_id): row
        for table in TABLES
        for row in ranking(state, edition_id, table, support)
    }


def bands_if(state: RankingState, edition_id: str, records: Iterable[EventRecord]) -> Bands:
    """The rows an edition would have after these events, computed on a copy."""
    copy = trial(state)
    for record in records:
        copy.apply(record)
    copy.position = state.position
    return bands(copy, edition_id)


def changed(before: Bands, after: Bands) -> list[tuple[str, str, str, str]]:
    """(table, city, band before, band after) for every row whose band differs."""
    return sorted(
        (table, city, before[(table, city)].band, row.band)
        for (table, city), row in after.items()
        if (table, city) in before and before[(table, city)].band != row.band
    )


@dataclass
class AppealFacts:
    """What an open appeal would change if upheld."""

    appeal_id: str
    edition_id: str
    city_id: str
    indicator_id: str
    points: int
    claim_id: str | None

    def records(self) -> list[EventRecord]:
        """The events upholding it would fold into the ranking state."""
        return claim_records(
            correction_claim_id(self.appeal_id), self.edition_id, self.city_id,
            self.indicator_id, self.points, self.claim_id, self.appeal_id,
        )  # fmt: skip


@dataclass
class Undecided:
    """Claims and appeals awaiting a decision, folded from the log alongside the state."""

    supersedes: dict[str, str | None] = field(default_factory=dict)
    appeals: dict[str, AppealFacts] = field(default_factory=dict)
    appeal_owner: dict[str, str] = field(default_factory=dict)

    def apply(self, r: EventRecord) -> None:
        """Fold one event in."""
        d = r.data
        if r.type == "ClaimSubmitted":
            self.supersedes[d["claim_id"]] = d.get("supersedes")
        elif r.type == "AppealFiled":
            self.appeal_owner[r.originator_id] = d["appeal_id"]
            if d.get("sources") and d.get("points") is not None and d.get("indicator_id"):
                self.appeals[d["appeal_id"]] = AppealFacts(
                    d["appeal_id"], d["edition_id"], d["city_id"], d["indicator_id"],
                    int(d["points"]), d.get("claim_id"),
                )  # fmt: skip
        elif r.type in ("AppealDecided", "AppealAnswered", "AppealWithdrawn"):
            self.appeals.pop(self.appeal_owner.get(r.originator_id, ""), None)

    def pending_claims(self, state: RankingState, edition_id: str) -> list[str]:
        """Ids of the edition's pending claims."""
        return sorted(
            c for c, row in state.claims.items()
            if row[EDITION] == edition_id and row[STATUS] == "pending"
        )  # fmt: skip

    def blockers(self, state: RankingState, edition_id: str) -> list[str]:
        """Undecided claims and open appeals whose decision could change one of the bands."""
        base = bands(state, edition_id)
        support = indicator_support(state, edition_id)
        found = []
        for claim_id in self.pending_claims(state, edition_id):
            row = state.claims[claim_id]
            old = self.supersedes.get(claim_id)
            if old is not None and state.claims.get(old, [None] * 5)[STATUS] == "superseded":
                old = None  # recorded under the earlier rule: already superseded
            held = support.get(row[CITY], {}).get(row[INDICATOR])
            if held is not None and int(row[POINTS]) <= held.points and held.claim_id != old:
                continue  # accepting it cannot change the city's score
            hypothesis = claim_records(
                claim_id, edition_id, row[CITY], row[INDICATOR], int(row[POINTS]), old
            )
            if changed(base, bands_if(state, edition_id, hypothesis)):
                found.append(f"pending claim {claim_id}")
        for appeal in sorted(self.appeals.values(), key=lambda a: a.appeal_id):
            if appeal.edition_id != edition_id:
                continue
            if changed(base, bands_if(state, edition_id, appeal.records())):
                found.append(f"open appeal {appeal.appeal_id}")
        return found


#: Event types that decide a claim (or the weights) and so may move bands.
DECISION_TYPES = frozenset(
    {"RoundClosed", "ClaimWithdrawn", "ClaimSuperseded", "ClaimAcceptedOnAppeal"}
)


@dataclass
class PublicationScan:
    """One pass over the log for a publication: the state at the cut, bands at an earlier
    publication, the decisions in between (for a correction's causes), and what is undecided."""

    edition_id: str
    cut: int
    corrected_at: int | None
    state: RankingState = field(default_factory=RankingState)
    undecided: Undecided = field(default_factory=Undecided)
    before: Bands | None = None
    at_cut: Bands | None = None
    causes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    weight_causes: list[dict[str, Any]] = field(default_factory=list)
    on_appeal: set[str] = field(default_factory=set)

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
        if r.type == "AppealDecided" and r.data.get("decision") == "upheld":
            return  # named through the correcting claim's acceptance
        if r.type == "ClaimAcceptedOnAppeal" and owner is not None:
            self.on_appeal.add(owner)
        if r.type == "ClaimSuperseded" and r.data.get("superseded_by") in self.on_appeal:
            return  # one decision with the correcting claim's acceptance, named by the appeal
        if r.type in DECISION_TYPES and owner in self.state.claims:
            row = self.state.claims[owner]
            if row[EDITION] != self.edition_id:
                return
            cause: dict[str, Any] = {"position": r.position, "type": r.type, "claim_id": owner}
            if r.type == "ClaimAcceptedOnAppeal":
                cause["appeal_id"] = r.data["appeal_id"]
            self.causes.setdefault(str(row[CITY]), []).append(cause)
        elif r.type in ("WeightsAggregated", "WeightsSet"):
            edition = self.state.editions.get(self.edition_id)
            if edition is not None and owner == edition["weight_set_id"]:
                self.weight_causes.append({"position": r.position, "type": r.type})

    def changes(self, tables: Iterable[str]) -> list[dict[str, Any]]:
        """Each band change between the corrected publication and the cut, with its causes."""
        if self.before is None or self.at_cut is None:
            return []
        every = sorted(
            [c for per in self.causes.values() for c in per] + self.weight_causes,
            key=lambda c: int(c["position"]),
        )
        out = []
        for table, city, before, after in changed(self.before, self.at_cut):
            if table not in tables:
                continue
            own = sorted(
                self.causes.get(city, []) + self.weight_causes, key=lambda c: int(c["position"])
            )
            # A city moved by others' decisions alone is caused by those decisions.
            out.append({"table": table, "city_id": city, "before": before, "after": after,
                        "causes": own or every})  # fmt: skip
        return out


def check_publication(
    records: Iterable[EventRecord],
    edition_id: str,
    cut: int,
    corrected_at: int | None,
    tables: list[str],
    *,
    blockers: bool = True,
) -> PublicationFacts:
    """The ranking engine's answers for `publish` (the Ledger's PublicationCheck port)."""
    scan = PublicationScan(edition_id, cut, corrected_at)
    for record in records:
        scan.apply(record)
    changes = scan.changes(tables) if corrected_at is not None else None
    # Each blocker is a what-if ranking: skipped when a forced publication would ignore them.
    found = scan.undecided.blockers(scan.state, edition_id) if blockers else []
    return PublicationFacts(found, changes)
