"""Ledger: the application service; every use case validates, then records events atomically."""

from __future__ import annotations

from ledger.usecases.appeals import AppealUseCases
from ledger.usecases.base import LedgerBase, Outcome
from ledger.usecases.catalogue import CatalogueUseCases
from ledger.usecases.claims import ClaimUseCases, check_sources
from ledger.usecases.editions import EditionUseCases
from ledger.usecases.weights import WeightUseCases

__all__ = ["Ledger", "LedgerBase", "Outcome", "check_sources"]


class Ledger(
    CatalogueUseCases, WeightUseCases, EditionUseCases, ClaimUseCases, AppealUseCases, LedgerBase
):
    """The evidence ledger: editions, claims, votes, weights, appeals and publications."""

    name = "cityledger"
