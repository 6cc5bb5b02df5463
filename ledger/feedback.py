"""Feedback: a city's plain remarks on an edition (not an appeal; it changes no score)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate

from ledger.ids import aggregate_id


class Feedback(Aggregate):
    """A city's feedback on an edition, recorded and listed per city."""

    class FeedbackGiven(Aggregate.Created):
        """A city gave feedback."""

        feedback_id: str
        edition_id: str
        city_id: str
        text: str
        given_by: str

    def __init__(
        self, feedback_id: str, edition_id: str, city_id: str, text: str, given_by: str
    ) -> None:
        self.feedback_id = feedback_id
        self.edition_id = edition_id
        self.city_id = city_id
        self.text = text
        self.given_by = given_by

    @staticmethod
    def key(feedback_id: str) -> UUID:
        """Aggregate id of the feedback with this id."""
        return aggregate_id("feedback", feedback_id)

    @classmethod
    def give(
        cls,
        feedback_id: str,
        edition_id: str,
        city_id: str,
        text: str,
        given_by: str,
        at: datetime | None,
    ) -> Feedback:
        """Record a city's feedback."""
        return cls._create(
            cls.FeedbackGiven,
            id=cls.key(feedback_id),
            feedback_id=feedback_id,
            edition_id=edition_id,
            city_id=city_id,
            text=text,
            given_by=given_by,
            timestamp=at,
        )
