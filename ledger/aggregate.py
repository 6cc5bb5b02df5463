"""The base of the ledger's aggregates: a stable id of their kind, state from their creation.

An aggregate declares the state its commands decide on as class annotations. eventsourcing
makes such a class a dataclass, and its created event calls the generated `__init__` with
the event's fields of those names, so no aggregate copies its created event's fields by hand.
A field the event gained later, with a default, takes the same default here, or events
recorded before it would not replay.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any, ClassVar, Self
from uuid import UUID

from eventsourcing.domain import Aggregate

from ledger.errors import UnknownId
from ledger.ids import aggregate_id


class LedgerAggregate(Aggregate):
    """An aggregate named by a stable id of its kind, recorded by one created event."""

    #: The kind that namespaces the ids ("claim", "weight-set"): see ledger.ids.
    KIND: ClassVar[str]
    #: The created event's field holding the stable id ("claim_id").
    ID_FIELD: ClassVar[str]

    def __init_subclass__(cls, *, kind: str = "", id_field: str = "", **kwargs: Any) -> None:
        """`class Claim(LedgerAggregate, kind="claim", id_field="claim_id")` names both."""
        super().__init_subclass__(**kwargs)
        if kind:
            cls.KIND, cls.ID_FIELD = kind, id_field

    @classmethod
    def key(cls, ident: str) -> UUID:
        """Aggregate id of the one of this kind with this stable id."""
        return aggregate_id(cls.KIND, ident)

    @property
    def ident(self) -> str:
        """The stable id, as its created event's id field holds it."""
        return str(getattr(self, self.ID_FIELD))

    @classmethod
    def _record(
        cls, event: type[Aggregate.Created], at: datetime | None, fields: dict[str, Any]
    ) -> Self:
        """A new aggregate, created by `event` with `fields` (at `at`; None: now)."""
        return cls._create(event, id=cls.key(fields[cls.ID_FIELD]), timestamp=at, **fields)

    @staticmethod
    def _require_member(what: str, ident: str, members: Collection[str], where: str) -> None:
        """UnknownId naming the `what` id unless it is one of `members` (which are `where`:
        "in edition asia-2023")."""
        if ident not in members:
            raise UnknownId(f"{what} {ident!r} is not {where}", field=f"{what}_id", value=ident)
