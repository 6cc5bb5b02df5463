"""Cities, frameworks and verifiers: the reference lists a ranking is built on."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Annotated, Any, Unpack

from ledger import validate
from ledger.city import City
from ledger.doc import Doc
from ledger.errors import InvalidInput
from ledger.fields import NameEn, NameZh
from ledger.framework import Framework
from ledger.usecases.base import LedgerBase, use_case
from ledger.usecases.params import (
    NEW_ID,
    VERSION,
    Actor,
    Check,
    FrameworkId,
    Indicators,
    Languages,
    Pillars,
    Run,
    Title,
    VerifierId,
)
from ledger.verifier import Verifier

Lineage = Annotated[list[dict[str, Any]], Doc("Every indicator's relation.")]
#: A city's name, in any of its languages.
CITY_NAME = Check(partial(validate.cell_text, max_len=200))


class CatalogueUseCases(LedgerBase):
    """Cities, frameworks and verifiers: the reference lists a ranking is built on."""

    @use_case
    def register_city(
        self,
        city_id: Annotated[str, Doc("Stable id."), NEW_ID],
        name_en: Annotated[NameEn, CITY_NAME],
        name_zh: Annotated[NameZh, CITY_NAME],
        country: Annotated[str, Doc("ISO 3166-1 alpha-2 code.")],
        aliases_zh: Annotated[list[str] | None, Doc("Other names.")] = None,
        *,
        by: Actor = None,
        **run: Unpack[Run],
    ) -> str:
        """Register a city under a stable id; return the id."""
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
        aliases = [validate.cell_text("aliases_zh", a, max_len=200) for a in (aliases_zh or [])]

        def make(when: datetime) -> City:
            return City.register(
                city_id=city_id, name_en=name_en, name_zh=name_zh, country=country,
                aliases_zh=aliases, at=when, by=by,
            )  # fmt: skip

        return self._run(run, self._new(City, city_id, make, city_id))

    @use_case
    def define_framework(
        self,
        framework_id: Annotated[FrameworkId, NEW_ID],
        title: Title,
        pillars: Pillars,
        indicators: Indicators,
        *,
        by: Actor = None,
        **run: Unpack[Run],
    ) -> int:
        """Define version 1 of an indicator framework; return the version number."""

        def make(when: datetime) -> Framework:
            return Framework.define(
                framework_id=framework_id, title=title, pillars=pillars, indicators=indicators,
                at=when, by=by,
            )  # fmt: skip

        return self._run(run, self._new(Framework, framework_id, make, 1))

    @use_case
    def revise_framework(
        self,
        framework_id: FrameworkId,
        pillars: Pillars,
        indicators: Indicators,
        note: Annotated[str, Doc("What changed and why."), Check(validate.text)],
        lineage: Annotated[
            list[dict[str, Any]] | None,
            Doc(
                "Every indicator's relation to the current version "
                "(validated: none may be forgotten)."
            ),
        ] = None,
        *,
        by: Actor = None,
        **run: Unpack[Run],
    ) -> int:
        """Define the next version of a framework (with its lineage from the current version).

        Editions keep the version they pinned.
        """

        def revise(framework: Framework, when: datetime) -> int:
            return framework.revise(
                pillars=pillars, indicators=indicators, note=note, at=when, lineage=lineage, by=by
            )

        return self._run(run, self._step(Framework, framework_id, revise))

    @use_case
    def state_lineage(
        self,
        framework_id: FrameworkId,
        version: Annotated[int, Doc("Its version."), VERSION],
        predecessor_framework_id: Annotated[str, Doc("The predecessor framework.")],
        predecessor_version: Annotated[int, Doc("The predecessor's version."), VERSION],
        lineage: Lineage,
        *,
        by: Actor = None,
        **run: Unpack[Run],
    ) -> int:
        """State how a framework version relates, indicator by indicator, to a predecessor.

        For a version defined without lineage, e.g. the first version of a framework that
        succeeds another one. Returns the version number.
        """

        def state(framework: Framework, when: datetime) -> None:
            framework.state_lineage(
                version_no=version,
                predecessor=self._get(Framework, predecessor_framework_id),
                predecessor_version=predecessor_version,
                lineage=lineage,
                at=when,
                by=by,
            )

        return self._run(run, self._update(Framework, framework_id, state, version))

    @use_case
    def enrol_verifier(
        self,
        verifier_id: Annotated[VerifierId, NEW_ID],
        languages: Languages,
        *,
        by: Actor = None,
        **run: Unpack[Run],
    ) -> str:
        """Enrol an anonymous verifier with the languages they read; return the id."""

        def make(when: datetime) -> Verifier:
            return Verifier.enrol(verifier_id=verifier_id, languages=languages, at=when, by=by)

        return self._run(run, self._new(Verifier, verifier_id, make, verifier_id))

    @use_case
    def change_verifier_languages(
        self,
        verifier_id: VerifierId,
        languages: Languages,
        *,
        by: Actor = None,
        **run: Unpack[Run],
    ) -> str:
        """Restate the languages a verifier reads."""

        def change(verifier: Verifier, when: datetime) -> None:
            verifier.change_languages(languages=languages, at=when, by=by)

        return self._run(run, self._update(Verifier, verifier_id, change, verifier_id))

    def verifier_languages(self, verifier_id: str) -> list[str]:
        """The languages a verifier reads (UnknownId if not enrolled)."""
        return list(self._get(Verifier, verifier_id).languages)
