"""RankingState: the fold of the log that rankings need, serialisable for checkpoints."""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ledger.appeal import Appeal
from ledger.city import City
from ledger.claim import Claim
from ledger.edition import Edition
from ledger.feedback import Feedback
from ledger.framework import Framework
from ledger.receipt import Receipt
from ledger.records import EventRecord, events_of
from ledger.rounds import status_after_round
from ledger.verifier import Verifier
from ledger.vocabulary import ClaimStatus
from ledger.weights import WeightSet
from projections.model import by_name

# Claim rows are [edition_id, city_id, indicator_id, points, status], compact for checkpoints.
EDITION, CITY, INDICATOR, POINTS, STATUS = range(5)
# The events that can change an edition's standings (votes, panel and ballots cannot).
CLAIM_CHANGES = frozenset(
    e.__name__
    for e in (
        Claim.ClaimSubmitted, Claim.ClaimWithdrawn, Claim.ClaimSuperseded, Claim.RoundClosed,
        Claim.ClaimAcceptedOnAppeal,
    )
)  # fmt: skip
WEIGHT_CHANGES = frozenset(e.__name__ for e in (WeightSet.WeightsAggregated, WeightSet.WeightsSet))
EDITION_CHANGES = frozenset(e.__name__ for e in (Edition.EditionCreated, Edition.CitiesIncluded))


@dataclass
class RankingState:
    """Cities, frameworks, weights in force, editions and claim statuses at a ledger position."""

    position: int = 0
    cities: dict[str, dict[str, Any]] = field(default_factory=dict)
    frameworks: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    weight_sets: dict[str, dict[str, Any]] = field(default_factory=dict)
    editions: dict[str, dict[str, Any]] = field(default_factory=dict)
    claims: dict[str, list[Any]] = field(default_factory=dict)
    owners: dict[str, str] = field(default_factory=dict)

    def apply(self, record: EventRecord) -> None:
        """Fold one event in; unknown event types change nothing but the position."""
        handler = HANDLERS.get(record.type)
        if handler is not None:
            handler(self, record.originator_id, record.data)
        self.position = record.position

    def touched(self, record: EventRecord) -> set[str]:
        """Editions whose standings an event (already applied) may change."""
        owner = self.owners.get(record.originator_id)
        if record.type in CLAIM_CHANGES and owner in self.claims:
            return {str(self.claims[owner][EDITION])}
        if record.type in WEIGHT_CHANGES:
            return {e for e, d in self.editions.items() if d["weight_set_id"] == owner}
        if record.type in EDITION_CHANGES and owner in self.editions:
            return {owner}
        return set()

    def apply_all(self, records: Iterable[EventRecord]) -> RankingState:
        """Fold events in ledger order; return self."""
        for record in records:
            self.apply(record)
        return self

    def to_blob(self) -> bytes:
        """Compressed canonical JSON, for a checkpoint row."""
        data = {
            "position": self.position,
            "cities": self.cities,
            "frameworks": self.frameworks,
            "weight_sets": self.weight_sets,
            "editions": self.editions,
            "claims": self.claims,
            "owners": self.owners,
        }
        text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        # Level 1: a third of level 6's time for a few percent more bytes.
        return zlib.compress(text.encode("utf-8"), 1)

    @classmethod
    def from_blob(cls, blob: bytes) -> RankingState:
        """Rebuild a state saved by to_blob()."""
        data = json.loads(zlib.decompress(blob).decode("utf-8"))
        return cls(**data)

    def pillars(self, edition_id: str) -> list[dict[str, Any]]:
        """The pillars of the framework version an edition pins."""
        edition = self.editions[edition_id]
        versions = self.frameworks.get(edition["framework_id"], [])
        number = int(edition["framework_version"])
        return list(versions[number - 1]["pillars"]) if len(versions) >= number else []

    def indicators(self, edition_id: str) -> list[dict[str, Any]]:
        """The indicators of the framework version an edition pins."""
        edition = self.editions[edition_id]
        versions = self.frameworks.get(edition["framework_id"], [])
        number = int(edition["framework_version"])
        return list(versions[number - 1]["indicators"]) if len(versions) >= number else []


Handler = Callable[[RankingState, str, dict[str, Any]], None]


def _city(s: RankingState, oid: str, d: dict[str, Any]) -> None:
    s.cities[d["city_id"]] = {k: d[k] for k in ("name_en", "name_zh", "country", "aliases_zh")}


def _framework(s: RankingState, oid: str, d: dict[str, Any]) -> None:
    s.owners[oid] = d["framework_id"]
    s.frameworks[d["framework_id"]] = [{"pillars": d["pillars"], "indicators": d["indicators"]}]


def _framework_revised(s: RankingState, oid: str, d: dict[str, Any]) -> None:
    s.frameworks[s.owners[oid]].append({"pillars": d["pillars"], "indicators": d["indicators"]})


def _weight_set(s: RankingState, oid: str, d: dict[str, Any]) -> None:
    s.owners[oid] = d["weight_set_id"]
    s.weight_sets[d["weight_set_id"]] = {"weights": {}, "revision": 0}


def _weights(s: RankingState, oid: str, d: dict[str, Any]) -> None:
    s.weight_sets[s.owners[oid]] = {"weights": d["weights"], "revision": d["revision"]}


def _edition(s: RankingState, oid: str, d: dict[str, Any]) -> None:
    s.owners[oid] = d["edition_id"]
    keep = ("year", "title", "framework_id", "framework_version", "weight_set_id", "quorum")
    s.editions[d["edition_id"]] = {k: d[k] for k in keep} | {"city_ids": [], "publications": []}


def _cities_included(s: RankingState, oid: str, d: dict[str, Any]) -> None:
    s.editions[s.owners[oid]]["city_ids"].extend(d["city_ids"])


def _quorum(s: RankingState, oid: str, d: dict[str, Any]) -> None:
    s.editions[s.owners[oid]]["quorum"] = d["quorum"]


def _published(s: RankingState, oid: str, d: dict[str, Any]) -> None:
    s.editions[s.owners[oid]]["publications"].append(d["position"])


def _claim(s: RankingState, oid: str, d: dict[str, Any]) -> None:
    s.owners[oid] = d["claim_id"]
    row = [d["edition_id"], d["city_id"], d["indicator_id"], d["points"], ClaimStatus.PENDING]
    s.claims[d["claim_id"]] = row


def _status(value: str) -> Handler:
    def handler(s: RankingState, oid: str, d: dict[str, Any]) -> None:
        s.claims[s.owners[oid]][STATUS] = value

    return handler


def _round_closed(s: RankingState, oid: str, d: dict[str, Any]) -> None:
    status = status_after_round(d["outcome"])
    if status is not None:
        s.claims[s.owners[oid]][STATUS] = status


HANDLERS: dict[str, Handler] = by_name({
    City.CityRegistered: _city,
    Framework.FrameworkDefined: _framework,
    Framework.FrameworkRevised: _framework_revised,
    WeightSet.WeightSetCreated: _weight_set,
    WeightSet.WeightsAggregated: _weights,
    WeightSet.WeightsSet: _weights,
    Edition.EditionCreated: _edition,
    Edition.CitiesIncluded: _cities_included,
    Edition.QuorumChanged: _quorum,
    Edition.RankingPublished: _published,
    Claim.ClaimSubmitted: _claim,
    Claim.ClaimWithdrawn: _status(ClaimStatus.WITHDRAWN),
    Claim.ClaimSuperseded: _status(ClaimStatus.SUPERSEDED),
    Claim.ClaimAcceptedOnAppeal: _status(ClaimStatus.ACCEPTED),
    Claim.RoundClosed: _round_closed,
})  # fmt: skip
#: Events that cannot change a ranking.
IGNORED = events_of(Verifier, Appeal, Feedback, Receipt) | {
    e.__name__
    for e in (
        Claim.RoundOpened,
        Claim.VoteCast,
        Framework.LineageStated,
        Edition.AppealWindowSet,
        WeightSet.PanelistEnrolled,
        WeightSet.BallotCast,
        WeightSet.BallotRevised,
    )
}
