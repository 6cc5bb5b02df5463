"""The closed sets of words the ledger records and the API shows, one `StrEnum` each.

Members are `str`s, so they compare equal to the text stored in events and rows, and
serialise as that text: recorded logs and read models are unchanged by using them.
"""

from __future__ import annotations

from enum import StrEnum


class ClaimStatus(StrEnum):
    """Where a claim stands; only an accepted claim in force gives a city its points."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    SUPERSEDED = "superseded"


class Decision(StrEnum):
    """A verifier's vote on a claim's evidence."""

    ACCEPT = "accept"
    REJECT = "reject"


class RoundOutcome(StrEnum):
    """How a verification round closed (undecided: another round is needed)."""

    ACCEPTED = "accepted"
    REJECTED = "rejected"
    UNDECIDED = "undecided"


class Role(StrEnum):
    """Who a bearer token speaks for; each role's rights are in the README's table."""

    EDITOR = "editor"
    RESEARCHER = "researcher"
    VERIFIER = "verifier"
    PANELIST = "panelist"
    CITY = "city"
    AUDITOR = "auditor"


class RankingTable(StrEnum):
    """The three tables of an edition, by which pillars they sum."""

    TOTAL = "total"
    DIGITAL_TRADITIONAL = "digital_traditional"
    INSTITUTIONAL = "institutional"


class Band(StrEnum):
    """The report's percentile bands, best first (projections.bands holds their shares)."""

    TOP_10 = "top 10%"
    FROM_10_TO_30 = "10%-30%"
    FROM_30_TO_60 = "30%-60%"
    FROM_60_TO_100 = "60%-100%"


class AppealStatus(StrEnum):
    """Where an appeal stands: filed, under review, then decided, or withdrawn by the city."""

    FILED = "filed"
    UNDER_REVIEW = "under_review"
    UPHELD = "upheld"
    DISMISSED = "dismissed"
    WITHDRAWN = "withdrawn"
