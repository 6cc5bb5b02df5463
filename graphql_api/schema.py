"""The schema: the roots composed from the feature modules, error handling, limits; and its
SDL, committed as schema.graphql."""

from __future__ import annotations

from pathlib import Path

import strawberry
from graphql import GraphQLError
from strawberry.types import ExecutionContext

from graphql_api.errors import ErrorCodes, LedgerErrorHandler, unexpected
from graphql_api.features.appeals import AppealsMutation, AppealsQuery
from graphql_api.features.catalogue import CatalogueMutation, CatalogueQuery
from graphql_api.features.claims import ClaimsMutation, ClaimsQuery
from graphql_api.features.editions import EditionsMutation, EditionsQuery
from graphql_api.features.log import LogQuery
from graphql_api.features.movement import MovementQuery
from graphql_api.features.rankings import RankingsQuery
from graphql_api.features.viewer import ViewerQuery
from graphql_api.features.weights import WeightsMutation, WeightsQuery
from graphql_api.features.years import YearsQuery
from graphql_api.limits import limit_extensions
from graphql_api.subscriptions import Subscription
from graphql_api.validated import ValidateOnce, ValidDocuments

SDL_PATH = Path(__file__).with_name("schema.graphql")


# Each feature contributes its fields; the SDL lists them in the order of these bases.
@strawberry.type(description="Read the ledger's projections; every answer names its position.")
class Query(
    LogQuery,
    ViewerQuery,
    CatalogueQuery,
    EditionsQuery,
    RankingsQuery,
    ClaimsQuery,
    MovementQuery,
    YearsQuery,
    WeightsQuery,
    AppealsQuery,
):
    pass


# Each feature contributes its commands, generated from the Ledger's use cases.
@strawberry.type(description="Record commands in the ledger; each returns a payload or an error.")
class Mutation(
    CatalogueMutation, WeightsMutation, EditionsMutation, ClaimsMutation, AppealsMutation
):
    pass


class LedgerSchema(strawberry.Schema):
    """A strawberry Schema that logs only unexpected errors (not refusals or bad queries)."""

    #: The query texts that passed validation (graphql_api/validated.py).
    valid_documents: ValidDocuments

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Log errors raised by bugs, with their tracebacks, on the server only."""
        super().process_errors(unexpected(errors), execution_context)


def build_schema() -> LedgerSchema:
    valid = ValidDocuments()
    built = LedgerSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        # ValidateOnce last: the limiters refuse what they refuse before it looks a text up.
        extensions=[*limit_extensions(), ErrorCodes, lambda: ValidateOnce(valid)],
        exception_handlers=[LedgerErrorHandler()],
    )
    built.valid_documents = valid
    return built


schema = build_schema()


def export_sdl() -> str:
    """The schema in SDL, exactly as committed in graphql_api/schema.graphql."""
    return schema.as_str() + "\n"
