"""Parameters many use cases share, each with its type and description written once."""

from __future__ import annotations

from typing import Annotated, Any

from ledger.doc import Doc
from ledger.usecases.registry import Actor, Run, Supplied

__all__ = ["Actor", "Run", "Supplied"]

EditionId = Annotated[str, Doc("Edition id.")]
CityId = Annotated[str, Doc("City id.")]
ClaimId = Annotated[str, Doc("Claim id.")]
AppealId = Annotated[str, Doc("Appeal id.")]
FrameworkId = Annotated[str, Doc("Framework id.")]
FrameworkVersion = Annotated[int, Doc("Framework version.")]
WeightSetId = Annotated[str, Doc("Weight set id.")]
VerifierId = Annotated[str, Doc("Anonymous verifier id.")]
Title = Annotated[str, Doc("Title.")]
Reason = Annotated[str, Doc("Why.")]
Sources = Annotated[list[dict[str, Any]], Doc("1..20 sources.")]
Vote = Annotated[str, Doc("accept or reject.")]
Languages = Annotated[list[str], Doc("Languages read, like zh, en.")]
Pillars = Annotated[list[dict[str, Any]], Doc("Pillars.")]
Indicators = Annotated[list[dict[str, Any]], Doc("Indicators.")]
Allocations = Annotated[dict[str, int], Doc("100 points over the indicators.")]
#: Who records an editor's decision (named on the record; the API gives the caller's name).
Editor = Annotated[str, Doc("Who records the decision."), Supplied.ACTOR]
#: Whether the caller acts as an editor (who may act on anyone's claim).
AsEditor = Annotated[bool, Doc("Whether the caller acts as an editor."), Supplied.AS_EDITOR]
