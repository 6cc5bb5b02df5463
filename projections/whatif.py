"""What-if: bands an edition would have if undecided evidence were decided, on a copy of state;
and the facts a publication needs (its blockers, a correction's band changes, table digests).

Nothing here is recorded. A hypothesis is expressed as the very events its decision would
record (an upheld appeal: the correcting claim submitted, accepted on appeal, the disputed
claim superseded), folded onto a copy of the ranking state, so that the answer is the one
the real decision gives. The state is one edition's at a position, read from the read models
(the ranking timeline and the event index), so the cost follows the edition, not the log.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from sqlite_utils import Database

from ledger.appeal import Appeal, correction_claim_id
from ledger.claim import Claim
from ledger.errors import InvalidInput
from ledger.published import table_digest
from ledger.publishing import PublicationFacts, PublicationRequest
from ledger.records import EventRecord
from ledger.vocabulary import ClaimStatus
from projections.bands import band, ranks
from projections.edition_state import EPOCH, edition_records
from projections.model import by_name, marks, rows_in
from projections.pointintime import EditionAt, edition_at
from projections.ranking import (
    TABLES,
    RankingEntry,
    Support,
    best_of,
    edition_claims,
    has_weights,
    indicator_support,
    integer_scores,
    no_weights,
    ranking,
)
from projections.state import (
    CITY,
    CLAIM_CHANGES,
    EDITION,
    INDICATOR,
    POINTS,
    STATUS,
    WEIGHT_CHANGES,
    RankingState,
)

Bands = dict[tuple[str, str], RankingEntry]


def trial(state: RankingState, records: Iterable[EventRecord] | None = None) -> RankingState:
    """A copy of the state that claim events (all of them, or these `records`) can be folded
    onto without touching the original."""
    if records is None:
        claims = {k: list(v) for k, v in state.claims.items()}
    else:
        # Only the rows these events change are copied: the others are shared, unchanged.
        claims = dict(state.claims)
        for record in records:
            claim_id = state.owners.get(record.originator_id)
            if claim_id in claims:
                claims[claim_id] = list(claims[claim_id])
    # Claim events change only claims and owners: the rest is shared, not copied.
    return replace(state, claims=claims, owners=dict(state.owners))


def _record(event: type, claim_id: str, data: dict[str, Any]) -> EventRecord:
    kind = event.__name__
    return EventRecord(0, kind, str(Claim.key(claim_id)), 0, EPOCH, data, kind, "")


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
        records.append(_record(Claim.ClaimSubmitted, claim_id, submitted))
        records.append(_record(Claim.ClaimAcceptedOnAppeal, claim_id, {"appeal_id": appeal_id}))
    else:
        records.append(_record(Claim.RoundClosed, claim_id, {"outcome": "accepted"}))
    if supersedes is not None:
        records.append(_record(Claim.ClaimSuperseded, supersedes, {"superseded_by": claim_id}))
    return records


def bands(
    state: RankingState, edition_id: str, support: dict[str, dict[str, Support]] | None = None
) -> Bands:
    """Every (table, city) row of an edition (from `support` where given, else its claims)."""
    support = indicator_support(state, edition_id) if support is None else support
    return {
        (table, row.city_id): row
        for table in TABLES
        for row in ranking(state, edition_id, table, support)
    }


def bands_if(state: RankingState, edition_id: str, records: Iterable[EventRecord]) -> Bands:
    """The rows an edition would have after these events, computed on a copy."""
    records = list(records)
    copy = trial(state, records)
    for record in records:
        copy.apply(record)
    copy.position = state.position
    return bands(copy, edition_id)


@dataclass(frozen=True)
class TableBands:
    """An edition's tables as exact integer numerators and bands, to try decisions on: a
    what-if re-scores only the cities its events touch and ranks again, with the ranking
    engine's own arithmetic (projections.ranking.integer_scores, projections.bands)."""

    state: RankingState
    edition_id: str
    support: dict[str, dict[str, Support]]
    numerators: dict[str, dict[str, int]]
    bands: dict[str, dict[str, str]]
    #: The edition's claim ids per (city, indicator): a what-if re-reads only those it touches.
    claims_of: dict[tuple[str, str], list[str]]

    @classmethod
    def of(cls, state: RankingState, edition_id: str) -> TableBands:
        """The edition's tables in `state` (NoWeightsInForce before it has weights)."""
        if not has_weights(state, edition_id):
            weight_set_id = str(state.editions[edition_id]["weight_set_id"])
            raise no_weights(edition_id, weight_set_id, TABLES[0], state.position)
        support = indicator_support(state, edition_id)
        numerators = {t: integer_scores(state, edition_id, t, support)[0] for t in TABLES}
        claims_of: dict[tuple[str, str], list[str]] = {}
        for claim_id, row in edition_claims(state, edition_id):
            claims_of.setdefault((str(row[CITY]), str(row[INDICATOR])), []).append(claim_id)
        bands = {t: _bands_of(numerators[t]) for t in TABLES}
        return cls(state, edition_id, support, numerators, bands, claims_of)

    def moved_by(self, records: Iterable[EventRecord]) -> bool:
        """Whether these events, folded onto a copy of the state, would change a band."""
        records = list(records)
        copy = trial(self.state, records)
        # Each (city, indicator) the events touch, with the claims they touch there (a claim
        # they submit is not in `claims_of` yet).
        touched: dict[tuple[str, str], set[str]] = {}
        for record in records:
            copy.apply(record)
            claim_id = copy.owners.get(record.originator_id, "")
            row = copy.claims.get(claim_id)
            if row is not None and row[EDITION] == self.edition_id:
                touched.setdefault((str(row[CITY]), str(row[INDICATOR])), set()).add(claim_id)
        for key in touched:
            touched[key].update(self.claims_of.get(key, ()))
        support = supported(copy, self.support, touched)
        cities = {city: support[city] for city, _ in touched if city in support}
        for table in TABLES:
            numerators = self.numerators[table]
            moved = integer_scores(copy, self.edition_id, table, cities)[0]
            # A table whose scores the events leave alone keeps its bands.
            if any(numerators[c] != n for c, n in moved.items()) and (
                _bands_of({**numerators, **moved}) != self.bands[table]
            ):
                return True
        return False


def _bands_of(numerators: dict[str, int]) -> dict[str, str]:
    """Each city's band from its table numerator (one denominator: they order as the scores)."""
    rank_of, n = ranks(numerators), len(numerators)
    return {city: band(rank, n) for city, rank in rank_of.items()}


def supported(
    state: RankingState,
    support: dict[str, dict[str, Support]],
    touched: dict[tuple[str, str], set[str]],
) -> dict[str, dict[str, Support]]:
    """`support` with the (city, indicator) scores in `touched` worked out again from the
    state's rows of the claims given there (every claim of the edition at that city and
    indicator), by projections.ranking.best_of."""
    out = dict(support)
    for (city_id, indicator_id), claim_ids in touched.items():
        if indicator_id not in support.get(city_id, {}):
            continue
        rows = ((c, state.claims[c]) for c in claim_ids)
        accepted = {c: int(row[POINTS]) for c, row in rows if row[STATUS] == ClaimStatus.ACCEPTED}
        out[city_id] = {**out[city_id], indicator_id: best_of(accepted)}
    return out


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
        """Fold one event in (one of UNDECIDED_HANDLERS' types; others change nothing here)."""
        handler = UNDECIDED_HANDLERS.get(r.type)
        if handler is not None:
            handler(self, r)

    def _submitted(self, r: EventRecord) -> None:
        self.supersedes[r.data["claim_id"]] = r.data.get("supersedes")

    def _filed(self, r: EventRecord) -> None:
        d = r.data
        self.appeal_owner[r.originator_id] = d["appeal_id"]
        if d.get("sources") and d.get("points") is not None and d.get("indicator_id"):
            self.appeals[d["appeal_id"]] = AppealFacts(
                d["appeal_id"], d["edition_id"], d["city_id"], d["indicator_id"],
                int(d["points"]), d.get("claim_id"),
            )  # fmt: skip

    def _closed(self, r: EventRecord) -> None:
        self.appeals.pop(self.appeal_owner.get(r.originator_id, ""), None)

    def pending_claims(self, state: RankingState, edition_id: str) -> list[str]:
        """Ids of the edition's pending claims."""
        return sorted(c for c, _ in edition_claims(state, edition_id, ClaimStatus.PENDING))

    def blockers(
        self,
        state: RankingState,
        edition_id: str,
        moves: Callable[[list[EventRecord]], bool] | None = None,
    ) -> list[str]:
        """Undecided claims and open appeals whose decision could change one of the bands
        (`moves`: whether a decision's events would; by default TableBands.moved_by)."""
        tables = TableBands.of(state, edition_id)
        support, moved = tables.support, moves or tables.moved_by
        found = []
        for claim_id in self.pending_claims(state, edition_id):
            row = state.claims[claim_id]
            old = self.supersedes.get(claim_id)
            if old in state.claims and state.claims[old][STATUS] == ClaimStatus.SUPERSEDED:
                old = None  # recorded under the earlier rule: already superseded
            held = support.get(row[CITY], {}).get(row[INDICATOR])
            if held is not None and int(row[POINTS]) <= held.points and held.claim_id != old:
                continue  # accepting it cannot change the city's score
            hypothesis = claim_records(
                claim_id, edition_id, row[CITY], row[INDICATOR], int(row[POINTS]), old
            )
            if moved(hypothesis):
                found.append(f"pending claim {claim_id}")
        for appeal in sorted(self.appeals.values(), key=lambda a: a.appeal_id):
            if appeal.edition_id != edition_id:
                continue
            if moved(appeal.records()):
                found.append(f"open appeal {appeal.appeal_id}")
        return found


#: What each event type does to the undecided claims and appeals (keyed by the event classes'
#: names, so that a renamed or removed class fails at import).
UNDECIDED_HANDLERS: dict[str, Callable[[Undecided, EventRecord], None]] = by_name({
    Claim.ClaimSubmitted: Undecided._submitted,
    Appeal.AppealFiled: Undecided._filed,
    Appeal.AppealDecided: Undecided._closed,
    Appeal.AppealAnswered: Undecided._closed,
    Appeal.AppealWithdrawn: Undecided._closed,
})  # fmt: skip
#: A claim accepted on appeal, and the claim it supersedes: one decision, the appeal's.
ACCEPTED_ON_APPEAL = Claim.ClaimAcceptedOnAppeal.__name__
SUPERSEDED = Claim.ClaimSuperseded.__name__
#: Event types that decide a claim (or the weights) and so may move bands.
DECISION_TYPES = frozenset(
    e.__name__
    for e in (Claim.RoundClosed, Claim.ClaimWithdrawn, Claim.ClaimSuperseded,
              Claim.ClaimAcceptedOnAppeal)
)  # fmt: skip
#: An edition's events that change its claims' statuses or its open appeals.
UNDECIDED_TYPES = CLAIM_CHANGES | frozenset(UNDECIDED_HANDLERS)


def weight_records(db: Database, weight_set_id: str, after: int, upto: int) -> list[EventRecord]:
    """The weight set's weight changes in (after, upto], in ledger order."""
    kinds = sorted(WEIGHT_CHANGES)
    found = db.execute(
        "SELECT e.position, e.type, e.originator_id, e.originator_version FROM events e "
        f"WHERE e.type IN ({marks(kinds)}) AND e.owner_key = ? "
        "AND +e.position > ? AND +e.position <= ? ORDER BY e.position",
        [*kinds, weight_set_id, after, upto],
    ).fetchall()
    return [
        EventRecord(int(position), str(kind), str(oid), int(version), EPOCH, {}, "", "")
        for position, kind, oid, version in found
    ]


def undecided_at(db: Database, found: EditionAt, edition_id: str) -> Undecided:
    """Fold the edition's claims and appeals up to its position into `found.state` (which then
    holds the edition's claims as a replay of the log gives them); what is undecided there."""
    state, undecided, position = found.state, Undecided(), found.state.position
    for record in edition_records(db, edition_id, UNDECIDED_TYPES, 0, position):
        state.apply(record)
        undecided.apply(record)
    state.position = position
    return undecided


@dataclass
class Causes:
    """The decisions of an edition between two positions, per city, as a correction names them."""

    edition_id: str
    per_city: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    weights: list[dict[str, Any]] = field(default_factory=list)
    on_appeal: set[str] = field(default_factory=set)

    def claim_event(self, r: EventRecord, claim_id: str, claim: list[Any]) -> None:
        """Note an event of a claim (its row: [edition, city, ...]) that may be a cause."""
        if r.type == ACCEPTED_ON_APPEAL:
            self.on_appeal.add(claim_id)
        if r.type == SUPERSEDED and r.data.get("superseded_by") in self.on_appeal:
            return  # one decision with the correcting claim's acceptance, named by the appeal
        if r.type in DECISION_TYPES and claim[EDITION] == self.edition_id:
            cause: dict[str, Any] = {"position": r.position, "type": r.type, "claim_id": claim_id}
            if r.type == ACCEPTED_ON_APPEAL:
                cause["appeal_id"] = r.data["appeal_id"]
            self.per_city.setdefault(str(claim[CITY]), []).append(cause)

    def weight_event(self, r: EventRecord) -> None:
        """Note a change of the edition's weights."""
        self.weights.append({"position": r.position, "type": r.type})

    def changes(self, before: Bands, after: Bands, tables: Iterable[str]) -> list[dict[str, Any]]:
        """Each band change between the two positions in these tables, with its causes."""
        every = sorted(
            [c for per in self.per_city.values() for c in per] + self.weights,
            key=lambda c: int(c["position"]),
        )
        out = []
        for table, city, was, now in changed(before, after):
            if table not in tables:
                continue
            own = sorted(
                self.per_city.get(city, []) + self.weights, key=lambda c: int(c["position"])
            )
            # A city moved by others' decisions alone is caused by those decisions.
            out.append({"table": table, "city_id": city, "before": was, "after": now,
                        "causes": own or every})  # fmt: skip
        return out


def causes_between(
    db: Database, edition_id: str, weight_set_id: str, after: int, upto: int
) -> Causes:
    """The edition's decisions and weight changes in (after, upto]."""
    causes = Causes(edition_id)
    claims = edition_records(db, edition_id, DECISION_TYPES, after, upto)
    # Each claim's id and row as its submission recorded them ([edition, city, …]).
    owners = {
        str(oid): (str(claim_id), [str(edition), str(city)])
        for oid, claim_id, edition, city in rows_in(
            db,
            "SELECT originator_id, owner_key, edition_id, city_id FROM event_owners "
            "WHERE originator_id IN ({})",
            {r.originator_id for r in claims},
        )
    }
    weights = weight_records(db, weight_set_id, after, upto)
    for r in sorted([*claims, *weights], key=lambda r: r.position):
        if r.type in WEIGHT_CHANGES:
            causes.weight_event(r)
        else:
            causes.claim_event(r, *owners[r.originator_id])
    return causes


def edition_bands(found: EditionAt, edition_id: str) -> Bands:
    """Every (table, city) row of an edition at a position read from the timeline."""
    return bands(found.state, edition_id, found.support)


def publication_facts(db: Database, request: PublicationRequest) -> PublicationFacts:
    """The facts `publish` needs, from the read models (which must have reached the cut)."""
    edition_id, cut, corrected_at = request.edition_id, request.cut, request.corrected_at
    at_cut = edition_at(db, edition_id, cut)
    # The tables must exist at the cut: the edition and its cities were recorded by then.
    if at_cut is None or not at_cut.state.editions[edition_id]["city_ids"]:
        raise InvalidInput(
            f"position {cut} is before edition {edition_id} had any cities",
            field="position",
            value=cut,
        )
    changes = None
    if corrected_at is not None:
        before = edition_at(db, edition_id, corrected_at)
        changes = []
        if before is not None:
            weight_set_id = str(at_cut.state.editions[edition_id]["weight_set_id"])
            causes = causes_between(db, edition_id, weight_set_id, corrected_at, cut)
            after = edition_bands(at_cut, edition_id)
            changes = causes.changes(edition_bands(before, edition_id), after, request.tables)
    # Each blocker is a what-if ranking: skipped when a forced publication would ignore them.
    found = []
    if request.blockers:
        claims = EditionAt(trial(at_cut.state), at_cut.support)
        found = undecided_at(db, claims, edition_id).blockers(claims.state, edition_id)
    digests = {
        table: table_digest(
            (r.city_id, r.band) for r in ranking(at_cut.state, edition_id, table, at_cut.support)
        )
        for table in request.tables
        if table in TABLES
    }
    return PublicationFacts(found, changes, digests)
