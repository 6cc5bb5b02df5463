"""The API tests' world: a small ledger built through the Ledger API, tokens and helpers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cityledger.bootstrap import Runtime
from graphql_api.tokens import create_token
from ledger.application import Ledger
from tests.support.inputs import rungs, source

EDITION = "asia-2023"
EDITION_B = "asia-2024"
FRAMEWORK = "asc"
WEIGHTS = "asc-w"
CITIES = {
    "beijing": ("Beijing", "北京", "CN"),
    "shanghai": ("Shanghai", "上海", "CN"),
    "tokyo": ("Tokyo", "東京", "JP"),
    "seoul": ("Seoul", "서울", "KR"),
    "singapore": ("Singapore", "新加坡", "SG"),
    "taizhou": ("Taizhou", "台州", "CN"),
}
VERIFIERS = {"v-zh": ["zh"], "v-en": ["en"], "v-zh-en": ["zh", "en"]}
PILLARS = [
    {"id": "digital", "name": "Digital"},
    {"id": "traditional", "name": "Traditional"},
    {"id": "institutional", "name": "Institutional"},
]


INDICATORS = [
    {"id": "broadband", "pillar": "digital", "name": "Broadband", "ladder": rungs(0, 5, 10)},
    {"id": "egov", "pillar": "digital", "name": "E-government", "ladder": rungs(0, 6)},
    {"id": "metro", "pillar": "traditional", "name": "Metro", "ladder": rungs(0, 8)},
    {"id": "openness", "pillar": "institutional", "name": "Openness", "ladder": rungs(0, 4, 7)},
]


def verified(
    ledger: Ledger,
    claim_id: str,
    city: str,
    indicator: str,
    rung: int,
    language: str,
    votes: dict[str, str],
    close: bool = True,
) -> None:
    """Submit a claim, open a round, vote, and (optionally) close it."""
    ledger.submit_claim(
        EDITION, city, indicator, rung, [source(language)], "researcher-ann", claim_id=claim_id
    )
    ledger.open_round(claim_id)
    for verifier, decision in votes.items():
        ledger.cast_vote(claim_id, verifier, decision, "checked")
    if close:
        ledger.close_round(claim_id)


def build_world(ledger: Ledger) -> None:
    """Framework, weights from two ballots, two editions, verifiers, claims, a publication."""
    ledger.define_framework(FRAMEWORK, "Asian Smart City framework", PILLARS, INDICATORS)
    ledger.create_weight_set(WEIGHTS, "Panel weights", FRAMEWORK, 1)
    ledger.enrol_panelist(WEIGHTS, "p1", "public-administration")
    ledger.enrol_panelist(WEIGHTS, "p2", "digital-infrastructure")
    ledger.cast_ballot(WEIGHTS, "p1", {"broadband": 40, "egov": 20, "metro": 20, "openness": 20})
    ledger.cast_ballot(WEIGHTS, "p2", {"broadband": 10, "egov": 35, "metro": 30, "openness": 25})
    ledger.aggregate_weights(WEIGHTS)
    for city_id, (en, zh, country) in CITIES.items():
        ledger.register_city(city_id, en, zh, country)
    for edition, year, members in ((EDITION, 2023, list(CITIES)), (EDITION_B, 2024, ["tokyo"])):
        ledger.create_edition(
            edition, year, f"Ranking {year}", "Asia", FRAMEWORK, 1, WEIGHTS, f"{year}-06-30"
        )
        ledger.include_cities(edition, members)
    for verifier, languages in VERIFIERS.items():
        ledger.enrol_verifier(verifier, languages)
    verified(
        ledger, "c-bj-bb", "beijing", "broadband", 3, "zh", {"v-zh": "accept", "v-zh-en": "accept"}
    )
    verified(
        ledger, "c-sh-metro", "shanghai", "metro", 2, "zh", {"v-zh": "accept", "v-zh-en": "accept"}
    )
    verified(
        ledger, "c-tk-open", "tokyo", "openness", 3, "en", {"v-en": "accept", "v-zh-en": "accept"}
    )
    verified(
        ledger,
        "c-sg-bb",
        "singapore",
        "broadband",
        2,
        "en",
        {"v-en": "reject", "v-zh-en": "reject"},
    )
    verified(ledger, "c-se-egov", "seoul", "egov", 2, "en", {"v-en": "accept"}, close=False)
    ledger.publish(EDITION, force=True, reason="c-se-egov is still under review")
    verified(
        ledger, "c-tz-metro", "taizhou", "metro", 2, "zh", {"v-zh": "accept", "v-zh-en": "accept"}
    )
    ledger.file_appeal(
        EDITION, "taizhou", "Our metro opened in 2022.", "taizhou-office", "metro", "a-tz",
        rung=2, sources=[source("zh")],
    )  # fmt: skip
    ledger.file_appeal(
        EDITION, "beijing", "Please recheck broadband.", "beijing-office", "broadband", "a-bj",
        rung=3, sources=[source("zh")], claim_id="c-bj-bb",
    )  # fmt: skip


@dataclass(frozen=True)
class Tokens:
    """One bearer token per role (and a second verifier reading only English)."""

    editor: str
    researcher: str
    verifier: str
    verifier_en: str
    panelist: str
    city: str
    auditor: str

    def of(self, role: str | None) -> str | None:
        """The token of a role name (None: anonymous)."""
        return None if role is None else str(getattr(self, role))


def issue_tokens(runtime: Runtime) -> Tokens:
    """Tokens for every role, bound to the world's identities."""
    db = runtime.db
    return Tokens(
        editor=create_token(db, "editor", "editor-eve"),
        researcher=create_token(db, "researcher", "researcher-ann"),
        verifier=create_token(db, "verifier", "v-zh"),
        verifier_en=create_token(db, "verifier", "v-en"),
        panelist=create_token(db, "panelist", "panelist-one", panelist=(WEIGHTS, "p1")),
        city=create_token(db, "city", "beijing-office", city_id="beijing"),
        auditor=create_token(db, "auditor", "auditor-al"),
    )


@dataclass(frozen=True)
class Template:
    """The world built once: its database file and its tokens."""

    path: Path
    tokens: Tokens


Gql = Callable[..., dict[str, Any]]


def codes(body: dict[str, Any]) -> list[str]:
    """The extension codes of a response's errors."""
    return [str(e.get("extensions", {}).get("code")) for e in body.get("errors") or []]
