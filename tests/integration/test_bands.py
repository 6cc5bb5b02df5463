"""The band rule against the report's published band sizes."""

from __future__ import annotations

from fractions import Fraction

from ledger.vocabulary import Band
from projections.bands import band, ranks


def bands_of(scores: dict[str, Fraction]) -> dict[str, str]:
    """Band of every city from its score."""
    n = len(scores)
    return {city: band(rank, n) for city, rank in ranks(scores).items()}


def band_sizes(bands: dict[str, str]) -> tuple[int, ...]:
    """How many cities fall in each band, best band first."""
    values = list(bands.values())
    return tuple(values.count(label) for label in Band)


def test_distinct_scores_give_the_published_sizes_14_29_43_58() -> None:
    scores = {f"c{i:03d}": Fraction(1000 - i, 7) for i in range(144)}
    assert band_sizes(bands_of(scores)) == (14, 29, 43, 58)


def test_ties_straddling_boundaries_push_cities_up_to_14_48_25_57() -> None:
    # Ranks 1-14 distinct; 15-29 distinct; 33 cities tied at rank 30 (<= 43.2, so 10%-30%);
    # ranks 63-85 distinct; two tied at rank 86 (<= 86.4, so 30%-60%); the rest below.
    values = list(range(1000, 986, -1)) + list(range(900, 885, -1)) + [800] * 33
    values += list(range(700, 677, -1)) + [600, 600] + list(range(500, 443, -1))
    assert len(values) == 144
    scores = {f"c{i:03d}": Fraction(v) for i, v in enumerate(values)}
    assert band_sizes(bands_of(scores)) == (14, 48, 25, 57)


def test_rank_is_one_plus_the_number_strictly_higher() -> None:
    scores = {"a": Fraction(5), "b": Fraction(5), "c": Fraction(3), "d": Fraction(1, 3)}
    assert ranks(scores) == {"a": 1, "b": 1, "c": 3, "d": 4}


def test_boundary_is_exact_rank_14_is_top_and_15_is_not_for_144() -> None:
    assert band(14, 144) == "top 10%"
    assert band(15, 144) == "10%-30%"
    assert band(43, 144) == "10%-30%"
    assert band(44, 144) == "30%-60%"
    assert band(86, 144) == "30%-60%"
    assert band(87, 144) == "60%-100%"


def test_a_float_would_break_the_tie_that_fractions_keep() -> None:
    # 0.1 + 0.2 != 0.3 in binary floating point; exact weights keep these cities tied.
    a = Fraction(1, 10) + Fraction(2, 10)
    b = Fraction(3, 10)
    assert 0.1 + 0.2 != 0.3
    assert ranks({"x": a, "y": b}) == {"x": 1, "y": 1}
