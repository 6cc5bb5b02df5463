"""Ledger: the application service; every use case validates, then records events atomically."""

from __future__ import annotations

import functools

from eventsourcing.domain import Aggregate

from ledger.records import events_of
from ledger.usecases.appeals import AppealUseCases
from ledger.usecases.base import LedgerBase, Outcome
from ledger.usecases.catalogue import CatalogueUseCases
from ledger.usecases.claims import ClaimUseCases, check_sources
from ledger.usecases.editions import EditionUseCases
from ledger.usecases.weights import WeightUseCases

__all__ = ["Ledger", "LedgerBase", "Outcome", "check_sources", "recorded_types"]


class Ledger(
    CatalogueUseCases, WeightUseCases, EditionUseCases, ClaimUseCases, AppealUseCases, LedgerBase
):
    """The evidence ledger: editions, claims, votes, weights, appeals and publications."""

    name = "cityledger"


@functools.cache
def recorded_types() -> frozenset[str]:
    """The type names of every event the ledger records: those of every aggregate class in
    the `ledger` package (all imported by the use cases above), found from the classes
    themselves, so that a new event or aggregate is in it at once."""
    found: list[type] = []
    todo: list[type] = [Aggregate]
    while todo:
        subclasses: list[type] = type.__subclasses__(todo.pop())
        for sub in subclasses:
            todo.append(sub)
            if sub.__module__.startswith("ledger."):
                found.append(sub)
    return events_of(*found)
