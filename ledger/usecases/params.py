"""Parameters many use cases share, each with its type, description and check written once.

A `Check` here is run by `@use_case` on the argument before the use case's body; the read
views share the plain types of `ledger.fields`, without the checks.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from ledger import fields, validate
from ledger.doc import Doc
from ledger.fields import (
    AppealId,
    CityId,
    ClaimId,
    EditionId,
    FrameworkId,
    VerifierId,
    Vote,
    WeightSetId,
)
from ledger.usecases.registry import Actor, Run, Supplied
from ledger.validate import Check

__all__ = [
    "NEW_ID",
    "VERSION",
    "Actor",
    "AppealId",
    "Check",
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

#: The id the caller chooses for what a command creates (a reference to one needs no check:
#: an unknown id is refused as unknown).
NEW_ID = Check(validate.ident)
#: A version number of a framework.
VERSION = Check(partial(validate.integer, low=1, high=10_000))
Title = Annotated[fields.Title, Check(partial(validate.text, max_len=300))]
Reason = Annotated[fields.Reason, Check(validate.text)]
Quorum = Annotated[fields.Quorum, Check(partial(validate.integer, low=1, high=100))]
FrameworkVersion = Annotated[int, Doc("Framework version."), VERSION]
Sources = Annotated[list[dict[str, Any]], Doc("1..20 sources.")]
Languages = Annotated[list[str], Doc("Languages read, like zh, en."), Check(validate.languages)]
Pillars = Annotated[list[dict[str, Any]], Doc("Pillars.")]
Indicators = Annotated[list[dict[str, Any]], Doc("Indicators.")]
Allocations = Annotated[dict[str, int], Doc("100 points over the indicators.")]
#: Who records an editor's decision (named on the record; the API gives the caller's name).
Editor = Annotated[str, Doc("Who records the decision."), Supplied.ACTOR, Check(validate.name)]
#: The verifier who votes on a claim's round or an appeal's review (the API gives the caller's).
Voter = Annotated[str, Doc("The verifier voting."), Supplied.VERIFIER]
#: Who withdraws a claim or an appeal (the API gives the caller's name).
Withdrawer = Annotated[str, Doc("Who withdraws it."), Supplied.ACTOR, Check(validate.name)]
#: Whether the caller acts as an editor (who may act on anyone's claim).
AsEditor = Annotated[bool, Doc("Whether the caller acts as an editor."), Supplied.AS_EDITOR]
