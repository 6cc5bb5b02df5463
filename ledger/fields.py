"""Field types the read views and use cases share, each with its description written once."""

from __future__ import annotations

from fractions import Fraction
from typing import Annotated

from ledger.doc import Doc
from ledger.vocabulary import RankingTable

CityId = Annotated[str, Doc("City id.")]
EditionId = Annotated[str, Doc("Edition id.")]
IndicatorId = Annotated[str, Doc("Indicator id.")]
ClaimId = Annotated[str, Doc("Claim id.")]
AppealId = Annotated[str, Doc("Appeal id.")]
FrameworkId = Annotated[str, Doc("Framework id.")]
WeightSetId = Annotated[str, Doc("Weight set id.")]
VerifierId = Annotated[str, Doc("Anonymous verifier id.")]
PanelistId = Annotated[str, Doc("Anonymous panelist id.")]
NameEn = Annotated[str, Doc("English name.")]
NameZh = Annotated[str, Doc("Chinese name.")]
Title = Annotated[str, Doc("Title.")]
Band = Annotated[str, Doc("Band.")]
Rank = Annotated[int, Doc("Rank (ties share a rank).")]
Year = Annotated[int, Doc("Year.")]
Position = Annotated[int, Doc("Ledger position.")]
Time = Annotated[str, Doc("When (ISO 8601).")]
Reason = Annotated[str, Doc("Why.")]
Vote = Annotated[str, Doc("accept or reject.")]
VoteNote = Annotated[str, Doc("The verifier's note.")]
Quorum = Annotated[int, Doc("Accepting votes a claim needs.")]
RoundNo = Annotated[int, Doc("Round number, from 1.")]
RoundOutcome = Annotated[str | None, Doc("accepted, rejected or undecided.")]
ClosedAt = Annotated[str | None, Doc("When it closed, if it has.")]
ExactScore = Annotated[Fraction, Doc("Exact score.")]
Table = Annotated[RankingTable, Doc("Which table.")]
TableSize = Annotated[int, Doc("Cities in the table.")]
Rung = Annotated[int, Doc("Rung claimed.")]
CityPoints = Annotated[int, Doc("The city's points on the indicator.")]
Weight = Annotated[Fraction, Doc("The indicator's weight.")]
