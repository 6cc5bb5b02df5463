"""GraphQL input types and their conversion to the plain arguments the Ledger takes."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

import strawberry

from ledger import vocabulary
from ledger.errors import InvalidInput


@strawberry.input(one_of=True, description="A point in time: a ledger position or an instant.")
class AsOf:
    """Exactly one of position or instant."""

    position: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="A ledger position, 0 up to the current head (a later one is refused "
        "with INVALID_INPUT).",
    )
    instant: datetime | None = strawberry.field(
        default=strawberry.UNSET, description="An ISO-8601 instant with a UTC offset."
    )


def as_of_value(as_of: AsOf | None) -> int | datetime | None:
    """The as-of the projections take: a position, an aware instant or None (now)."""
    if as_of is None:
        return None
    if isinstance(as_of.position, int):
        return as_of.position
    if isinstance(as_of.instant, datetime):
        return aware(as_of.instant, "asOf.instant")
    return None


def aware(moment: datetime, field: str) -> datetime:
    """An instant with a UTC offset, or InvalidInput."""
    if moment.tzinfo is None:
        raise InvalidInput(
            f"{field} {moment.isoformat()} needs a UTC offset", field=field, value=str(moment)
        )
    return moment


def keyed(pairs: list[tuple[str, Any]], field: str) -> dict[str, Any]:
    """A mapping from (key, value) pairs, refusing a repeated key."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise InvalidInput(f"{field} repeats {key!r}", field=field, value=key)
        out[key] = value
    return out


# The ledger's enum, shown in GraphQL as is (strawberry.enum marks the class).
strawberry.enum(vocabulary.Decision, description="A verifier's decision.")
Decision = vocabulary.Decision


@strawberry.enum(description="An editor's answer to an appeal.")
class AppealDecision(Enum):
    """upheld or dismissed."""

    UPHELD = "upheld"
    DISMISSED = "dismissed"


@strawberry.input(description="Which claims to list.")
class ClaimFilter:
    """Claim filters; all given must match."""

    edition: str | None = strawberry.field(default=None, description="Edition id.")
    city_ids: list[str] | None = strawberry.field(default=None, description="City ids.")
    indicator: str | None = strawberry.field(default=None, description="Indicator id.")
    status: str | None = strawberry.field(
        default=None, description="pending, accepted, rejected, withdrawn or superseded."
    )


@strawberry.input(description="Which events to list.")
class EventFilter:
    """Event filters; all given must match."""

    types: list[str] | None = strawberry.field(default=None, description="Event types.")
    city: str | None = strawberry.field(default=None, description="City id.")
    edition: str | None = strawberry.field(default=None, description="Edition id.")
    since: datetime | None = strawberry.field(default=None, description="At or after (aware).")
    until: datetime | None = strawberry.field(default=None, description="At or before (aware).")


@strawberry.enum(description="A sub-table a pillar counts in (every pillar counts in the total).")
class SubTable(Enum):
    """The sub-tables of an edition."""

    DIGITAL_TRADITIONAL = "digital_traditional"
    INSTITUTIONAL = "institutional"


@strawberry.input(description="A pillar of a framework.")
class PillarInput:
    """A pillar."""

    pillar_id: str = strawberry.field(description="Pillar id: digital, traditional, …")
    name: str = strawberry.field(description="Pillar name.")
    table: SubTable | None = strawberry.field(
        default=None,
        description="The sub-table this pillar counts in (DIGITAL_TRADITIONAL or INSTITUTIONAL); "
        "required except for the report's digital, traditional and institutional pillars.",
    )

    def plain(self) -> dict[str, Any]:
        """As the Ledger takes it."""
        plain: dict[str, Any] = {"id": self.pillar_id, "name": self.name}
        if self.table is not None:
            plain["table"] = self.table.value
        return plain


@strawberry.input(description="A rung of a ladder.")
class RungInput:
    """A rung."""

    rung: int = strawberry.field(description="Rung number (1..20), ascending.")
    points: int = strawberry.field(description="Points (0..100).")
    description: str = strawberry.field(description="What a city must show.")


@strawberry.input(description="An indicator with its ladder.")
class IndicatorInput:
    """An indicator."""

    indicator_id: str = strawberry.field(description="Indicator id.")
    pillar: str = strawberry.field(description="Pillar id.")
    name: str = strawberry.field(description="Indicator name.")
    ladder: list[RungInput] = strawberry.field(description="Rungs, lowest first.")
    proposed: bool = strawberry.field(default=False, description="Proposed, not yet scored.")

    def plain(self) -> dict[str, Any]:
        """As the Ledger takes it."""
        return {
            "id": self.indicator_id,
            "pillar": self.pillar,
            "name": self.name,
            "proposed": self.proposed,
            "ladder": [
                {"rung": r.rung, "points": r.points, "description": r.description}
                for r in self.ladder
            ],
        }


@strawberry.input(description="A source cited by a claim: a URL or a citation, or both.")
class SourceInput:
    """A source."""

    title: str = strawberry.field(description="Title.")
    language: str = strawberry.field(description="ISO 639 language code, like zh or en.")
    date: str = strawberry.field(description="Publication date, YYYY-MM-DD.")
    excerpt: str = strawberry.field(description="The supporting excerpt.")
    url: str | None = strawberry.field(default=None, description="http(s) URL.")
    citation: str | None = strawberry.field(default=None, description="Citation.")

    def plain(self) -> dict[str, Any]:
        """As the Ledger takes it."""
        return {
            "url": self.url,
            "citation": self.citation,
            "title": self.title,
            "language": self.language,
            "date": self.date,
            "excerpt": self.excerpt,
        }


@strawberry.input(description="Points a ballot gives one indicator.")
class AllocationInput:
    """An allocation."""

    indicator_id: str = strawberry.field(description="Indicator id.")
    points: int = strawberry.field(description="Points (the ballot sums to 100).")


def allocations(items: list[AllocationInput]) -> dict[str, int]:
    """A ballot as the Ledger takes it."""
    return keyed([(a.indicator_id, a.points) for a in items], "allocations")


@strawberry.input(description="An exact weight for one indicator.")
class WeightInput:
    """A weight."""

    indicator_id: str = strawberry.field(description="Indicator id.")
    weight: str = strawberry.field(description="Exact weight as text, like 25/8 or 3.125.")


@strawberry.input(description="Register a city.")
class RegisterCityInput:
    """registerCity arguments."""

    city_id: str = strawberry.field(description="Stable id.")
    name_en: str = strawberry.field(description="English name.")
    name_zh: str = strawberry.field(description="Chinese name.")
    country: str = strawberry.field(description="ISO 3166-1 alpha-2 code.")
    aliases_zh: list[str] | None = strawberry.field(default=None, description="Other names.")


@strawberry.input(description="Define version 1 of a framework.")
class DefineFrameworkInput:
    """defineFramework arguments."""

    framework_id: str = strawberry.field(description="Framework id.")
    title: str = strawberry.field(description="Title.")
    pillars: list[PillarInput] = strawberry.field(description="Pillars.")
    indicators: list[IndicatorInput] = strawberry.field(description="Indicators.")


@strawberry.input(description="How indicators of a version relate to its predecessor's.")
class LineageInput:
    """One lineage relation."""

    kind: str = strawberry.field(
        description="unchanged, ladder_extended, rescaled, renamed, split, merged, added or "
        "dropped."
    )
    old: list[str] = strawberry.field(description="Indicators of the predecessor version.")
    new: list[str] = strawberry.field(description="Indicators of this version.")
    rung_map: list[list[int]] | None = strawberry.field(
        default=None, description="For rescaled: [old rung, new rung] pairs covering every rung."
    )
    note: str = strawberry.field(default="", description="Why, in words.")

    def plain(self) -> dict[str, Any]:
        """As the Ledger takes it."""
        return {"kind": self.kind, "from": self.old, "to": self.new,
                "rung_map": self.rung_map, "note": self.note}  # fmt: skip


@strawberry.input(description="Define the next version of a framework.")
class ReviseFrameworkInput:
    """reviseFramework arguments."""

    framework_id: str = strawberry.field(description="Framework id.")
    pillars: list[PillarInput] = strawberry.field(description="Pillars.")
    indicators: list[IndicatorInput] = strawberry.field(description="Indicators.")
    note: str = strawberry.field(description="What changed and why.")
    lineage: list[LineageInput] | None = strawberry.field(
        default=None,
        description="Every indicator's relation to the current version (validated: none may "
        "be forgotten).",
    )


@strawberry.input(description="State a version's lineage from a predecessor version.")
class StateLineageInput:
    """stateLineage arguments."""

    framework_id: str = strawberry.field(description="Framework id.")
    version: int = strawberry.field(description="Its version.")
    predecessor_framework_id: str = strawberry.field(description="The predecessor framework.")
    predecessor_version: int = strawberry.field(description="The predecessor's version.")
    lineage: list[LineageInput] = strawberry.field(description="Every indicator's relation.")


@strawberry.input(description="Enrol a verifier, or restate their languages.")
class VerifierInput:
    """enrolVerifier / changeVerifierLanguages arguments."""

    verifier_id: str = strawberry.field(description="Anonymous verifier id.")
    languages: list[str] = strawberry.field(description="Languages read, like zh, en.")


@strawberry.input(description="Create a weight set for a framework version.")
class CreateWeightSetInput:
    """createWeightSet arguments."""

    weight_set_id: str = strawberry.field(description="Weight set id.")
    title: str = strawberry.field(description="Title.")
    framework_id: str = strawberry.field(description="Framework id.")
    framework_version: int = strawberry.field(description="Framework version.")


@strawberry.input(description="Add a panelist to a weight set's panel.")
class EnrolPanelistInput:
    """enrolPanelist arguments."""

    weight_set_id: str = strawberry.field(description="Weight set id.")
    panelist_id: str = strawberry.field(description="Anonymous panelist id.")
    field: str = strawberry.field(description="One of the four panel fields.")


@strawberry.input(description="Replace the viewer's ballot.")
class ReviseBallotInput:
    """reviseBallot arguments."""

    allocations: list[AllocationInput] = strawberry.field(description="100 points.")
    reason: str = strawberry.field(description="Why.")


@strawberry.input(description="Set the weights in force directly.")
class SetWeightsInput:
    """setWeights arguments."""

    weight_set_id: str = strawberry.field(description="Weight set id.")
    weights: list[WeightInput] = strawberry.field(description="Weights summing to 100.")
    reason: str = strawberry.field(description="Why.")

    def plain(self) -> dict[str, str]:
        """As the Ledger takes it."""
        return keyed([(w.indicator_id, w.weight) for w in self.weights], "weights")


@strawberry.input(description="Open an edition.")
class CreateEditionInput:
    """createEdition arguments."""

    edition_id: str = strawberry.field(description="Edition id.")
    year: int = strawberry.field(description="Year.")
    title: str = strawberry.field(description="Title.")
    region: str = strawberry.field(description="Region.")
    framework_id: str = strawberry.field(description="Framework id.")
    framework_version: int = strawberry.field(description="Framework version.")
    weight_set_id: str = strawberry.field(description="Weight set id.")
    evidence_cutoff: str = strawberry.field(description="YYYY-MM-DD.")
    quorum: int = strawberry.field(default=2, description="Accepting votes a claim needs.")


@strawberry.input(description="Publish an edition's tables.")
class PublishInput:
    """publish arguments."""

    edition_id: str = strawberry.field(description="Edition id.")
    tables: list[str] | None = strawberry.field(default=None, description="Default: all.")
    position: int | None = strawberry.field(default=None, description="Default: the head.")
    corrects: int | None = strawberry.field(
        default=None,
        description="The number of the publication this one corrects: a correction publication "
        "lists each band change since it, with the appeals and decisions that caused it.",
    )
    force: bool = strawberry.field(
        default=False,
        description="Publish although pending claims or open appeals could change a band "
        "(needs a reason, recorded).",
    )
    reason: str | None = strawberry.field(default=None, description="Why publish with force.")


@strawberry.input(description="Submit evidence that a city stands on a rung.")
class SubmitClaimInput:
    """submitClaim arguments."""

    edition_id: str = strawberry.field(description="Edition id.")
    city_id: str = strawberry.field(description="City id.")
    indicator_id: str = strawberry.field(description="Indicator id.")
    rung: int = strawberry.field(description="Rung claimed.")
    sources: list[SourceInput] = strawberry.field(description="1..20 sources.")
    claim_id: str | None = strawberry.field(default=None, description="Id (default: new UUID).")
    supersedes: str | None = strawberry.field(
        default=None, description="Claim replaced once this one is accepted."
    )


@strawberry.input(description="A verifier's vote.")
class CastVoteInput:
    """castVote arguments."""

    claim_id: str = strawberry.field(description="Claim id.")
    decision: Decision = strawberry.field(description="accept or reject.")
    note: str = strawberry.field(default="", description="Optional note.")


@strawberry.input(description="A city's appeal against one of its indicator scores.")
class FileAppealInput:
    """fileAppeal arguments (the city comes from the token)."""

    edition_id: str = strawberry.field(description="Edition id.")
    text: str = strawberry.field(description="The city's statement.")
    indicator_id: str = strawberry.field(description="Indicator whose score is disputed.")
    rung: int = strawberry.field(description="The rung the city believes right.")
    sources: list[SourceInput] = strawberry.field(description="New evidence, 1..20 sources.")
    claim_id: str | None = strawberry.field(
        default=None, description="The claim disputed (omit: no claim was counted)."
    )
    city_id: str | None = strawberry.field(
        default=None, description="The city (default: the token's; another city is refused)."
    )
    appeal_id: str | None = strawberry.field(
        default=None,
        description="Id within the city's own namespace, recorded as `<cityId>/<id>` "
        "(default: a UUID).",
    )


@strawberry.enum(description="Where an appeal stands.")
class AppealStatus(Enum):
    """An appeal's state."""

    FILED = "filed"
    UNDER_REVIEW = "under_review"
    UPHELD = "upheld"
    DISMISSED = "dismissed"
    WITHDRAWN = "withdrawn"


@strawberry.input(description="A verifier's vote on an appeal's evidence.")
class CastAppealVoteInput:
    """castAppealVote arguments."""

    appeal_id: str = strawberry.field(description="Appeal id.")
    decision: Decision = strawberry.field(description="accept or reject.")
    note: str = strawberry.field(default="", description="Optional note (the city sees it).")


@strawberry.input(description="A city withdraws its appeal.")
class WithdrawAppealInput:
    """withdrawAppeal arguments."""

    appeal_id: str = strawberry.field(description="Appeal id.")
    reason: str = strawberry.field(description="Why.")


@strawberry.input(description="A city's plain feedback on an edition.")
class FeedbackInput:
    """giveFeedback arguments (the city comes from the token)."""

    edition_id: str = strawberry.field(description="Edition id.")
    text: str = strawberry.field(description="The feedback.")
    feedback_id: str | None = strawberry.field(default=None, description="Id (default: UUID).")


@strawberry.input(description="How many days after a publication an edition accepts appeals.")
class AppealWindowInput:
    """setAppealWindow arguments."""

    edition_id: str = strawberry.field(description="Edition id.")
    days: int = strawberry.field(description="Days, 1..3660.")


@strawberry.input(description="An editor's answer to an appeal.")
class AnswerAppealInput:
    """answerAppeal arguments."""

    appeal_id: str = strawberry.field(description="Appeal id.")
    decision: AppealDecision = strawberry.field(description="upheld or dismissed.")
    response: str = strawberry.field(description="The reasons for the decision.")
