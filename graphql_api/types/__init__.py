"""GraphQL output types, one per read view; nested data comes through per-request loaders."""

from graphql_api.types.appeals import (
    Appeal,
    Appeals,
    AppealUpdate,
    AppealWhatIf,
    DocketItem,
    Feedback,
    PublicationDiffResult,
)
from graphql_api.types.catalogue import (
    City,
    Edition,
    FrameworkVersion,
    Indicator,
    Pillar,
    Publication,
    Rung,
    Verifier,
)
from graphql_api.types.evidence import (
    CityScores,
    Claim,
    IndicatorScore,
    Round,
    Source,
    Vote,
    load_claim,
    load_scores,
)
from graphql_api.types.log import (
    ClaimConnection,
    ClaimEdge,
    Event,
    EventConnection,
    EventEdge,
    PageInfo,
)
from graphql_api.types.rankings import (
    BandChanges,
    BandMove,
    RankingRow,
    RankingTable,
)
from graphql_api.types.scalars import Exact, RankingTableName
from graphql_api.types.viewer import Me
from graphql_api.types.weights import Allocation, Ballot, Weight, WeightRevision, Weights
from projections.exact import MAX_PLACES, display_decimal

__all__ = [
    "MAX_PLACES",
    "Allocation",
    "Appeal",
    "AppealUpdate",
    "AppealWhatIf",
    "Appeals",
    "Ballot",
    "BandChanges",
    "BandMove",
    "City",
    "CityScores",
    "Claim",
    "ClaimConnection",
    "ClaimEdge",
    "DocketItem",
    "Edition",
    "Event",
    "EventConnection",
    "EventEdge",
    "Exact",
    "Feedback",
    "FrameworkVersion",
    "Indicator",
    "IndicatorScore",
    "Me",
    "PageInfo",
    "Pillar",
    "Publication",
    "PublicationDiffResult",
    "RankingRow",
    "RankingTable",
    "RankingTableName",
    "Round",
    "Rung",
    "Source",
    "Verifier",
    "Vote",
    "Weight",
    "WeightRevision",
    "Weights",
    "display_decimal",
    "load_claim",
    "load_scores",
]
