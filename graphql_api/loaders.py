"""Per-request DataLoaders: each batches the keys of one request into one read query."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlite_utils import Database
from strawberry.dataloader import DataLoader

from ledger.errors import LedgerError
from projections import catalogue, evidence
from projections import rankings as ranking
from projections.catalogue import CityView
from projections.evidence import ClaimView, RoundView, VoteView
from projections.rankings import ScoreView

#: (edition id, ledger position, city id): whose indicator scores, as of when.
ScoreKey = tuple[str, int, str]
#: (claim id, round number).
RoundKey = tuple[str, int]


@dataclass(frozen=True)
class Loaders:
    """The DataLoaders of one request (never shared, so no cache outlives it)."""

    cities: DataLoader[str, CityView | None]
    claims: DataLoader[str, ClaimView | None]
    rounds: DataLoader[str, list[RoundView]]
    votes: DataLoader[RoundKey, list[VoteView]]
    scores: DataLoader[ScoreKey, list[ScoreView]]


def build_loaders(db: Database) -> Loaders:
    """Fresh loaders over the read-model database."""

    async def load_cities(ids: list[str]) -> Sequence[CityView | None]:
        found = catalogue.cities_by_id(db, ids)
        return [found.get(i) for i in ids]

    async def load_claims(ids: list[str]) -> Sequence[ClaimView | None]:
        found = {c.claim_id: c for c in evidence.claims(db, claim_ids=ids)}
        return [found.get(i) for i in ids]

    async def load_rounds(ids: list[str]) -> Sequence[list[RoundView]]:
        found = evidence.rounds_for(db, ids)
        return [found.get(i, []) for i in ids]

    async def load_votes(keys: list[RoundKey]) -> Sequence[list[VoteView]]:
        found = evidence.votes_for(db, [claim_id for claim_id, _ in keys])
        return [found.get(k, []) for k in keys]

    async def load_scores(keys: list[ScoreKey]) -> Sequence[list[ScoreView] | LedgerError]:
        groups: dict[tuple[str, int], list[str]] = defaultdict(list)
        for edition_id, position, city_id in keys:
            groups[(edition_id, position)].append(city_id)
        found: dict[ScoreKey, list[ScoreView] | LedgerError] = {}
        for (edition_id, position), city_ids in groups.items():
            try:
                # One fold per group; a city outside the edition fails alone, not the batch.
                batch = ranking.indicator_scores(db, edition_id, city_ids, position, strict=False)
            except LedgerError as error:
                for city_id in city_ids:
                    found[(edition_id, position, city_id)] = error
                continue
            for city_id in city_ids:
                scores = batch.get(city_id)
                found[(edition_id, position, city_id)] = (
                    scores
                    if scores is not None
                    else ranking.not_in_edition(city_id, edition_id, position)
                )
        return [found[key] for key in keys]

    return Loaders(
        cities=DataLoader(load_fn=load_cities),
        claims=DataLoader(load_fn=load_claims),
        rounds=DataLoader(load_fn=load_rounds),
        votes=DataLoader(load_fn=load_votes),
        scores=DataLoader(load_fn=load_scores),
    )
