"""City: a ranked place with a stable id; names are not ids (two cities are called Taizhou)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate

from ledger.ids import aggregate_id


class City(Aggregate):
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

    def __init__(
        self, city_id: str, name_en: str, name_zh: str, country: str, aliases_zh: list[str]
    ) -> None:
        self.city_id = city_id
        self.name_en = name_en
        self.name_zh = name_zh
        self.country = country
        self.aliases_zh = aliases_zh

    @staticmethod
    def key(city_id: str) -> UUID:
        """Aggregate id of the city with this stable id."""
        return aggregate_id("city", city_id)

    @classmethod
    def register(
        cls,
        city_id: str,
        name_en: str,
        name_zh: str,
        country: str,
        aliases_zh: list[str],
        at: datetime | None,
        by: str | None = None,
    ) -> City:
        """Record a new city."""
        return cls._create(
            cls.CityRegistered,
            id=cls.key(city_id),
            city_id=city_id,
            name_en=name_en,
            name_zh=name_zh,
            country=country,
            aliases_zh=aliases_zh,
            by=by,
            timestamp=at,
        )
