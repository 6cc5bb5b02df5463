"""Appeals: a city objects to its score, an editor answers."""

from __future__ import annotations

from datetime import datetime
from uuid import uuid4

from ledger import validate
from ledger.appeal import Appeal
from ledger.edition import Edition
from ledger.usecases.base import LedgerBase, Outcome, use_case


class AppealUseCases(LedgerBase):
    """Appeals: a city objects to its score, an editor answers."""

    @use_case
    def file_appeal(
        self,
        edition_id: str,
        city_id: str,
        text: str,
        filed_by: str,
        indicator_id: str | None = None,
        appeal_id: str | None = None,
        *,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> str:
        """File a city's appeal against its score (or feedback on the edition); return its id."""
        new_id = validate.ident("appeal_id", appeal_id) if appeal_id is not None else str(uuid4())
        text = validate.text("text", text, max_len=validate.MAX_EXCERPT)
        filed_by = validate.text("filed_by", filed_by, max_len=120)

        def body(when: datetime) -> Outcome:
            self._absent(Appeal, Appeal.key(new_id), "appeal", new_id)
            edition = self._get(Edition, Edition.key(edition_id), "edition", edition_id)
            edition.require_city(city_id)
            if indicator_id is not None:
                framework = self._framework(edition.framework_id, edition.framework_version)
                framework.indicator(edition.framework_version, indicator_id)
            appeal = Appeal.file(new_id, edition_id, city_id, indicator_id, text, filed_by, when)
            return Outcome(new_id, [appeal])

        return str(self._run("file_appeal", idempotency_key, at, body))

    @use_case
    def answer_appeal(
        self,
        appeal_id: str,
        decision: str,
        response: str,
        by: str = "editor",
        *,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> str:
        """Uphold or dismiss an appeal with a response."""
        response = validate.text("response", response, max_len=validate.MAX_EXCERPT)
        by = validate.text("by", by, max_len=120)

        def body(when: datetime) -> Outcome:
            appeal = self._get(Appeal, Appeal.key(appeal_id), "appeal", appeal_id)
            appeal.answer(decision, response, by, when)
            return Outcome(appeal_id, [appeal])

        return str(self._run("answer_appeal", idempotency_key, at, body))
