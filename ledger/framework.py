"""Indicator framework: pillars, indicators and ladders, versioned and never edited in place."""

from __future__ import annotations

from dataclasses import InitVar, field
from datetime import datetime
from typing import Any

from eventsourcing.domain import Aggregate

from ledger import validate
from ledger.aggregate import LedgerAggregate
from ledger.errors import AlreadyExists, InvalidInput, RungNotOnLadder, UnknownId
from ledger.lineage import check_lineage
from ledger.vocabulary import RankingTable

#: The sub-tables a pillar may belong to (the total sums every pillar).
SUB_TABLES: tuple[str, ...] = (RankingTable.DIGITAL_TRADITIONAL, RankingTable.INSTITUTIONAL)
#: Where the report's pillars belong; frameworks recorded before pillars named their
#: sub-table are read with this mapping (a pillar not in it is in the total only).
DEFAULT_SUB_TABLE: dict[str, str] = {
    "digital": RankingTable.DIGITAL_TRADITIONAL,
    "traditional": RankingTable.DIGITAL_TRADITIONAL,
    "institutional": RankingTable.INSTITUTIONAL,
}


def sub_table(pillar: dict[str, Any]) -> str | None:
    """The sub-table a recorded pillar belongs to (the default mapping for older events)."""
    table = pillar.get("table")
    return str(table) if table is not None else DEFAULT_SUB_TABLE.get(str(pillar["id"]))


def check_pillar(p: Any) -> dict[str, Any]:
    """Validate one pillar; it says its sub-table unless the report's mapping gives it."""
    if not isinstance(p, dict):
        raise InvalidInput(f"pillar {p!r} must be an object", field="pillars", value=p)
    pillar_id = validate.ident("pillar.id", p.get("id"))
    table = p.get("table", DEFAULT_SUB_TABLE.get(pillar_id))
    if table not in SUB_TABLES:
        raise InvalidInput(
            f"pillar {pillar_id} must say which sub-table it belongs to "
            f"({' or '.join(SUB_TABLES)}), not {table!r}",
            field="pillar.table",
            value=table,
        )
    return {"id": pillar_id, "name": validate.text("pillar.name", p.get("name")), "table": table}


def check_ladder(ind_id: str, ladder: Any) -> list[dict[str, Any]]:
    """Validate a ladder: rungs 1..k without gaps, each worth strictly more than the one below."""
    if not isinstance(ladder, list) or not ladder:
        raise InvalidInput(f"indicator {ind_id} needs a non-empty ladder", field="indicator.ladder")
    rungs: list[dict[str, Any]] = []
    for r in ladder:
        if not isinstance(r, dict):
            raise InvalidInput(f"rung {r!r} of {ind_id} must be an object", field="ladder")
        rungs.append(
            {
                "rung": validate.integer(f"{ind_id} rung", r.get("rung"), low=1, high=20),
                "points": validate.integer(f"{ind_id} points", r.get("points"), low=0, high=100),
                "description": validate.text(f"{ind_id} rung description", r.get("description")),
            }
        )
    for n, r in enumerate(rungs, start=1):
        if r["rung"] != n:
            raise InvalidInput(
                f"rungs of {ind_id} must be numbered 1..{len(rungs)} in order without gaps: "
                f"rung {r['rung']} stands where rung {n} should",
                field="ladder",
                value=r["rung"],
            )
        if n > 1 and r["points"] <= rungs[n - 2]["points"]:
            raise InvalidInput(
                f"rung {n} of {ind_id} is worth {r['points']} points, not more than "
                f"rung {n - 1} ({rungs[n - 2]['points']}): points must rise with the rungs",
                field="ladder",
                value=n,
            )
    return rungs


def check_structure(pillars: Any, indicators: Any) -> tuple[list[dict[str, Any]], list[Any]]:
    """Validate pillars (with their sub-tables) and indicators with their ladders; return them
    normalised."""
    if not isinstance(pillars, list) or not pillars:
        raise InvalidInput("pillars must be a non-empty list", field="pillars")
    clean_pillars = [check_pillar(p) for p in pillars]
    pillar_ids = [p["id"] for p in clean_pillars]
    validate.string_list("pillars", pillar_ids, check=validate.ident)
    if not isinstance(indicators, list) or not indicators:
        raise InvalidInput("indicators must be a non-empty list", field="indicators")
    clean = []
    for ind in indicators:
        if not isinstance(ind, dict):
            raise InvalidInput(f"indicator {ind!r} must be an object", field="indicators")
        ind_id = validate.ident("indicator.id", ind.get("id"))
        pillar = ind.get("pillar")
        if pillar not in pillar_ids:
            raise InvalidInput(
                f"indicator {ind_id} names unknown pillar {pillar!r}",
                field="indicator.pillar",
                value=pillar,
            )
        rungs = check_ladder(ind_id, ind.get("ladder"))
        clean.append(
            {
                "id": ind_id,
                "pillar": pillar,
                "name": validate.text(f"{ind_id} name", ind.get("name")),
                "proposed": bool(ind.get("proposed", False)),
                "ladder": rungs,
            }
        )
    validate.string_list("indicators", [i["id"] for i in clean], check=validate.ident)
    return clean_pillars, clean


class Framework(LedgerAggregate, kind="framework", id_field="framework_id"):
    """An indicator system; each revision is a new version, and editions pin one version."""

    class FrameworkDefined(Aggregate.Created):
        """Version 1 of a framework was defined."""

        framework_id: str
        title: str
        #: Each {"id", "name", "table"}; pillars recorded without "table" use DEFAULT_SUB_TABLE.
        pillars: list[dict[str, Any]]
        indicators: list[dict[str, Any]]
        #: Added later, with a default: events recorded before it decode with None.
        by: str | None = None

    class FrameworkRevised(Aggregate.Event):
        """A new version of the framework was defined; older versions stay as they were."""

        version_no: int
        pillars: list[dict[str, Any]]
        indicators: list[dict[str, Any]]
        note: str
        #: Added later, with a default: revisions recorded before it decode with no lineage.
        lineage: list[dict[str, Any]] | None = None
        #: Added later, with a default: events recorded before it decode with None.
        by: str | None = None

        def apply(self, aggregate: Framework) -> None:
            """Append the version (and its lineage from the version before, if stated)."""
            aggregate.versions.append({"pillars": self.pillars, "indicators": self.indicators})
            if self.lineage is not None:
                aggregate.lineage_of()[self.version_no] = {
                    "framework_id": aggregate.framework_id,
                    "version": self.version_no - 1,
                }

    class LineageStated(Aggregate.Event):
        """A version's relation to its predecessor (possibly in another framework) was stated."""

        version_no: int
        predecessor_framework_id: str
        predecessor_version: int
        lineage: list[dict[str, Any]]
        #: Added later, with a default: events recorded before it decode with None.
        by: str | None = None

        def apply(self, aggregate: Framework) -> None:
            """Remember the predecessor."""
            aggregate.lineage_of()[self.version_no] = {
                "framework_id": self.predecessor_framework_id,
                "version": self.predecessor_version,
            }

    # The state the commands decide on, initialised from the created event (ledger.aggregate):
    # its pillars and indicators become version 1.
    framework_id: str
    title: str
    pillars: InitVar[list[dict[str, Any]]]
    indicators: InitVar[list[dict[str, Any]]]
    #: Each version's {"pillars", "indicators"}, version 1 first.
    versions: list[dict[str, Any]] = field(init=False)

    def __post_init__(
        self, pillars: list[dict[str, Any]], indicators: list[dict[str, Any]]
    ) -> None:
        self.versions = [{"pillars": pillars, "indicators": indicators}]

    @classmethod
    def define(
        cls,
        *,
        pillars: list[dict[str, Any]],
        indicators: list[dict[str, Any]],
        at: datetime | None = None,
        **fields: Any,
    ) -> Framework:
        """Record version 1 of a framework: FrameworkDefined's fields, its structure checked."""
        pillars, indicators = check_structure(pillars, indicators)
        return cls._record(
            cls.FrameworkDefined, at, {**fields, "pillars": pillars, "indicators": indicators}
        )

    def revise(
        self,
        *,
        pillars: list[dict[str, Any]],
        indicators: list[dict[str, Any]],
        note: str,
        at: datetime | None,
        lineage: list[dict[str, Any]] | None = None,
        by: str | None = None,
    ) -> int:
        """Record the next version, with its lineage from the current one if given."""
        pillars, indicators = check_structure(pillars, indicators)
        version_no = len(self.versions) + 1
        if lineage is not None:
            lineage = check_lineage(
                self.indicators_of(version_no - 1),
                indicators,
                lineage,
                label=f"{self.framework_id} v{version_no - 1} -> v{version_no}",
            )
        self.trigger_event(
            self.FrameworkRevised,
            version_no=version_no,
            pillars=pillars,
            indicators=indicators,
            note=note,
            lineage=lineage,
            by=by,
            timestamp=at,
        )
        return version_no

    def indicators_of(self, version_no: int) -> list[dict[str, Any]]:
        """The indicators of one version, or UnknownId."""
        if not 1 <= version_no <= len(self.versions):
            raise UnknownId(
                f"framework {self.framework_id} has no version {version_no}",
                field="framework_version",
                value=version_no,
            )
        return list(self.versions[version_no - 1]["indicators"])

    def indicator(self, *, version_no: int, indicator_id: str) -> dict[str, Any]:
        """One indicator of one version, or UnknownId naming it."""
        for ind in self.indicators_of(version_no):
            if ind["id"] == indicator_id:
                return ind
        raise UnknownId(
            f"indicator {indicator_id!r} is not in framework {self.framework_id} v{version_no}",
            field="indicator_id",
            value=indicator_id,
        )

    def points(self, *, version_no: int, indicator_id: str, rung: int) -> int:
        """Points of a rung, or RungNotOnLadder naming it."""
        ladder = self.indicator(version_no=version_no, indicator_id=indicator_id)["ladder"]
        for r in ladder:
            if r["rung"] == rung:
                return int(r["points"])
        rungs = [r["rung"] for r in ladder]
        raise RungNotOnLadder(
            f"rung {rung!r} is not on the ladder of {indicator_id} (rungs {rungs})",
            field="rung",
            value=rung,
        )

    def lineage_of(self) -> dict[int, dict[str, Any]]:
        """Version number -> its stated predecessor (absent on aggregates older than lineage)."""
        if not hasattr(self, "predecessors"):
            self.predecessors: dict[int, dict[str, Any]] = {}
        return self.predecessors

    def state_lineage(
        self,
        *,
        version_no: int,
        predecessor: Framework,
        predecessor_version: int,
        lineage: list[dict[str, Any]],
        at: datetime | None,
        by: str | None = None,
    ) -> None:
        """State how a version relates to a predecessor version, once, checked indicator by one."""
        new = self.indicators_of(version_no)
        if version_no in self.lineage_of():
            before = self.lineage_of()[version_no]
            raise AlreadyExists(
                f"{self.framework_id} v{version_no} already states its lineage from "
                f"{before['framework_id']} v{before['version']}",
                field="version",
                value=version_no,
            )
        old = predecessor.indicators_of(predecessor_version)
        if predecessor.framework_id == self.framework_id and predecessor_version >= version_no:
            raise InvalidInput(
                f"a predecessor of {self.framework_id} v{version_no} must be an earlier version, "
                f"not v{predecessor_version}",
                field="predecessor_version",
                value=predecessor_version,
            )
        label = (
            f"{predecessor.framework_id} v{predecessor_version} -> "
            f"{self.framework_id} v{version_no}"
        )
        clean = check_lineage(old, new, lineage, label=label)
        self.trigger_event(
            self.LineageStated,
            version_no=version_no,
            predecessor_framework_id=predecessor.framework_id,
            predecessor_version=predecessor_version,
            lineage=clean,
            by=by,
            timestamp=at,
        )
