"""Ledger: the application service; every use case validates, then records events atomically."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, OperationalError

from ledger import validate
from ledger.appeal import Appeal
from ledger.chain import GENESIS, link
from ledger.city import City
from ledger.claim import Claim
from ledger.config import ledger_env
from ledger.edition import TABLES, Edition
from ledger.errors import (
    AlreadyExists,
    BackdatedEvent,
    ConcurrentWrite,
    InvalidInput,
    UnknownId,
)
from ledger.framework import Framework
from ledger.receipt import Receipt
from ledger.records import EventRecord, from_notification
from ledger.verifier import Verifier
from ledger.weights import WeightSet

T = TypeVar("T")
A = TypeVar("A", bound=Aggregate)
ATTEMPTS = 8
MAX_SOURCES = 20


@dataclass
class Outcome:
    """What a use case decided: its result and the aggregates to save together."""

    result: Any
    aggregates: list[Aggregate] = field(default_factory=list)


class Ledger(Application[UUID]):
    """The evidence ledger: editions, claims, votes, weights, appeals and publications."""

    name = "cityledger"

    def __init__(self, db_path: Path | None = None, env: dict[str, str] | None = None) -> None:
        super().__init__(env={**ledger_env(db_path), **(env or {})})

    # ---- infrastructure -------------------------------------------------------------

    def _run(
        self,
        command: str,
        key: str | None,
        at: datetime | None,
        body: Callable[[datetime], Outcome],
    ) -> Any:
        """Run a use case: check time, replay a keyed retry, save atomically, retry conflicts."""
        if key is not None:
            validate.text("idempotency_key", key, max_len=200)
        for attempt in range(ATTEMPTS):
            if key is not None:
                receipt = self._find(Receipt, Receipt.key_id(key))
                if receipt is not None:
                    # A retry: answer as the first time did, before any other check.
                    if receipt.command != command:
                        raise InvalidInput(
                            f"idempotency key {key!r} was already used for {receipt.command}",
                            field="idempotency_key",
                            value=key,
                        )
                    return json.loads(receipt.result)
            when = self._check_time(at)
            outcome = body(when)
            aggregates = list(outcome.aggregates)
            if key is not None:
                aggregates.append(Receipt.issue(key, command, json.dumps(outcome.result), when))
            try:
                self.save(*aggregates)
            except (IntegrityError, OperationalError) as error:
                # Another writer got there first: reload and decide again.
                if attempt == ATTEMPTS - 1:
                    raise ConcurrentWrite(
                        f"{command} kept conflicting with other writers: {error}"
                    ) from None
                time.sleep(random.uniform(0.001, 0.02) * (attempt + 1))
                continue
            return outcome.result
        raise ConcurrentWrite(f"{command} could not be recorded")  # pragma: no cover

    def _check_time(self, at: datetime | None) -> datetime:
        """The event time: now, or an import's, which must be aware, past, not before the head."""
        now = datetime.now(UTC)
        head = self.head_time()
        if at is None:
            # The ledger's clock never runs backwards, whatever the host clock does.
            return max(now, head) if head is not None else now
        if not isinstance(at, datetime) or at.tzinfo is None:
            raise InvalidInput(
                f"time {at!r} must be an ISO-8601 instant with a UTC offset", field="at"
            )
        if at > now:
            raise InvalidInput(
                f"time {at.isoformat()} is in the future", field="at", value=at.isoformat()
            )
        if head is not None and at < head:
            raise BackdatedEvent(
                f"time {at.isoformat()} is before the ledger head at {head.isoformat()}; "
                "imports must be in time order",
                field="at",
                value=at.isoformat(),
            )
        return at

    def _find(self, cls: type[A], key: UUID) -> A | None:
        try:
            return self.repository.get(key)  # type: ignore[no-any-return]
        except AggregateNotFoundError:
            return None

    def _get(self, cls: type[A], key: UUID, what: str, value: str) -> A:
        found = self._find(cls, key)
        if found is None or not isinstance(found, cls):
            raise UnknownId(
                f"{what} {value!r} does not exist", field=what.replace(" ", "_"), value=value
            )
        return found

    def _absent(self, cls: type[Aggregate], key: UUID, what: str, value: str) -> None:
        if self._find(cls, key) is not None:
            raise AlreadyExists(
                f"{what} {value!r} already exists", field=what.replace(" ", "_"), value=value
            )

    # ---- reading the log ---------------------------------------------------------------

    def head(self) -> int:
        """The position of the last recorded event (0 when empty)."""
        return int(self.recorder.max_notification_id() or 0)

    def head_time(self) -> datetime | None:
        """When the last recorded event occurred."""
        last = self.head()
        if not last:
            return None
        records = self.records(after=last - 1, limit=1)
        return records[0].time if records else None

    def records(
        self, after: int = 0, limit: int = 1000, upto: int | None = None
    ) -> list[EventRecord]:
        """Recorded events after a position, in ledger order, as plain records."""
        notifications = self.recorder.select_notifications(start=after + 1, limit=limit, stop=upto)
        return [from_notification(self.mapper, n) for n in notifications]

    def digest_at(self, position: int) -> str:
        """The chain hash of the log's prefix up to a position."""
        previous, after = GENESIS, 0
        while after < position:
            batch = self.recorder.select_notifications(start=after + 1, limit=1000, stop=position)
            if not batch:
                break
            for n in batch:
                previous = link(
                    previous,
                    int(n.id),
                    str(n.originator_id),
                    int(n.originator_version),
                    n.topic,
                    bytes(n.state).decode("utf-8"),
                )
                after = int(n.id)
        return previous

    # ---- cities, frameworks, verifiers ---------------------------------------------------

    def register_city(
        self,
        city_id: str,
        name_en: str,
        name_zh: str,
        country: str,
        aliases_zh: list[str] | None = None,
        *,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> str:
        """Register a city under a stable id; return the id."""
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
            return Outcome(
                city_id, [City.register(city_id, name_en, name_zh, country, aliases, when)]
            )

        return str(self._run("register_city", idempotency_key, at, body))

    def define_framework(
        self,
        framework_id: str,
        title: str,
        pillars: list[dict[str, Any]],
        indicators: list[dict[str, Any]],
        *,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> int:
        """Define version 1 of an indicator framework; return the version number."""
        validate.ident("framework_id", framework_id)
        title = validate.text("title", title, max_len=300)

        def body(when: datetime) -> Outcome:
            self._absent(Framework, Framework.key(framework_id), "framework", framework_id)
            return Outcome(1, [Framework.define(framework_id, title, pillars, indicators, when)])

        return int(self._run("define_framework", idempotency_key, at, body))

    def revise_framework(
        self,
        framework_id: str,
        pillars: list[dict[str, Any]],
        indicators: list[dict[str, Any]],
        note: str,
        *,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> int:
        """Define the next version of a framework; editions keep the version they pinned."""
        note = validate.text("note", note)

        def body(when: datetime) -> Outcome:
            framework = self._get(Framework, Framework.key(framework_id), "framework", framework_id)
            version_no = framework.revise(pillars, indicators, note, when)
            return Outcome(version_no, [framework])

        return int(self._run("revise_framework", idempotency_key, at, body))

    def enrol_verifier(
        self,
        verifier_id: str,
        languages: list[str],
        *,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> str:
        """Enrol an anonymous verifier with the languages they read; return the id."""
        validate.ident("verifier_id", verifier_id)
        langs = validate.string_list("languages", languages, check=validate.language, max_items=30)

        def body(when: datetime) -> Outcome:
            self._absent(Verifier, Verifier.key(verifier_id), "verifier", verifier_id)
            return Outcome(verifier_id, [Verifier.enrol(verifier_id, langs, when)])

        return str(self._run("enrol_verifier", idempotency_key, at, body))

    def change_verifier_languages(
        self,
        verifier_id: str,
        languages: list[str],
        *,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> str:
        """Restate the languages a verifier reads."""
        langs = validate.string_list("languages", languages, check=validate.language, max_items=30)

        def body(when: datetime) -> Outcome:
            verifier = self._get(Verifier, Verifier.key(verifier_id), "verifier", verifier_id)
            verifier.change_languages(langs, when)
            return Outcome(verifier_id, [verifier])

        return str(self._run("change_verifier_languages", idempotency_key, at, body))

    # ---- weights ---------------------------------------------------------------------

    def create_weight_set(
        self,
        weight_set_id: str,
        title: str,
        framework_id: str,
        framework_version: int,
        *,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> str:
        """Create a weight set (and its empty panel) for a framework version."""
        validate.ident("weight_set_id", weight_set_id)
        title = validate.text("title", title, max_len=300)
        validate.integer("framework_version", framework_version, low=1, high=10_000)

        def body(when: datetime) -> Outcome:
            self._absent(WeightSet, WeightSet.key(weight_set_id), "weight set", weight_set_id)
            framework = self._get(Framework, Framework.key(framework_id), "framework", framework_id)
            indicator_ids = [i["id"] for i in framework.indicators_of(framework_version)]
            weight_set = WeightSet.create(
                weight_set_id, title, framework_id, framework_version, indicator_ids, when
            )
            return Outcome(weight_set_id, [weight_set])

        return str(self._run("create_weight_set", idempotency_key, at, body))

    def enrol_panelist(
        self,
        weight_set_id: str,
        panelist_id: str,
        field: str,
        *,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> str:
        """Add an anonymous panelist from one of the four fields."""
        validate.ident("panelist_id", panelist_id)

        def body(when: datetime) -> Outcome:
            weight_set = self._get(
                WeightSet, WeightSet.key(weight_set_id), "weight set", weight_set_id
            )
            weight_set.enrol_panelist(panelist_id, field, when)
            return Outcome(panelist_id, [weight_set])

        return str(self._run("enrol_panelist", idempotency_key, at, body))

    def cast_ballot(
        self,
        weight_set_id: str,
        panelist_id: str,
        allocations: dict[str, int],
        *,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> str:
        """Record a panelist's ballot of 100 points over the indicators."""

        def body(when: datetime) -> Outcome:
            weight_set = self._get(
                WeightSet, WeightSet.key(weight_set_id), "weight set", weight_set_id
            )
            weight_set.cast_ballot(panelist_id, allocations, when)
            return Outcome(panelist_id, [weight_set])

        return str(self._run("cast_ballot", idempotency_key, at, body))

    def revise_ballot(
        self,
        weight_set_id: str,
        panelist_id: str,
        allocations: dict[str, int],
        reason: str,
        *,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> str:
        """Replace a panelist's ballot."""
        reason = validate.text("reason", reason)

        def body(when: datetime) -> Outcome:
            weight_set = self._get(
                WeightSet, WeightSet.key(weight_set_id), "weight set", weight_set_id
            )
            weight_set.revise_ballot(panelist_id, allocations, reason, when)
            return Outcome(panelist_id, [weight_set])

        return str(self._run("revise_ballot", idempotency_key, at, body))

    def aggregate_weights(
        self,
        weight_set_id: str,
        by: str = "editor",
        *,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> int:
        """Make the mean of the current ballots the weights in force; return the revision."""
        by = validate.text("by", by, max_len=120)

        def body(when: datetime) -> Outcome:
            weight_set = self._get(
                WeightSet, WeightSet.key(weight_set_id), "weight set", weight_set_id
            )
            return Outcome(weight_set.aggregate(by, when), [weight_set])

        return int(self._run("aggregate_weights", idempotency_key, at, body))

    def set_weights(
        self,
        weight_set_id: str,
        weights: dict[str, str],
        reason: str,
        by: str = "editor",
        *,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> int:
        """Set the weights in force directly, with a reason; return the revision."""
        reason = validate.text("reason", reason)
        by = validate.text("by", by, max_len=120)

        def body(when: datetime) -> Outcome:
            weight_set = self._get(
                WeightSet, WeightSet.key(weight_set_id), "weight set", weight_set_id
            )
            return Outcome(weight_set.set_weights(weights, reason, by, when), [weight_set])

        return int(self._run("set_weights", idempotency_key, at, body))

    # ---- editions --------------------------------------------------------------------

    def create_edition(
        self,
        edition_id: str,
        year: int,
        title: str,
        region: str,
        framework_id: str,
        framework_version: int,
        weight_set_id: str,
        evidence_cutoff: str,
        quorum: int = 2,
        *,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> str:
        """Open an edition pinning a framework version and a (possibly shared) weight set."""
        validate.ident("edition_id", edition_id)
        validate.integer("year", year, low=2000, high=2200)
        title = validate.text("title", title, max_len=300)
        region = validate.text("region", region, max_len=120)
        cutoff = validate.iso_date("evidence_cutoff", evidence_cutoff)
        validate.integer("quorum", quorum, low=1, high=100)
        validate.integer("framework_version", framework_version, low=1, high=10_000)

        def body(when: datetime) -> Outcome:
            self._absent(Edition, Edition.key(edition_id), "edition", edition_id)
            framework = self._get(Framework, Framework.key(framework_id), "framework", framework_id)
            framework.indicators_of(framework_version)
            weight_set = self._get(
                WeightSet, WeightSet.key(weight_set_id), "weight set", weight_set_id
            )
            if (weight_set.framework_id, weight_set.framework_version) != (
                framework_id,
                framework_version,
            ):
                raise InvalidInput(
                    f"weight set {weight_set_id} weighs {weight_set.framework_id} "
                    f"v{weight_set.framework_version}, not {framework_id} v{framework_version}",
                    field="weight_set_id",
                    value=weight_set_id,
                )
            edition = Edition.create(
                edition_id, year, title, region, framework_id, framework_version,
                weight_set_id, cutoff, quorum, when,
            )  # fmt: skip
            return Outcome(edition_id, [edition])

        return str(self._run("create_edition", idempotency_key, at, body))

    def include_cities(
        self,
        edition_id: str,
        city_ids: list[str],
        *,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> int:
        """Add registered cities to an edition; return how many it now has."""
        ids = validate.string_list("city_ids", city_ids, check=validate.ident, max_items=1000)

        def body(when: datetime) -> Outcome:
            edition = self._get(Edition, Edition.key(edition_id), "edition", edition_id)
            for city_id in ids:
                self._get(City, City.key(city_id), "city", city_id)
            edition.include_cities(ids, when)
            return Outcome(len(edition.city_ids), [edition])

        return int(self._run("include_cities", idempotency_key, at, body))

    def change_quorum(
        self,
        edition_id: str,
        quorum: int,
        *,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> int:
        """Set how many accepting votes a claim of this edition needs."""
        validate.integer("quorum", quorum, low=1, high=100)

        def body(when: datetime) -> Outcome:
            edition = self._get(Edition, Edition.key(edition_id), "edition", edition_id)
            edition.change_quorum(quorum, when)
            return Outcome(quorum, [edition])

        return int(self._run("change_quorum", idempotency_key, at, body))

    def publish(
        self,
        edition_id: str,
        by: str = "editor",
        tables: list[str] | None = None,
        position: int | None = None,
        *,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Publish the edition's tables as computed at a ledger position (default: the head)."""
        by = validate.text("by", by, max_len=120)
        chosen = list(TABLES if tables is None else tables)

        def body(when: datetime) -> Outcome:
            edition = self._get(Edition, Edition.key(edition_id), "edition", edition_id)
            head = self.head()
            cut = (
                head
                if position is None
                else validate.integer("position", position, low=1, high=max(head, 1))
            )
            digest = self.digest_at(cut)
            number = edition.publish(cut, digest, chosen, by, when)
            result = {
                "edition_id": edition_id,
                "publication_no": number,
                "position": cut,
                "digest": digest,
            }
            return Outcome(result, [edition])

        return dict(self._run("publish", idempotency_key, at, body))

    # ---- claims and verification -------------------------------------------------------

    def submit_claim(
        self,
        edition_id: str,
        city_id: str,
        indicator_id: str,
        rung: int,
        sources: list[dict[str, Any]],
        submitted_by: str,
        claim_id: str | None = None,
        supersedes: str | None = None,
        *,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> str:
        """Submit evidence that a city stands on a rung; return the claim id."""
        new_id = validate.ident("claim_id", claim_id) if claim_id is not None else str(uuid4())
        submitted_by = validate.text("submitted_by", submitted_by, max_len=120)
        validate.integer("rung", rung, low=0, high=1000)
        clean_sources = check_sources(sources)

        def body(when: datetime) -> Outcome:
            self._absent(Claim, Claim.key(new_id), "claim", new_id)
            edition = self._get(Edition, Edition.key(edition_id), "edition", edition_id)
            edition.require_city(city_id)
            framework = self._get(
                Framework, Framework.key(edition.framework_id), "framework", edition.framework_id
            )
            points = framework.points(edition.framework_version, indicator_id, rung)
            changed: list[Aggregate] = []
            if supersedes is not None:
                old = self._get(Claim, Claim.key(supersedes), "claim", supersedes)
                if (old.edition_id, old.city_id, old.indicator_id) != (
                    edition_id,
                    city_id,
                    indicator_id,
                ):
                    raise InvalidInput(
                        f"claim {supersedes} is about {old.city_id}/{old.indicator_id} in "
                        f"{old.edition_id}, not {city_id}/{indicator_id} in {edition_id}",
                        field="supersedes",
                        value=supersedes,
                    )
                old.supersede(new_id, when)
                changed.append(old)
            claim = Claim.submit(
                new_id, edition_id, city_id, indicator_id, rung, points,
                clean_sources, submitted_by, supersedes, when,
            )  # fmt: skip
            return Outcome(new_id, [claim, *changed])

        return str(self._run("submit_claim", idempotency_key, at, body))

    def withdraw_claim(
        self,
        claim_id: str,
        reason: str,
        by: str,
        *,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> str:
        """Withdraw a claim so that it no longer counts."""
        reason = validate.text("reason", reason)
        by = validate.text("by", by, max_len=120)

        def body(when: datetime) -> Outcome:
            claim = self._get(Claim, Claim.key(claim_id), "claim", claim_id)
            claim.withdraw(reason, by, when)
            return Outcome(claim_id, [claim])

        return str(self._run("withdraw_claim", idempotency_key, at, body))

    def open_round(
        self, claim_id: str, *, at: datetime | None = None, idempotency_key: str | None = None
    ) -> int:
        """Open the next verification round of a claim; return its number."""

        def body(when: datetime) -> Outcome:
            claim = self._get(Claim, Claim.key(claim_id), "claim", claim_id)
            return Outcome(claim.open_next_round(when), [claim])

        return int(self._run("open_round", idempotency_key, at, body))

    def cast_vote(
        self,
        claim_id: str,
        verifier_id: str,
        decision: str,
        note: str = "",
        *,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> int:
        """Record a verifier's vote in the claim's open round; return the round number."""
        note = validate.text("note", note, optional=True)

        def body(when: datetime) -> Outcome:
            claim = self._get(Claim, Claim.key(claim_id), "claim", claim_id)
            verifier = self._get(Verifier, Verifier.key(verifier_id), "verifier", verifier_id)
            claim.cast_vote(verifier_id, set(verifier.languages), decision, note, when)
            return Outcome(claim.open_round, [claim])

        return int(self._run("cast_vote", idempotency_key, at, body))

    def close_round(
        self, claim_id: str, *, at: datetime | None = None, idempotency_key: str | None = None
    ) -> str:
        """Close a claim's open round under its edition's quorum; return the outcome."""

        def body(when: datetime) -> Outcome:
            claim = self._get(Claim, Claim.key(claim_id), "claim", claim_id)
            edition = self._get(Edition, Edition.key(claim.edition_id), "edition", claim.edition_id)
            return Outcome(claim.close_round(edition.quorum, when), [claim])

        return str(self._run("close_round", idempotency_key, at, body))

    # ---- appeals -----------------------------------------------------------------------

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
                framework = self._get(
                    Framework,
                    Framework.key(edition.framework_id),
                    "framework",
                    edition.framework_id,
                )
                framework.indicator(edition.framework_version, indicator_id)
            appeal = Appeal.file(new_id, edition_id, city_id, indicator_id, text, filed_by, when)
            return Outcome(new_id, [appeal])

        return str(self._run("file_appeal", idempotency_key, at, body))

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

    # ---- who is who (for authorization) ----------------------------------------------

    def verifier_languages(self, verifier_id: str) -> list[str]:
        """The languages a verifier reads (UnknownId if not enrolled)."""
        return list(
            self._get(Verifier, Verifier.key(verifier_id), "verifier", verifier_id).languages
        )


def check_sources(sources: Any) -> list[dict[str, Any]]:
    """Validate a claim's sources: each with a URL or citation, title, language, date, excerpt."""
    if not isinstance(sources, list | tuple) or not sources:
        raise InvalidInput("sources must be a non-empty list", field="sources")
    if len(sources) > MAX_SOURCES:
        raise InvalidInput(f"{len(sources)} sources given; at most {MAX_SOURCES}", field="sources")
    clean = []
    for s in sources:
        if not isinstance(s, dict):
            raise InvalidInput(f"source {s!r} must be an object", field="sources")
        url = validate.text("source.url", s.get("url"), max_len=2000, optional=True) or None
        citation = validate.text("source.citation", s.get("citation"), optional=True) or None
        if url is None and citation is None:
            raise InvalidInput("each source needs a url or a citation", field="source.url")
        if url is not None and not url.startswith(("http://", "https://")):
            raise InvalidInput(
                f"source url {url!r} must start with http:// or https://",
                field="source.url",
                value=url,
            )
        clean.append(
            {
                "url": url,
                "citation": citation,
                "title": validate.text("source.title", s.get("title"), max_len=500),
                "language": validate.language("source.language", s.get("language")),
                "date": validate.iso_date("source.date", s.get("date")),
                "excerpt": validate.text(
                    "source.excerpt", s.get("excerpt"), max_len=validate.MAX_EXCERPT
                ),
            }
        )
    return clean
