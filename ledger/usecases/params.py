"""Parameters many use cases share, each with its type and description written once."""

from __future__ import annotations

from typing import Annotated, Any

from ledger.doc import Doc
from ledger.fields import (
    AppealId,
    CityId,
    ClaimId,
    EditionId,
    FrameworkId,
    Reason,
    Title,
    VerifierId,
    Vote,
    WeightSetId,
)
from ledger.usecases.registry import Actor, Run, Supplied

__all__ = [
    "Actor",
    "AppealId",
    "CityId",
    "ClaimId",
    "EditionId",
    "FrameworkId",
    "Reason",
    "Run",
    "Supplied",
    "Title",
    "VerifierId",
    "Vote",
    "WeightSetId",
]

FrameworkVersion = Annotated[int, Doc("Framework version.")]
Sources = Annotated[list[dict[str, Any]], Doc("1..20 sources.")]
Languages = Annotated[list[str], Doc("Languages read, like zh, en.")]
Pillars = Annotated[list[dict[str, Any]], Doc("Pillars.")]
Indicators = Annotated[list[dict[str, Any]], Doc("Indicators.")]
Allocations = Annotated[dict[str, int], Doc("100 points over the indicators.")]
#: Who records an editor's decision (named on the record; the API gives the caller's name).
Editor = Annotated[str, Doc("Who records the decision."), Supplied.ACTOR]
#: Whether the caller acts as an editor (who may act on anyone's claim).
AsEditor = Annotated[bool, Doc("Whether the caller acts as an editor."), Supplied.AS_EDITOR]
