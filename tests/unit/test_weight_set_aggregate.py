"""WeightSet: panelists, ballots of exactly 100 points, and exact weights in force."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any

import pytest

from ledger.errors import AlreadyExists, BallotInvalid, InvalidInput, InvalidState, UnknownId
from ledger.weights import WeightSet, fraction_text, stored_weight
from tests.support.aggregates import created_weight_set, only_event, refused


def bad(value: object) -> Any:
    """A value of the wrong type, passed on purpose."""
    return value


def weight_set(*panelists: str) -> WeightSet:
    """ws with the given panelists enrolled, its events collected."""
    agg = created_weight_set()
    for p in panelists:
        agg.enrol_panelist(panelist_id=p, field="digital-infrastructure", at=None)
    agg.collect_events()
    return agg


def cast(agg: WeightSet, panelist_id: str, allocations: Any) -> None:
    """A panelist casts a ballot (points per indicator)."""
    agg.cast_ballot(panelist_id=panelist_id, allocations=allocations, at=None)


def test_creating_a_weight_set_records_weight_set_created() -> None:
    agg = created_weight_set()

    event = only_event(agg, WeightSet.WeightSetCreated)
    assert (event.weight_set_id, event.framework_id, event.framework_version) == ("ws", "asc", 1)
    assert event.indicator_ids == ["broadband", "metro"]
    assert (agg.panelists, agg.ballots, agg.weights, agg.revision) == ({}, {}, {}, 0)


def test_enrolling_a_panelist_records_panelist_enrolled() -> None:
    agg = weight_set()

    agg.enrol_panelist(panelist_id="p1", field="public-administration", at=None)

    event = only_event(agg, WeightSet.PanelistEnrolled)
    assert (event.panelist_id, event.field) == ("p1", "public-administration")
    assert agg.panelists == {"p1": "public-administration"}


def test_enrolling_a_duplicate_panelist_is_refused() -> None:
    agg = weight_set("p1")

    error = refused(
        agg,
        lambda: agg.enrol_panelist(panelist_id="p1", field="public-administration", at=None),
        AlreadyExists,
    )

    assert error.value == "p1"


def test_enrolling_a_panelist_from_an_unknown_field_is_refused() -> None:
    agg = weight_set()

    error = refused(
        agg, lambda: agg.enrol_panelist(panelist_id="p1", field="astrology", at=None), InvalidInput
    )

    assert error.value == "astrology"


def test_casting_a_ballot_records_ballot_cast_with_every_indicator() -> None:
    agg = weight_set("p1")

    cast(agg, "p1", {"broadband": 100})

    event = only_event(agg, WeightSet.BallotCast)
    assert (event.panelist_id, event.allocations) == ("p1", {"broadband": 100, "metro": 0})


@pytest.mark.parametrize(
    ("allocations", "total"),
    [({"broadband": 50, "metro": 49}, 99), ({"broadband": 60, "metro": 41}, 101), ({}, 0)],
)
def test_a_ballot_not_summing_to_100_is_refused_naming_the_total(
    allocations: dict[str, int], total: int
) -> None:
    agg = weight_set("p1")

    error = refused(
        agg,
        lambda: cast(agg, "p1", allocations),
        BallotInvalid,
    )

    assert error.value == total
    assert f"allocates {total} points" in error.message


def ballot(panelist_id: str, allocations: Any) -> Callable[[WeightSet], None]:
    """A panelist's first ballot, cast on a weight set."""
    return lambda agg: cast(agg, panelist_id, allocations)


def revision(allocations: Any) -> Callable[[WeightSet], None]:
    """p1's ballot, revised on a weight set."""
    return lambda agg: agg.revise_ballot(
        panelist_id="p1", allocations=allocations, reason="changed mind", at=None
    )


def test_a_ballot_that_is_not_an_object_is_refused() -> None:
    agg = weight_set("p1")

    refused(agg, lambda: cast(agg, "p1", bad([50, 50])), BallotInvalid)


@pytest.mark.parametrize(
    ("cast_first", "command", "error", "value"),
    [
        pytest.param(
            False, ballot("p1", {"broadband": 50, "parks": 50}), UnknownId, "parks",
            id="unknown-indicator",
        ),
        *[
            pytest.param(
                False, ballot("p1", {"broadband": 50, "metro": value}), BallotInvalid, value,
                id=f"allocation-{value!r}",
            )
            for value in [-10, 110, 50.0, True, "50", None]
        ],
        pytest.param(
            False, ballot("p9", {"broadband": 100}), UnknownId, "p9", id="not-on-the-panel"
        ),
        pytest.param(True, ballot("p1", {"metro": 100}), AlreadyExists, "p1", id="second-ballot"),
        pytest.param(False, revision({"metro": 100}), InvalidState, "p1", id="revised-before-cast"),
        pytest.param(True, revision({"broadband": 99}), BallotInvalid, 99, id="revised-to-99"),
    ],
)  # fmt: skip
def test_a_refused_ballot_or_revision_names_the_bad_value(
    cast_first: bool, command: Callable[[WeightSet], None], error: type[Exception], value: object
) -> None:
    agg = weight_set("p1")
    if cast_first:
        cast(agg, "p1", {"broadband": 100})
        agg.collect_events()

    refusal = refused(agg, lambda: command(agg), error)

    assert refusal.value == value
    assert repr(value) in refusal.message


def test_revising_a_ballot_records_ballot_revised() -> None:
    agg = weight_set("p1")
    cast(agg, "p1", {"broadband": 100})
    agg.collect_events()

    agg.revise_ballot(
        panelist_id="p1",
        allocations={"broadband": 30, "metro": 70},
        reason="metro matters",
        at=None,
    )

    event = only_event(agg, WeightSet.BallotRevised)
    assert (event.allocations, event.reason) == ({"broadband": 30, "metro": 70}, "metro matters")
    assert agg.ballots == {"p1": {"broadband": 30, "metro": 70}}


def test_aggregating_records_the_exact_fraction_mean() -> None:
    agg = weight_set("p1", "p2")
    cast(agg, "p1", {"broadband": 33, "metro": 67})
    cast(agg, "p2", {"broadband": 34, "metro": 66})
    agg.collect_events()

    revision = agg.aggregate(by="editor", at=None)

    assert revision == 1
    event = only_event(agg, WeightSet.WeightsAggregated)
    assert event.weights == {"broadband": "67/2", "metro": "133/2"}
    assert (event.revision, event.ballot_count, event.by) == (1, 2, "editor")
    assert agg.weights == {"broadband": "67/2", "metro": "133/2"}


def test_aggregating_three_ballots_gives_thirds_and_uses_revised_ballots() -> None:
    agg = weight_set("p1", "p2", "p3")
    cast(agg, "p1", {"broadband": 100})
    cast(agg, "p2", {"metro": 100})
    cast(agg, "p3", {"metro": 100})
    agg.revise_ballot(
        panelist_id="p3", allocations={"broadband": 1, "metro": 99}, reason="nudge", at=None
    )
    agg.collect_events()

    agg.aggregate(by="editor", at=None)

    assert agg.weights == {"broadband": "101/3", "metro": "199/3"}


def test_aggregating_whole_numbers_writes_them_without_a_denominator() -> None:
    agg = weight_set("p1")
    cast(agg, "p1", {"broadband": 40, "metro": 60})

    agg.aggregate(by="editor", at=None)

    assert agg.weights == {"broadband": "40", "metro": "60"}


def test_aggregating_without_ballots_is_refused() -> None:
    agg = weight_set("p1")

    refused(agg, lambda: agg.aggregate(by="editor", at=None), InvalidState)


def test_setting_weights_records_weights_set_with_exact_text_and_next_revision() -> None:
    agg = weight_set("p1")
    cast(agg, "p1", {"broadband": 100})
    agg.aggregate(by="editor", at=None)
    agg.collect_events()

    revision = agg.set_weights(
        weights={"broadband": "25/8", "metro": "96.875"}, reason="panel override", by="ed", at=None
    )

    assert revision == 2
    event = only_event(agg, WeightSet.WeightsSet)
    assert event.weights == {"broadband": "25/8", "metro": "775/8"}
    assert (event.revision, event.reason, event.by) == (2, "panel override", "ed")
    assert agg.revision == 2


@pytest.mark.parametrize(
    ("weights", "total"),
    [({"broadband": "50", "metro": "49.5"}, "199/2"), ({"broadband": 60, "metro": 41}, "101")],
)
def test_setting_weights_not_summing_to_100_is_refused_naming_the_sum(
    weights: dict[str, Any], total: str
) -> None:
    agg = weight_set()

    error = refused(
        agg, lambda: agg.set_weights(weights=weights, reason="r", by="ed", at=None), InvalidInput
    )

    assert error.value == total
    assert f"sum to {total}" in error.message


@pytest.mark.parametrize(
    ("weights", "error"),
    [
        ({"broadband": "150", "metro": "-50"}, InvalidInput),
        ({"broadband": "fifty", "metro": "50"}, InvalidInput),
        ({"broadband": "1/0", "metro": "50"}, InvalidInput),
        ({"broadband": 50.0, "metro": 50}, InvalidInput),
        ({"broadband": True, "metro": 99}, InvalidInput),
        ({"broadband": 50, "parks": 50}, UnknownId),
        ([50, 50], InvalidInput),
    ],
)
def test_setting_malformed_weights_is_refused(weights: object, error: type[Exception]) -> None:
    agg = weight_set()

    refused(agg, lambda: agg.set_weights(weights=bad(weights), reason="r", by="ed", at=None), error)


def test_a_stored_weight_reads_back_as_written_and_one_with_an_exponent_is_refused() -> None:
    for weight in (Fraction(25, 8), Fraction(40), Fraction(1, 3)):
        assert stored_weight(fraction_text(weight)) == weight
    assert stored_weight(0) == 0
    for exponent in ("1e999999999", "2E9", "1.5e3"):
        with pytest.raises(ValueError, match="has an exponent"):
            stored_weight(exponent)
