"""Appeals and feedback: a city's appeals with their review, the docket, what-ifs and the
appeal window."""

from __future__ import annotations

import strawberry

from graphql_api.arguments import Id
from graphql_api.context import Info
from graphql_api.features.claims import Source
from graphql_api.fields import field as query
from graphql_api.inputs import AppealStatus
from graphql_api.outputs import FromView, output
from graphql_api.permissions import CanAskWhatIf, CanSeeAppeals, CanSeeDocket, Public
from graphql_api.scalars import RankingTableName
from ledger.errors import PermissionDenied
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


@output(WhatIfRow, convert={"table": RankingTableName})
class WhatIfTableRow(FromView[WhatIfRow]):
    table: RankingTableName


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
