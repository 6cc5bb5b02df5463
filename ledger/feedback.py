"""Feedback: a city's plain remarks on an edition (not an appeal; it changes no score)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from eventsourcing.domain import Aggregate

from ledger.aggregate import LedgerAggregate


class Feedback(LedgerAggregate, kind="feedback", id_field="feedback_id"):
    """A city's feedback on an edition, recorded and listed per city."""

    class FeedbackGiven(Aggregate.Created):
        """A city gave feedback."""

        feedback_id: str
        edition_id: str
        city_id: str
        text: str
        given_by: str

    @classmethod
    def give(cls, *, at: datetime | None = None, **fields: Any) -> Feedback:
        """Record a city's feedback: FeedbackGiven's fields, validated by the caller's checks."""
        return cls._record(cls.FeedbackGiven, at, fields)
