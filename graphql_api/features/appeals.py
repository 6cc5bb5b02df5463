"""Appeals and feedback: a city's appeals with their review, the docket, what-ifs and the
appeal window."""

from __future__ import annotations

from enum import Enum
from typing import Any

import strawberry

from graphql_api.arguments import Id
from graphql_api.commands import Nested, mutation, payload, recorded
from graphql_api.context import ApiContext, Info
from graphql_api.features.claims import DECISION, SOURCES, Source
from graphql_api.fields import field as query
from graphql_api.inputs import AppealStatus
from graphql_api.outputs import FromView, output
from graphql_api.permissions import (
    CanAskWhatIf,
    CanSeeAppeals,
    CanSeeDocket,
    IsCity,
    IsEditor,
    IsVerifier,
    Public,
)
from ledger.errors import PermissionDenied
from ledger.usecases.appeals import city_appeal_id
from ledger.vocabulary import Role
from projections import appeals as docket
from projections.appeals import (
    AppealCase,
    AppealChange,
    AppealNote,
    AppealRound,
    AppealWindow,
    DocketEntry,
    FeedbackView,
    WhatIf,
    WhatIfRow,
)
from projections.model import tracking_position


@output(AppealNote)
class AppealVerifierNote(FromView[AppealNote]):
    pass


@output(AppealRound)
class AppealReviewRound(FromView[AppealRound]):
    pass


@output(AppealCase, exclude=["filed_position", "updated_position"], renamed={"rounds": "review"})
class Appeal(FromView[AppealCase]):
    sources: list[Source]


@strawberry.type(description="Appeals and the position they were read at.")
class Appeals:
    position: int = strawberry.field(description="Read-model position of the answer.")
    items: list[Appeal] = strawberry.field(description="Appeals, oldest first.")


@output(DocketEntry)
class DocketItem(FromView[DocketEntry]):
    pass


@output(WhatIfRow)
class WhatIfTableRow(FromView[WhatIfRow]):
    pass


@output(WhatIf)
class AppealWhatIf(FromView[WhatIf]):
    pass


@output(FeedbackView, exclude=["position"])
class Feedback(FromView[FeedbackView]):
    pass


@output(AppealWindow)
class AppealWindowInfo(FromView[AppealWindow]):
    pass


@output(AppealChange)
class AppealUpdate(FromView[AppealChange]):
    pass


def own_city(info: Info) -> str | None:
    """The city a city token confines reads to (None for other roles)."""
    v = info.context.viewer
    return (v.city_id or "") if v.role == Role.CITY else None


@strawberry.type
class AppealsQuery:
    """The appeals fields of the Query root."""

    @query("Appeals, oldest first, optionally by status; a city sees its own.", CanSeeAppeals)
    def appeals(
        self, info: Info, edition: str | None = None, status: AppealStatus | None = None
    ) -> Appeals:
        db = info.context.db
        found = docket.appeals(
            db, edition_id=edition, city_id=own_city(info),
            statuses=None if status is None else [status.value],
        )  # fmt: skip
        return Appeals(position=tracking_position(db), items=[Appeal.from_view(a) for a in found])

    @query(
        "One appeal with its review and the verifiers' notes (anonymised); another city's "
        "appeal is answered like an unknown id.",
        CanSeeAppeals,
    )
    def appeal(self, info: Info, id: Id) -> Appeal:
        return Appeal.from_view(docket.appeal(info.context.db, id, own_city(info)))

    @query("An edition's appeal window and when the current one closes.", Public)
    def appeal_window(self, info: Info, edition: Id) -> AppealWindowInfo:
        return AppealWindowInfo.from_view(docket.appeal_window(info.context.db, edition))

    @query("The docket: open appeals, nearest deadline first, then oldest.", CanSeeDocket)
    def appeal_docket(self, info: Info, edition: str | None = None) -> list[DocketItem]:
        return [DocketItem.from_view(d) for d in docket.docket(info.context.db, edition)]

    @query(
        "The band, rank and score the appeal's city would have in each table if the open "
        "appeal were upheld, computed on a copy of the current state and not recorded.",
        CanAskWhatIf,
    )
    def appeal_what_if(self, info: Info, id: Id) -> AppealWhatIf:
        return AppealWhatIf.from_view(docket.what_if(info.context.db, id, own_city(info)))

    @query("Cities' plain feedback, oldest first; a city sees its own.", CanSeeAppeals)
    def feedback(
        self, info: Info, edition: str | None = None, city: str | None = None
    ) -> list[Feedback]:
        own = own_city(info)
        if own is not None and city not in (None, own):
            raise PermissionDenied("a city sees only its own feedback", field="city", value=city)
        found = docket.feedback(info.context.db, edition, own or city)
        return [Feedback.from_view(f) for f in found]


# ---- commands: appeals and feedback -------------------------------------------------------


@strawberry.enum(description="An editor's answer to an appeal.")
class AppealDecision(Enum):
    """upheld or dismissed."""

    UPHELD = "upheld"
    DISMISSED = "dismissed"


AppealPayload = payload(
    "AppealPayload",
    "An appeal was filed or answered.",
    appeal=(Appeal, "The appeal as it now stands."),
)
FeedbackPayload = payload(
    "FeedbackPayload", "A city's feedback was recorded.", feedback=(Feedback, "The feedback.")
)


def _appeal(c: ApiContext, appeal_id: str) -> dict[str, Any]:
    return {"appeal": Appeal.from_view(docket.appeal(c.db, appeal_id))}


def _same_appeal(c: ApiContext, args: dict[str, Any], _: object) -> dict[str, Any]:
    return _appeal(c, args["appeal_id"])


def _feedback(c: ApiContext, args: dict[str, Any], feedback_id: str) -> dict[str, Any]:
    # Only the edition's feedback from this city: not every city's of every edition.
    given = docket.feedback(c.db, args["edition_id"], args["city_id"])
    made = recorded(given, feedback_id=feedback_id)
    return {"feedback": Feedback.from_view(made)}


def _in_own_namespace(c: ApiContext, args: dict[str, Any]) -> None:
    """A city files for itself (by default), under an appeal id in its own namespace."""
    own = args["representing"]
    args["city_id"] = args["city_id"] or own
    args["appeal_id"] = city_appeal_id(own, args["appeal_id"])


def _feedback_in_own_namespace(c: ApiContext, args: dict[str, Any]) -> None:
    """A city gives feedback under an id in its own namespace, as it files appeals."""
    args["feedback_id"] = city_appeal_id(args["city_id"], args["feedback_id"], "feedback_id")


def _own_appeal(c: ApiContext, args: dict[str, Any]) -> None:
    """Another city's appeal is unknown to the caller (read scoped to its city)."""
    docket.appeal(c.db, args["appeal_id"], args["city_id"])


@strawberry.type
class AppealsMutation:
    """Commands on appeals (filing, review, answer) and cities' feedback."""

    file_appeal = mutation(
        "file_appeal", IsCity, AppealPayload, lambda c, args, appeal_id: _appeal(c, appeal_id),
        description="File an appeal against one of the token's city's indicator scores, with "
        "new evidence, within the edition's appeal window.",
        nested={
            "sources": SOURCES,
            "city_id": Nested(
                str | None, doc="The city (default: the token's; another city is refused).",
                default=None,
            ),
        },
        prepare=_in_own_namespace,
    )  # fmt: skip
    withdraw_appeal = mutation(
        "withdraw_appeal", IsCity, AppealPayload, _same_appeal,
        description="Withdraw the token's city's open appeal.", prepare=_own_appeal,
    )  # fmt: skip
    open_appeal_review = mutation(
        "open_appeal_review", IsEditor, AppealPayload, _same_appeal, flat=True
    )
    cast_appeal_vote = mutation(
        "cast_appeal_vote", IsVerifier, AppealPayload, _same_appeal,
        description="Vote on an appeal's evidence as the token's verifier.",
        nested={"decision": DECISION},
    )  # fmt: skip
    close_appeal_review = mutation(
        "close_appeal_review", IsEditor, AppealPayload, _same_appeal, flat=True
    )
    give_feedback = mutation(
        "give_feedback", IsCity, FeedbackPayload, _feedback,
        description="Record the token's city's plain feedback on an edition.",
        input_name="FeedbackInput", prepare=_feedback_in_own_namespace,
    )  # fmt: skip
    answer_appeal = mutation(
        "answer_appeal", IsEditor, AppealPayload, _same_appeal,
        description="Uphold or dismiss an appeal with reasons. Upholding needs a review round "
        "that accepted the evidence, and records the correction in the same transaction: an "
        "accepted claim carrying the appeal's evidence supersedes the disputed claim.",
        nested={"decision": Nested(AppealDecision)},
    )  # fmt: skip
