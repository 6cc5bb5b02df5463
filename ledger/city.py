"""City: a ranked place with a stable id; names are not ids (two cities are called Taizhou)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from eventsourcing.domain import Aggregate

from ledger.aggregate import LedgerAggregate


class City(LedgerAggregate, kind="city", id_field="city_id"):
    """A city with its English and Chinese names and ISO 3166-1 country code."""

    class CityRegistered(Aggregate.Created):
        """A city entered the ledger."""

        city_id: str
        name_en: str
        name_zh: str
        country: str
        aliases_zh: list[str]
        #: Added later, with a default: events recorded before it decode with None.
        by: str | None = None

    # The state the commands decide on, initialised from the created event (ledger.aggregate):
    # nothing decides on the names.
    city_id: str

    @classmethod
    def register(cls, *, at: datetime | None = None, **fields: Any) -> City:
        """Record a new city: CityRegistered's fields, validated by the caller's checks."""
        return cls._record(cls.CityRegistered, at, fields)
