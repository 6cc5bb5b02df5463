"""Editions: creation, their cities, quorum and publications."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Annotated, Any, Unpack

from ledger import validate
from ledger.city import City
from ledger.doc import Doc
from ledger.edition import TABLES, Edition
from ledger.errors import InvalidInput, InvalidState
from ledger.fields import Year
from ledger.publishing import PublicationCheck, PublicationFacts, PublicationRequest
from ledger.usecases.base import LedgerBase, Outcome, use_case
from ledger.usecases.params import (
    NEW_ID,
    Actor,
    Check,
    EditionId,
    Editor,
    FrameworkId,
    FrameworkVersion,
    Quorum,
    Run,
    Title,
    WeightSetId,
)
from ledger.weights import WeightSet


class EditionUseCases(LedgerBase):
    """Editions: creation, their cities, quorum and publications."""

    #: The ranking engine's answers for publish (wired by the runtime; see ledger.publishing).
    publication_check: PublicationCheck | None = None

    @use_case
    def create_edition(
        self,
        edition_id: Annotated[EditionId, NEW_ID],
        year: Annotated[Year, Check(partial(validate.integer, low=2000, high=2200))],
        title: Title,
        region: Annotated[str, Doc("Region."), Check(partial(validate.text, max_len=120))],
        framework_id: FrameworkId,
        framework_version: FrameworkVersion,
        weight_set_id: WeightSetId,
        evidence_cutoff: Annotated[str, Doc("YYYY-MM-DD."), Check(validate.iso_date)],
        quorum: Quorum = 2,
        *,
        by: Actor = None,
        **run: Unpack[Run],
    ) -> str:
        """Open an edition pinning a framework version and a (possibly shared) weight set."""

        def make(when: datetime) -> Edition:
            self._framework(framework_id, framework_version).indicators_of(framework_version)
            weight_set = self._get(WeightSet, weight_set_id)
            pinned = (weight_set.framework_id, weight_set.framework_version)
            if pinned != (framework_id, framework_version):
                raise InvalidInput(
                    f"weight set {weight_set_id} weighs {weight_set.framework_id} "
                    f"v{weight_set.framework_version}, not {framework_id} v{framework_version}",
                    field="weight_set_id",
                    value=weight_set_id,
                )
            return Edition.create(
                edition_id=edition_id, year=year, title=title, region=region,
                framework_id=framework_id, framework_version=framework_version,
                weight_set_id=weight_set_id, evidence_cutoff=evidence_cutoff, quorum=quorum,
                at=when, by=by,
            )  # fmt: skip

        return self._run(run, self._new(Edition, edition_id, make, edition_id))

    @use_case
    def include_cities(
        self,
        edition_id: EditionId,
        city_ids: Annotated[
            list[str],
            Doc("Registered cities to add."),
            Check(partial(validate.string_list, check=validate.ident, max_items=1000)),
        ],
        *,
        by: Actor = None,
        **run: Unpack[Run],
    ) -> int:
        """Add registered cities to an edition; return how many it now has."""

        def include(edition: Edition, when: datetime) -> int:
            for city_id in city_ids:
                self._get(City, city_id)
            edition.include_cities(city_ids=city_ids, at=when, by=by)
            return len(edition.city_ids)

        return self._run(run, self._step(Edition, edition_id, include))

    @use_case
    def change_quorum(
        self,
        edition_id: EditionId,
        quorum: Quorum,
        *,
        by: Actor = None,
        **run: Unpack[Run],
    ) -> int:
        """Set how many accepting votes a claim of this edition needs."""

        def change(edition: Edition, when: datetime) -> None:
            edition.change_quorum(quorum=quorum, at=when, by=by)

        return self._run(run, self._update(Edition, edition_id, change, quorum))

    @use_case
    def publish(
        self,
        edition_id: EditionId,
        by: Editor = "editor",
        tables: Annotated[list[str] | None, Doc("Default: all.")] = None,
        position: Annotated[int | None, Doc("Default: the head.")] = None,
        *,
        corrects: Annotated[
            int | None,
            Doc(
                "The number of the publication this one corrects: a correction publication "
                "lists each band change since it, with the appeals and decisions that caused it."
            ),
        ] = None,
        force: Annotated[
            bool,
            Doc(
                "Publish although pending claims or open appeals could change a band "
                "(needs a reason, recorded)."
            ),
        ] = False,
        reason: Annotated[str | None, Doc("Why publish with force.")] = None,
        **run: Unpack[Run],
    ) -> dict[str, Any]:
        """Publish the edition's tables as computed at a ledger position (default: the head).

        Refused while a pending claim or an open appeal could still change a band, unless
        `force` with a `reason` (recorded). With `corrects`, a correction publication: it
        names the publication it corrects and lists each band change since, with causes.
        """
        chosen: list[str] = (
            list(TABLES) if tables is None else validate.string_list("tables", tables)
        )
        if force is not True and force is not False:
            raise InvalidInput(f"force {force!r} is not true or false", field="force")
        forced_reason = validate.text("reason", reason, max_len=2000) if force else None
        if corrects is not None:
            validate.integer("corrects", corrects, low=1, high=1_000_000)

        def body(when: datetime) -> Outcome[dict[str, Any]]:
            edition = self._get(Edition, edition_id)
            head = self.head()
            cut = (
                head
                if position is None
                else validate.integer("position", position, low=1, high=max(head, 1))
            )
            corrected_at = None if corrects is None else edition.require_publication(corrects)
            # Refused (NoWeightsInForce) when the edition had no weights in force at the cut.
            facts = self._publication_facts(edition, cut, corrected_at, chosen, not force)
            if not force:
                blockers = facts.blockers
                if blockers:
                    raise InvalidState(
                        f"edition {edition_id} has undecided evidence that could change a band "
                        f"({', '.join(blockers[:5])}{', …' if len(blockers) > 5 else ''}); "
                        "decide it first, or publish with force and a reason",
                        field="edition_id",
                        value=edition_id,
                    )
            changes = facts.changes if corrects is not None else None
            digest, tree_head = facts.digest, facts.tree_head
            if digest is None or tree_head is None:
                prefix = self.prefix(cut)
                digest, tree_head = prefix.digest, prefix.tree_head()
            table_digests = facts.table_digests
            number = edition.publish(
                position=cut, digest=digest, tree_head=tree_head, tables=chosen, by=by, at=when,
                table_digests=table_digests, corrects=corrects, changes=changes,
                forced_reason=forced_reason,
            )  # fmt: skip
            result = {
                "edition_id": edition_id,
                "publication_no": number,
                "position": cut,
                "digest": digest,
                "tree_head": tree_head,
                "table_digests": table_digests,
            }
            return Outcome(result, [edition])

        return self._run(run, body)

    def _publication_facts(
        self,
        edition: Edition,
        cut: int,
        corrected_at: int | None,
        tables: list[str],
        blockers: bool = True,
    ) -> PublicationFacts:
        """The ranking engine's answers for the edition at the cut (`blockers`: look for
        undecided evidence that could change a band; a forced publication does not)."""
        if self.publication_check is not None:
            return self.publication_check(
                PublicationRequest(
                    edition_id=edition.edition_id,
                    cut=cut,
                    corrected_at=corrected_at,
                    tables=tables,
                    blockers=blockers,
                )
            )
        if corrected_at is not None:
            raise InvalidState(
                "a correction publication needs the ranking engine; open the ledger "
                "through the runtime",
                field="corrects",
            )
        # Without the read side: one pass over the log for its hashes and the edition then.
        prefix = self.prefix(cut, watch=edition.id)
        version = prefix.watched_version
        then = self.repository.get(edition.id, version=version) if version else None
        if then is None or not then.city_ids:
            raise InvalidInput(
                f"position {cut} is before edition {edition.edition_id} had any cities",
                field="position",
                value=cut,
            )
        return PublicationFacts([], None, None, prefix.digest, prefix.tree_head())

    @use_case
    def set_appeal_window(
        self,
        edition_id: EditionId,
        days: Annotated[
            int, Doc("Days, 1..3660."), Check(partial(validate.integer, low=1, high=3660))
        ],
        by: Editor = "editor",
        **run: Unpack[Run],
    ) -> int:
        """Set how many days after its latest publication an edition accepts appeals."""

        def change(edition: Edition, when: datetime) -> None:
            edition.set_appeal_window(days=days, by=by, at=when)

        return self._run(run, self._update(Edition, edition_id, change, days))
