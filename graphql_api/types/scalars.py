"""Scalar-like output types: exact numbers and table names."""

from __future__ import annotations

from fractions import Fraction
from typing import Annotated

import strawberry

from graphql_api.fields import field as resolver
from ledger.errors import InvalidInput
from ledger.vocabulary import RankingTable

MAX_PLACES = 10


# The ledger's enum, shown in GraphQL under its SDL name (strawberry.enum marks the class).
strawberry.enum(
    RankingTable, name="RankingTableName", description="The three tables of an edition."
)
RankingTableName = RankingTable


def display_decimal(value: Fraction, places: int) -> str:
    """A fraction as a decimal string rounded half-even to `places` digits."""
    if not 0 <= places <= MAX_PLACES:
        raise InvalidInput(
            f"places {places} is out of range 0..{MAX_PLACES}", field="places", value=places
        )
    scaled = round(value * 10**places)
    sign, digits = ("-" if scaled < 0 else ""), str(abs(scaled)).rjust(places + 1, "0")
    if places == 0:
        return sign + digits
    return f"{sign}{digits[:-places]}.{digits[-places:]}"


@strawberry.type(description="An exact rational number, as a fraction and as a rounded decimal.")
class Exact:
    """An exact Fraction; never a float."""

    value: strawberry.Private[Fraction]

    @resolver('The exact value in lowest terms, like "2525/32" or "79".')
    def fraction(self) -> str:
        """The exact fraction."""
        return str(self.value)

    @resolver("The value rounded half-even for display, like 78.91.")
    def decimal(
        self,
        places: Annotated[
            int, strawberry.argument(description=f"Digits after the point, 0..{MAX_PLACES}.")
        ] = 2,
    ) -> str:
        """The rounded decimal."""
        return display_decimal(self.value, places)
