"""Frozen views that read queries return; the API maps them one to one onto GraphQL types."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Annotated

from ledger.doc import Doc

if TYPE_CHECKING:
    from projections.causes import Cause


@dataclass(frozen=True)
class CityView:
    """A city and its names."""

    city_id: Annotated[str, Doc("Stable city id.")]
    name_en: Annotated[str, Doc("English name.")]
    name_zh: Annotated[str, Doc("Chinese name.")]
    country: Annotated[str, Doc("ISO 3166-1 alpha-2 country code.")]
    aliases_zh: Annotated[tuple[str, ...], Doc("Other Chinese names.")]


@dataclass(frozen=True)
class EditionView:
    """An edition and what it pins."""

    edition_id: Annotated[str, Doc("Edition id.")]
    year: Annotated[int, Doc("Year.")]
    title: Annotated[str, Doc("Title.")]
    region: Annotated[str, Doc("Region covered.")]
    framework_id: Annotated[str, Doc("Framework pinned.")]
    framework_version: Annotated[int, Doc("Framework version pinned.")]
    weight_set_id: Annotated[str, Doc("Weight set used.")]
    evidence_cutoff: Annotated[str, Doc("Last date of admissible evidence.")]
    quorum: Annotated[int, Doc("Accepting votes a claim needs.")]
    city_count: Annotated[int, Doc("Cities included.")]
    created_at: Annotated[str, Doc("When the edition was created (ISO 8601).")]
    position: Annotated[int, Doc("Ledger position of the creating event.")]


@dataclass(frozen=True)
class RungView:
    """One rung of a ladder."""

    rung: Annotated[int, Doc("Rung number, ascending.")]
    points: Annotated[int, Doc("Points a city on this rung scores.")]
    description: Annotated[str, Doc("What a city must show to stand here.")]


@dataclass(frozen=True)
class IndicatorView:
    """An indicator of one framework version, with its ladder."""

    framework_id: str
    version: int
    indicator_id: Annotated[str, Doc("Indicator id.")]
    pillar: Annotated[str, Doc("Pillar id the indicator belongs to.")]
    name: Annotated[str, Doc("Indicator name.")]
    proposed: Annotated[bool, Doc("Proposed (not yet scored) indicator.")]
    ladder: Annotated[tuple[RungView, ...], Doc("The rungs, lowest first.")]


@dataclass(frozen=True)
class FrameworkView:
    """One version of an indicator framework."""

    framework_id: Annotated[str, Doc("Framework id.")]
    version: Annotated[int, Doc("Version number, from 1.")]
    title: Annotated[str, Doc("Title.")]
    #: (pillar id, name, sub-table it belongs to, or None for the total only)
    pillars: Annotated[tuple[tuple[str, str, str | None], ...], Doc("Pillars, in order.")]
    note: Annotated[str, Doc("Revision note (empty for version 1).")]
    defined_at: Annotated[str, Doc("When the version was defined (ISO 8601).")]
    position: Annotated[int, Doc("Ledger position of the defining event.")]


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

    edition_id: Annotated[str, Doc("Edition id.")]
    city_id: Annotated[str, Doc("City id.")]
    indicator_id: Annotated[str, Doc("Indicator id.")]
    points: Annotated[int, Doc("Points (0 without an accepted claim).")]
    claim_id: Annotated[str | None, Doc("The supporting accepted claim, if any.")]


@dataclass(frozen=True)
class SourceView:
    """One source cited by a claim."""

    url: Annotated[str | None, Doc("URL, if online.")]
    citation: Annotated[str | None, Doc("Bibliographic citation, if offline.")]
    title: Annotated[str, Doc("Title.")]
    language: Annotated[str, Doc("ISO 639 language code.")]
    date: Annotated[str, Doc("Publication date (YYYY-MM-DD).")]
    excerpt: Annotated[str, Doc("The supporting excerpt.")]


@dataclass(frozen=True)
class ClaimView:
    """An evidence claim as it stands now."""

    claim_id: Annotated[str, Doc("Claim id.")]
    edition_id: Annotated[str, Doc("Edition id.")]
    city_id: Annotated[str, Doc("City id.")]
    indicator_id: Annotated[str, Doc("Indicator id.")]
    rung: Annotated[int, Doc("Rung claimed.")]
    points: Annotated[int, Doc("Points of that rung.")]
    status: Annotated[str, Doc("pending, accepted, rejected, withdrawn or superseded.")]
    sources: Annotated[tuple[SourceView, ...], Doc("The sources cited.")]
    languages: Annotated[tuple[str, ...], Doc("Languages of the sources.")]
    submitted_by: Annotated[str, Doc("Who submitted the claim.")]
    supersedes: Annotated[str | None, Doc("Claim this one replaces.")]
    superseded_by: Annotated[str | None, Doc("Claim that replaced this one.")]
    withdrawn_reason: Annotated[str | None, Doc("Why it was withdrawn.")]
    submitted_at: Annotated[str, Doc("When it was submitted (ISO 8601).")]
    submitted_position: Annotated[int, Doc("Ledger position of submission.")]
    decided_at: Annotated[str | None, Doc("When it was decided.")]
    decided_position: Annotated[int | None, Doc("Ledger position of decision.")]


@dataclass(frozen=True)
class RoundView:
    """A verification round of a claim."""

    claim_id: Annotated[str, Doc("Claim id.")]
    round_no: Annotated[int, Doc("Round number, from 1.")]
    opened_at: Annotated[str, Doc("When the round opened (ISO 8601).")]
    opened_position: Annotated[int, Doc("Ledger position it opened at.")]
    closed_at: Annotated[str | None, Doc("When it closed, if it has.")]
    closed_position: Annotated[int | None, Doc("Ledger position it closed at.")]
    outcome: Annotated[str | None, Doc("accepted, rejected or undecided.")]
    accepts: Annotated[int, Doc("Accepting votes so far.")]
    rejects: Annotated[int, Doc("Rejecting votes so far.")]
    quorum: Annotated[int | None, Doc("Quorum applied at closing.")]


@dataclass(frozen=True)
class VoteView:
    """A verifier's vote."""

    claim_id: str
    round_no: int
    verifier_id: Annotated[str, Doc("Anonymous verifier id.")]
    decision: Annotated[str, Doc("accept or reject.")]
    note: Annotated[str, Doc("The verifier's note.")]
    time: Annotated[str, Doc("When the vote was cast (ISO 8601).")]
    position: Annotated[int, Doc("Ledger position of the vote.")]


@dataclass(frozen=True)
class PublicationView:
    """A publication of an edition's tables at a ledger position."""

    edition_id: Annotated[str, Doc("Edition id.")]
    publication_no: Annotated[int, Doc("Publication number within the edition.")]
    position: Annotated[int, Doc("Ledger position the tables were computed at.")]
    digest: Annotated[str, Doc("Chain hash of the log up to that position.")]
    tree_head: Annotated[
        str | None,
        Doc(
            "RFC 9162 Merkle tree head over the events up to that position (null for "
            "publications recorded before tree heads were pinned)."
        ),
    ]
    tables: Annotated[tuple[str, ...], Doc("Tables published.")]
    by: Annotated[str, Doc("Who published.")]
    time: Annotated[str, Doc("When it was published (ISO 8601).")]
    event_position: Annotated[int, Doc("Ledger position of the publish event.")]


@dataclass(frozen=True)
class EventView:
    """One event of the log, decoded."""

    position: Annotated[int, Doc("Ledger position.")]
    type: Annotated[str, Doc("Event type, like ClaimSubmitted.")]
    time: Annotated[str, Doc("When it occurred (ISO 8601, UTC).")]
    originator_id: Annotated[str, Doc("Aggregate UUID.")]
    originator_version: Annotated[int, Doc("Aggregate version.")]
    edition_id: Annotated[str | None, Doc("Edition it concerns, if any.")]
    city_id: Annotated[str | None, Doc("City it concerns, if any.")]
    data: Annotated[str, Doc("The event's own data.")]
    hash: Annotated[str, Doc("Chain hash up to and including this event.")]


@dataclass(frozen=True)
class EventPage:
    """A page of events and whether more follow."""

    events: tuple[EventView, ...]
    has_next: bool


@dataclass(frozen=True)
class WeightRevisionView:
    """A revision of the weights in force."""

    weight_set_id: Annotated[str, Doc("Weight set id.")]
    revision: Annotated[int, Doc("Revision number.")]
    method: Annotated[
        str, Doc("How the weights were set, e.g. set-by-editor or a mean of ballots.")
    ]
    weights: Annotated[tuple[tuple[str, Fraction], ...], Doc("The weights.")]
    ballot_count: Annotated[int | None, Doc("Ballots averaged, if aggregated.")]
    reason: Annotated[str, Doc("Why.")]
    by: Annotated[str, Doc("Who.")]
    time: Annotated[str, Doc("When (ISO 8601).")]
    position: Annotated[int, Doc("Ledger position.")]


@dataclass(frozen=True)
class BallotView:
    """A panelist's current ballot."""

    weight_set_id: Annotated[str, Doc("Weight set id.")]
    panelist_id: Annotated[str, Doc("Anonymous panelist id.")]
    field: Annotated[str, Doc("The panelist's field.")]
    allocations: Annotated[tuple[tuple[str, int], ...], Doc("Points per indicator.")]
    revisions: Annotated[int, Doc("Times the ballot was revised.")]
    time: Annotated[str, Doc("When last cast (ISO 8601).")]
    position: Annotated[int, Doc("Ledger position of the last cast.")]


@dataclass(frozen=True)
class VerifierView:
    """An anonymous verifier and the languages they read."""

    verifier_id: Annotated[str, Doc("Verifier id.")]
    languages: Annotated[tuple[str, ...], Doc("Languages read.")]


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
