"""Appeal: a city's feedback or objection to its scores, and the editors' answer."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate

from ledger.errors import InvalidInput, InvalidState
from ledger.ids import aggregate_id

OPEN, UPHELD, DISMISSED = "open", "upheld", "dismissed"


class Appeal(Aggregate):
    """A city's appeal against an indicator score (or its feedback on the edition)."""

    class AppealFiled(Aggregate.Created):
        """A city filed an appeal."""

        appeal_id: str
        edition_id: str
        city_id: str
        indicator_id: str | None
        text: str
        filed_by: str

    class AppealAnswered(Aggregate.Event):
        """An editor upheld or dismissed the appeal, with a response."""

        decision: str
        response: str
        by: str

        def apply(self, aggregate: Appeal) -> None:
            """Record the decision."""
            aggregate.status = self.decision

    def __init__(
        self,
        appeal_id: str,
        edition_id: str,
        city_id: str,
        indicator_id: str | None,
        text: str,
        filed_by: str,
    ) -> None:
        self.appeal_id = appeal_id
        self.edition_id = edition_id
        self.city_id = city_id
        self.indicator_id = indicator_id
        self.text = text
        self.filed_by = filed_by
        self.status = OPEN

    @staticmethod
    def key(appeal_id: str) -> UUID:
        """Aggregate id of the appeal with this id."""
        return aggregate_id("appeal", appeal_id)

    @classmethod
    def file(
        cls,
        appeal_id: str,
        edition_id: str,
        city_id: str,
        indicator_id: str | None,
        text: str,
        filed_by: str,
        at: datetime | None,
    ) -> Appeal:
        """Record a new appeal."""
        return cls._create(
            cls.AppealFiled,
            id=cls.key(appeal_id),
            appeal_id=appeal_id,
            edition_id=edition_id,
            city_id=city_id,
            indicator_id=indicator_id,
            text=text,
            filed_by=filed_by,
            timestamp=at,
        )

    def answer(self, decision: str, response: str, by: str, at: datetime | None) -> None:
        """Uphold or dismiss an open appeal."""
        if decision not in (UPHELD, DISMISSED):
            raise InvalidInput(
                f"decision {decision!r} is not upheld or dismissed",
                field="decision",
                value=decision,
            )
        if self.status != OPEN:
            raise InvalidState(
                f"appeal {self.appeal_id} is already {self.status}",
                field="appeal_id",
                value=self.appeal_id,
            )
        self.trigger_event(
            self.AppealAnswered, decision=decision, response=response, by=by, timestamp=at
        )
