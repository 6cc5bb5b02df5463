"""Verifier: enrolment and restated languages; languages are kept sorted."""

from __future__ import annotations

from ledger.verifier import Verifier
from tests.support.aggregates import only_event


def test_enrolling_a_verifier_records_sorted_languages() -> None:
    verifier = Verifier.enrol(verifier_id="v-1", languages=["zh", "en"], at=None)

    event = only_event(verifier, Verifier.VerifierEnrolled)
    assert (event.verifier_id, event.languages) == ("v-1", ["en", "zh"])
    assert verifier.languages == ["en", "zh"]


def test_changing_languages_records_verifier_languages_changed() -> None:
    verifier = Verifier.enrol(verifier_id="v-1", languages=["en"], at=None)
    verifier.collect_events()

    verifier.change_languages(languages=["ja", "en", "zh"], at=None)

    event = only_event(verifier, Verifier.VerifierLanguagesChanged)
    assert event.languages == ["en", "ja", "zh"]
    assert event.originator_version == 2
    assert verifier.languages == ["en", "ja", "zh"]
