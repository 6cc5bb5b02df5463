"""Exact numbers for display: a Fraction as a decimal rounded half-even (never through a float)."""

from __future__ import annotations

from fractions import Fraction

from ledger.errors import InvalidInput

MAX_PLACES = 10


def display_decimal(value: Fraction, places: int) -> str:
    """A fraction as a decimal string rounded half-even to `places` digits."""
    if not 0 <= places <= MAX_PLACES:
        raise InvalidInput(
            f"places {places} is out of range 0..{MAX_PLACES}", field="places", value=places
        )
    scaled = round(value * 10**places)
    sign, digits = ("-" if scaled < 0 else ""), str(abs(scaled)).rjust(places + 1, "0")
    if places == 0:
        return sign + digits
    return f"{sign}{digits[:-places]}.{digits[-places:]}"
