"""Cities, frameworks and verifiers: the reference lists a ranking is built on."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ledger import validate
from ledger.city import City
from ledger.errors import (
    InvalidInput,
)
from ledger.framework import Framework
from ledger.usecases.base import LedgerBase, Outcome, use_case
from ledger.verifier import Verifier


class CatalogueUseCases(LedgerBase):
    """Cities, frameworks and verifiers: the reference lists a ranking is built on."""

    @use_case
    def register_city(
        self,
        city_id: str,
        name_en: str,
        name_zh: str,
        country: str,
        aliases_zh: list[str] | None = None,
        *,
        by: str | None = None,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> str:
        """Register a city under a stable id; return the id."""
        by = validate.actor(by)
        validate.ident("city_id", city_id)
        name_en = validate.text("name_en", name_en, max_len=200)
        name_zh = validate.text("name_zh", name_zh, max_len=200)
        if (
            not isinstance(country, str)
            or len(country) != 2
            or not country.isalpha()
            or not country.isupper()
        ):
            raise InvalidInput(
                f"country {country!r} is not an ISO 3166-1 alpha-2 code",
                field="country",
                value=country,
            )
        if aliases_zh is not None and not isinstance(aliases_zh, list):
            raise InvalidInput(f"aliases_zh must be a list, got {aliases_zh!r}", field="aliases_zh")
        aliases = [validate.text("aliases_zh", a, max_len=200) for a in (aliases_zh or [])]

        def body(when: datetime) -> Outcome:
            self._absent(City, City.key(city_id), "city", city_id)
            city = City.register(
                city_id=city_id, name_en=name_en, name_zh=name_zh, country=country,
                aliases_zh=aliases, by=by, at=when,
            )  # fmt: skip
            return Outcome(city_id, [city])

        return str(self._run("register_city", idempotency_key, at, body))

    @use_case
    def define_framework(
        self,
        framework_id: str,
        title: str,
        pillars: list[dict[str, Any]],
        indicators: list[dict[str, Any]],
        *,
        by: str | None = None,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> int:
        """Define version 1 of an indicator framework; return the version number."""
        by = validate.actor(by)
        validate.ident("framework_id", framework_id)
        title = validate.text("title", title, max_len=300)

        def body(when: datetime) -> Outcome:
            self._absent(Framework, Framework.key(framework_id), "framework", framework_id)
            framework = Framework.define(
                framework_id=framework_id, title=title, pillars=pillars, indicators=indicators,
                by=by, at=when,
            )  # fmt: skip
            return Outcome(1, [framework])

        return int(self._run("define_framework", idempotency_key, at, body))

    @use_case
    def revise_framework(
        self,
        framework_id: str,
        pillars: list[dict[str, Any]],
        indicators: list[dict[str, Any]],
        note: str,
        lineage: list[dict[str, Any]] | None = None,
        *,
        by: str | None = None,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> int:
        """Define the next version of a framework (with its lineage from the current version).

        Editions keep the version they pinned.
        """
        by = validate.actor(by)
        note = validate.text("note", note)

        def body(when: datetime) -> Outcome:
            framework = self._get(Framework, Framework.key(framework_id), "framework", framework_id)
            version_no = framework.revise(
                pillars=pillars, indicators=indicators, note=note, lineage=lineage, by=by, at=when
            )
            return Outcome(version_no, [framework])

        return int(self._run("revise_framework", idempotency_key, at, body))

    @use_case
    def state_lineage(
        self,
        framework_id: str,
        version: int,
        predecessor_framework_id: str,
        predecessor_version: int,
        lineage: list[dict[str, Any]],
        *,
        by: str | None = None,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> int:
        """State how a framework version relates, indicator by indicator, to a predecessor.

        For a version defined without lineage, e.g. the first version of a framework that
        succeeds another one. Returns the version number.
        """
        by = validate.actor(by)
        validate.integer("version", version, low=1, high=10_000)
        validate.integer("predecessor_version", predecessor_version, low=1, high=10_000)

        def body(when: datetime) -> Outcome:
            framework = self._get(Framework, Framework.key(framework_id), "framework", framework_id)
            predecessor = self._get(
                Framework,
                Framework.key(predecessor_framework_id),
                "framework",
                predecessor_framework_id,
            )
            framework.state_lineage(
                version_no=version, predecessor=predecessor,
                predecessor_version=predecessor_version, lineage=lineage, by=by, at=when,
            )  # fmt: skip
            return Outcome(version, [framework])

        return int(self._run("state_lineage", idempotency_key, at, body))

    @use_case
    def enrol_verifier(
        self,
        verifier_id: str,
        languages: list[str],
        *,
        by: str | None = None,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> str:
        """Enrol an anonymous verifier with the languages they read; return the id."""
        by = validate.actor(by)
        validate.ident("verifier_id", verifier_id)
        langs = validate.languages("languages", languages)

        def body(when: datetime) -> Outcome:
            self._absent(Verifier, Verifier.key(verifier_id), "verifier", verifier_id)
            return Outcome(
                verifier_id,
                [Verifier.enrol(verifier_id=verifier_id, languages=langs, by=by, at=when)],
            )

        return str(self._run("enrol_verifier", idempotency_key, at, body))

    @use_case
    def change_verifier_languages(
        self,
        verifier_id: str,
        languages: list[str],
        *,
        by: str | None = None,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> str:
        """Restate the languages a verifier reads."""
        by = validate.actor(by)
        langs = validate.languages("languages", languages)

        def body(when: datetime) -> Outcome:
            verifier = self._get(Verifier, Verifier.key(verifier_id), "verifier", verifier_id)
            verifier.change_languages(languages=langs, at=when, by=by)
            return Outcome(verifier_id, [verifier])

        return str(self._run("change_verifier_languages", idempotency_key, at, body))

    def verifier_languages(self, verifier_id: str) -> list[str]:
        """The languages a verifier reads (UnknownId if not enrolled)."""
        return list(
            self._get(Verifier, Verifier.key(verifier_id), "verifier", verifier_id).languages
        )
