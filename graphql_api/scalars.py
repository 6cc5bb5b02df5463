"""Scalar-like output types: exact numbers and table names."""

from __future__ import annotations

from fractions import Fraction
from typing import Annotated

import strawberry

from graphql_api.fields import field as resolver
from ledger.vocabulary import RankingTable
from projections.exact import MAX_PLACES, display_decimal

# The ledger's enum, shown in GraphQL under its SDL name (strawberry.enum marks the class).
strawberry.enum(
    RankingTable, name="RankingTableName", description="The three tables of an edition."
)
RankingTableName = RankingTable


@strawberry.type(description="An exact rational number, as a fraction and as a rounded decimal.")
class Exact:
    """An exact Fraction; never a float."""

    value: strawberry.Private[Fraction]
    # A plain field set from `value` (no resolver to run per number in a long table).
    fraction: str = strawberry.field(
        default="", description='The exact value in lowest terms, like "2525/32" or "79".'
    )

    def __post_init__(self) -> None:
        self.fraction = str(self.value)

    @resolver("The value rounded half-even for display, like 78.91.")
    def decimal(
        self,
        places: Annotated[
            int, strawberry.argument(description=f"Digits after the point, 0..{MAX_PLACES}.")
        ] = 2,
    ) -> str:
        return display_decimal(self.value, places)
