"""Every event type the ledger records is handled, or deliberately ignored, by each read model."""

from __future__ import annotations

import pytest
from sqlite_utils import Database

from ledger.application import recorded_types
from ledger.claim import Claim
from ledger.records import EventRecord
from projections import whatif
from projections.evidence import Evidence
from projections.follower import default_models
from projections.model import EVERY_EVENT, ReadModel

RECORDED = recorded_types()


def unaccounted(model: ReadModel) -> list[str]:
    """What is wrong with a model's handles and ignores, one line each (empty: nothing)."""
    if model.handles == EVERY_EVENT:
        return []
    name = type(model).__name__
    problems = [
        f"{name} neither handles nor ignores {event}: add a handler, or add it to {name}.ignores"
        for event in sorted(RECORDED - model.handles - model.ignores)
    ]
    problems += [f"{name} both handles and ignores {e}" for e in model.handles & model.ignores]
    problems += [
        f"{name} names {e}, which no aggregate records"
        for e in sorted((model.handles | model.ignores) - RECORDED)
    ]
    return problems


def test_the_ledger_records_every_aggregates_events() -> None:
    assert {"ClaimSubmitted", "RoundClosed", "CityRegistered", "ReceiptIssued"} <= RECORDED
    assert not {"Event", "Created"} & RECORDED


@pytest.mark.parametrize("model", default_models(), ids=lambda m: m.name)
def test_each_read_model_handles_or_ignores_every_event_type(model: ReadModel) -> None:
    assert unaccounted(model) == []


def test_a_model_missing_an_event_type_is_reported() -> None:
    class Forgetful(Evidence):
        handles = Evidence.handles - {Claim.VoteCast.__name__}

    class Confused(Evidence):
        ignores = Evidence.ignores | {"VoteCast", "NoSuchEvent"}

    assert unaccounted(Forgetful()) == [
        "Forgetful neither handles nor ignores VoteCast: add a handler, or add it to "
        "Forgetful.ignores"
    ]
    assert unaccounted(Confused()) == [
        "Confused both handles and ignores VoteCast",
        "Confused names NoSuchEvent, which no aggregate records",
    ]


def test_the_event_index_records_every_event_whatever_its_type() -> None:
    (index,) = (m for m in default_models() if m.name == "event_index")
    assert index.handles == EVERY_EVENT

    class Nothing(ReadModel):
        name, tables, handles = "nothing", (), frozenset()

        def create(self, db: Database) -> None:
            """Nothing to create."""

        def apply(self, db: Database, records: list[EventRecord]) -> None:
            """Nothing to apply."""

    assert len(unaccounted(Nothing())) == len(RECORDED)


def test_the_what_if_fold_names_only_events_the_ledger_records() -> None:
    # Keyed by the event classes (model.by_name): a renamed class fails at import, and a name
    # no aggregate records fails here.
    folded = set(whatif.UNDECIDED_HANDLERS)
    assert {"ClaimSubmitted", "AppealFiled", "AppealDecided"} <= folded
    assert folded | whatif.DECISION_TYPES | whatif.UNDECIDED_TYPES <= RECORDED
