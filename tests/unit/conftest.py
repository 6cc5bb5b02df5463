"""Shared fixtures for the unit tests: a two-indicator framework and a seeded ledger."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ledger.application import Ledger
from ledger.framework import Framework
from tests.support.databases import opened_on
from tests.support.inputs import rungs, source

FRAMEWORK_ID = "asc"
WEIGHT_SET_ID = "asc-weights"
EDITION_ID = "asia-2023"
CITY_A = "taizhou-zj"
CITY_B = "taizhou-js"
#: Verifier ids and the languages each reads.
VERIFIERS = {
    "v-zh-en": ["zh", "en"],
    "v-en-zh": ["en", "zh"],
    "v-en": ["en"],
    "v-zh": ["zh"],
}

_PILLARS: list[dict[str, Any]] = [
    {"id": "digital", "name": "Digital"},
    {"id": "traditional", "name": "Traditional"},
]
_INDICATORS: list[dict[str, Any]] = [
    {
        "id": "broadband",
        "pillar": "digital",
        "name": "Broadband coverage",
        "ladder": rungs(0, 5, 10),
    },
    {
        "id": "metro",
        "pillar": "traditional",
        "name": "Metro network",
        "ladder": rungs(0, 8),
    },
]


@pytest.fixture
def pillars() -> list[dict[str, Any]]:
    """Two pillars (a fresh copy per test)."""
    return copy.deepcopy(_PILLARS)


@pytest.fixture
def indicators() -> list[dict[str, Any]]:
    """Two indicators, broadband (rungs 1-3) and metro (rungs 1-2), as a fresh copy."""
    return copy.deepcopy(_INDICATORS)


@pytest.fixture
def framework(pillars: list[dict[str, Any]], indicators: list[dict[str, Any]]) -> Framework:
    """Version 1 of the two-indicator framework, with its events already collected."""
    agg = Framework.define(
        framework_id=FRAMEWORK_ID,
        title="Asian Smart City framework",
        pillars=pillars,
        indicators=indicators,
        at=None,
    )
    agg.collect_events()
    return agg


@pytest.fixture
def zh_source() -> dict[str, Any]:
    """A well-formed Chinese-language source."""
    return source("zh")


@pytest.fixture
def en_source() -> dict[str, Any]:
    """A well-formed English-language source with a citation and no URL."""
    return {
        "citation": "Provincial Yearbook 2023, p. 12",
        "title": "Yearbook",
        "language": "en",
        "date": "2023-04-02",
        "excerpt": "Fibre reaches every district.",
    }


@pytest.fixture
def empty_ledger(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Ledger]:
    """A ledger on a fresh SQLite file (or PostgreSQL schema, for both_backends modules)."""
    with opened_on(backend, tmp_path, request, Ledger) as ledger:
        yield ledger


@pytest.fixture
def ledger(
    empty_ledger: Ledger, pillars: list[dict[str, Any]], indicators: list[dict[str, Any]]
) -> Ledger:
    """A ledger with the framework, a weight set, edition asia-2023 (quorum 2), two cities
    included in it and four verifiers."""
    led = empty_ledger
    led.define_framework(FRAMEWORK_ID, "Asian Smart City framework", pillars, indicators)
    led.create_weight_set(WEIGHT_SET_ID, "Panel weights", FRAMEWORK_ID, 1)
    led.create_edition(
        EDITION_ID,
        2023,
        "Asian Smart City Ranking 2023",
        "Asia",
        FRAMEWORK_ID,
        1,
        WEIGHT_SET_ID,
        "2023-06-30",
        quorum=2,
    )
    led.register_city(CITY_A, "Taizhou", "台州", "CN")
    led.register_city(CITY_B, "Taizhou", "泰州", "CN")
    led.include_cities(EDITION_ID, [CITY_A, CITY_B])
    for verifier_id, languages in VERIFIERS.items():
        led.enrol_verifier(verifier_id, languages)
    return led
