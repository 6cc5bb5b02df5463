"""Frozen views that read queries return; the API maps them one to one onto GraphQL types."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from projections.causes import Cause


@dataclass(frozen=True)
class CityView:
    """A city and its names."""

    city_id: str
    name_en: str
    name_zh: str
    country: str
    aliases_zh: tuple[str, ...]


@dataclass(frozen=True)
class EditionView:
    """An edition and what it pins."""

    edition_id: str
    year: int
    title: str
    region: str
    framework_id: str
    framework_version: int
    weight_set_id: str
    evidence_cutoff: str
    quorum: int
    city_count: int
    created_at: str
    position: int


@dataclass(frozen=True)
class RungView:
    """One rung of a ladder."""

    rung: int
    points: int
    description: str


@dataclass(frozen=True)
class IndicatorView:
    """An indicator of one framework version, with its ladder."""

    framework_id: str
    version: int
    indicator_id: str
    pillar: str
    name: str
    proposed: bool
    ladder: tuple[RungView, ...]


@dataclass(frozen=True)
class FrameworkView:
    """One version of an indicator framework."""

    framework_id: str
    version: int
    title: str
    #: (pillar id, name, sub-table it belongs to, or None for the total only)
    pillars: tuple[tuple[str, str, str | None], ...]
    note: str
    defined_at: str
    position: int


@dataclass(frozen=True)
class RankingEntry:
    """A city's row in a table."""

    city_id: str
    name_en: str
    name_zh: str
    score: Fraction
    rank: int
    band: str


@dataclass(frozen=True)
class RankingView:
    """A table of an edition as computed at a ledger position."""

    edition_id: str
    table: str
    position: int
    time: str | None
    rows: tuple[RankingEntry, ...]


@dataclass(frozen=True)
class ScoreView:
    """A city's points on one indicator and the claim that supports them."""

    edition_id: str
    city_id: str
    indicator_id: str
    points: int
    claim_id: str | None


@dataclass(frozen=True)
class SourceView:
    """One source cited by a claim."""

    url: str | None
    citation: str | None
    title: str
    language: str
    date: str
    excerpt: str


@dataclass(frozen=True)
class ClaimView:
    """An evidence claim as it stands now."""

    claim_id: str
    edition_id: str
    city_id: str
    indicator_id: str
    rung: int
    points: int
    status: str
    sources: tuple[SourceView, ...]
    languages: tuple[str, ...]
    submitted_by: str
    supersedes: str | None
    superseded_by: str | None
    withdrawn_reason: str | None
    submitted_at: str
    submitted_position: int
    decided_at: str | None
    decided_position: int | None


@dataclass(frozen=True)
class RoundView:
    """A verification round of a claim."""

    claim_id: str
    round_no: int
    opened_at: str
    opened_position: int
    closed_at: str | None
    closed_position: int | None
    outcome: str | None
    accepts: int
    rejects: int
    quorum: int | None


@dataclass(frozen=True)
class VoteView:
    """A verifier's vote."""

    claim_id: str
    round_no: int
    verifier_id: str
    decision: str
    note: str
    time: str
    position: int


@dataclass(frozen=True)
class PublicationView:
    """A publication of an edition's tables at a ledger position."""

    edition_id: str
    publication_no: int
    position: int
    digest: str
    tree_head: str | None
    tables: tuple[str, ...]
    by: str
    time: str
    event_position: int


@dataclass(frozen=True)
class EventView:
    """One event of the log, decoded."""

    position: int
    type: str
    time: str
    originator_id: str
    originator_version: int
    edition_id: str | None
    city_id: str | None
    data: str
    hash: str


@dataclass(frozen=True)
class EventPage:
    """A page of events and whether more follow."""

    events: tuple[EventView, ...]
    has_next: bool


@dataclass(frozen=True)
class WeightRevisionView:
    """A revision of the weights in force."""

    weight_set_id: str
    revision: int
    method: str
    weights: tuple[tuple[str, Fraction], ...]
    ballot_count: int | None
    reason: str
    by: str
    time: str
    position: int


@dataclass(frozen=True)
class BallotView:
    """A panelist's current ballot."""

    weight_set_id: str
    panelist_id: str
    field: str
    allocations: tuple[tuple[str, int], ...]
    revisions: int
    time: str
    position: int


@dataclass(frozen=True)
class VerifierView:
    """An anonymous verifier and the languages they read."""

    verifier_id: str
    languages: tuple[str, ...]


@dataclass(frozen=True)
class BandChange:
    """A city whose band differs between two points, with the events that moved it between."""

    city_id: str
    name_en: str
    before_band: str
    after_band: str
    before_rank: int
    after_rank: int
    before_score: Fraction
    after_score: Fraction
    causes: tuple[Cause, ...]
