"""Framework lineage reads: each version's stated predecessor, and diffs along the chain."""

from __future__ import annotations

import json
from typing import Annotated

from sqlite_utils import Database

from ledger.doc import Doc
from projections import catalogue
from projections.catalogue import FrameworkVersion, IndicatorView
from projections.model import from_row
from projections.view import View

Version = tuple[str, int]


class IndicatorMapping(View):
    """Indicators of an earlier framework version and those of a later one, and how they map."""

    kind: Annotated[
        str,
        Doc("unchanged, ladder_extended, rescaled, renamed, split, merged, added or dropped."),
    ]
    old: Annotated[tuple[str, ...], Doc("Indicators of the earlier version.")]
    new: Annotated[tuple[str, ...], Doc("Indicators of the later version.")]


class Relation(IndicatorMapping):
    """How indicators of one version relate to indicators of its predecessor."""

    rung_map: Annotated[
        tuple[tuple[int, int], ...] | None,
        Doc("Old rung → new rung pairs (null where evidence does not carry over)."),
    ]
    note: Annotated[str, Doc("Why, in words.")]


class LineageStep(FrameworkVersion):
    """A version's stated relation to its predecessor version."""

    predecessor_framework_id: Annotated[str, Doc("Predecessor framework.")]
    predecessor_version: Annotated[int, Doc("Predecessor version.")]
    relations: Annotated[
        tuple[Relation, ...],
        Doc("Every indicator of both versions, accounted for once."),
    ]
    stated_at: str
    position: Annotated[int, Doc("Ledger position of the stating event.")]


class DiffEntry(IndicatorMapping):
    """One change on the way from one framework version to another: a relation stated on it."""

    from_framework: str
    from_version: Annotated[int, Doc("Earlier framework version.")]
    to_framework: str
    to_version: Annotated[int, Doc("Later framework version.")]
    detail: Annotated[str, Doc("What changed, in words.")]


class Derivation(View):
    """How an indicator of the later version is scored from evidence of the earlier one."""

    indicator_id: Annotated[str, Doc("Indicator of the later version.")]
    source: Annotated[str | None, Doc("Indicator of the earlier version (or null).")]
    rung_map: Annotated[
        tuple[tuple[int, int], ...] | None,
        Doc("Composed old rung → new rung pairs (null: not comparable)."),
    ]
    reason: Annotated[str, Doc("Why there is no map (empty if there is).")]


class FrameworkDiff(View):
    """The changes between two framework versions, following the lineage chain."""

    a: Version
    b: Version
    linked: Annotated[bool, Doc("A chain of stated lineages links the two.")]
    forward: Annotated[bool, Doc("The first version precedes the second.")]
    entries: Annotated[tuple[DiffEntry, ...], Doc("Changes, oldest first.")]
    derivations: Annotated[
        tuple[Derivation, ...],
        Doc("For each indicator of the second version, how earlier evidence scores it."),
    ]
    reason: Annotated[str, Doc("Why not linked or not forward (else empty).")]

    def derivation(self, indicator_id: str) -> Derivation:
        """The derivation of one indicator of b."""
        return next(d for d in self.derivations if d.indicator_id == indicator_id)


def _step(r: tuple[object, ...]) -> LineageStep:
    relations = tuple(
        Relation(
            kind=x["kind"],
            old=tuple(x["from"]),
            new=tuple(x["to"]),
            rung_map=None
            if x["rung_map"] is None
            else tuple((int(a), int(b)) for a, b in x["rung_map"]),
            note=x.get("note", ""),
        )
        for x in json.loads(str(r[4]))
    )
    return LineageStep(
        framework_id=str(r[0]),
        version=int(str(r[1])),
        predecessor_framework_id=str(r[2]),
        predecessor_version=int(str(r[3])),
        relations=relations,
        stated_at=str(r[5]),
        position=int(str(r[6])),
    )


_SQL = (
    "SELECT framework_id, version, predecessor_framework_id, predecessor_version, lineage, "
    "stated_at, position FROM framework_lineage"
)


def lineage_steps(db: Database, framework_id: str | None = None) -> list[LineageStep]:
    """Every stated lineage (or those of one framework), by framework and version."""
    where, params = ("WHERE framework_id = ?", [framework_id]) if framework_id else ("", [])
    rows = db.execute(f"{_SQL} {where} ORDER BY framework_id, version", params).fetchall()
    return [_step(tuple(r)) for r in rows]


def lineage_step(db: Database, framework_id: str, version: int) -> LineageStep | None:
    """A version's stated lineage, or None."""
    row = db.execute(
        f"{_SQL} WHERE framework_id = ? AND version = ?", [framework_id, version]
    ).fetchone()
    return None if row is None else _step(tuple(row))


def _path(db: Database, start: Version, end: Version) -> list[LineageStep] | None:
    """The steps from start forward to end (walking end's predecessors back), or None."""
    steps: list[LineageStep] = []
    current, seen = end, set()
    while current != start:
        if current in seen:
            return None
        seen.add(current)
        step = lineage_step(db, *current)
        if step is None:
            return None
        steps.append(step)
        current = (step.predecessor_framework_id, step.predecessor_version)
    return steps[::-1]


def _label(v: Version) -> str:
    return f"{v[0]} v{v[1]}"


def _detail(r: Relation, old: dict[str, IndicatorView], new: dict[str, IndicatorView]) -> str:
    if r.kind == "ladder_extended":
        o, n = old[r.old[0]], new[r.new[0]]
        kept = {x.rung for x in o.ladder}
        added = [f"rung {x.rung} ({x.points} points)" for x in n.ladder if x.rung not in kept]
        return f"{n.indicator_id}: ladder extended with {', '.join(added)}; old rungs keep points"
    if r.kind == "rescaled":
        pairs = ", ".join(f"{a}->{b}" for a, b in r.rung_map or ())
        return f"{r.new[0]}: ladder re-scaled (rung map {pairs})"
    if r.kind == "renamed":
        o, n = old[r.old[0]], new[r.new[0]]
        return f"{o.indicator_id} {o.name!r} renamed {n.indicator_id} {n.name!r}"
    if r.kind == "split":
        return f"{r.old[0]} split into {', '.join(r.new)}"
    if r.kind == "merged":
        return f"{', '.join(r.old)} merged into {r.new[0]}"
    if r.kind == "added":
        return f"{r.new[0]} {new[r.new[0]].name!r} added"
    if r.kind == "dropped":
        return f"{r.old[0]} {old[r.old[0]].name!r} dropped"
    return f"{r.new[0]} unchanged"


def framework_diff(db: Database, a: Version, b: Version) -> FrameworkDiff:
    """What changed from version a to version b, and how b's indicators derive from a's."""
    b_indicators = catalogue.indicators(db, *b)
    b_ids = [i.indicator_id for i in b_indicators]
    catalogue.indicators(db, *a)  # UnknownId for a version that does not exist
    if a == b:
        same = tuple(
            Derivation(
                indicator_id=i.indicator_id,
                source=i.indicator_id,
                rung_map=tuple((r.rung, r.rung) for r in i.ladder),
                reason="",
            )
            for i in b_indicators
        )
        return FrameworkDiff(
            a=a,
            b=b,
            linked=True,
            forward=True,
            entries=(),
            derivations=same,
            reason="same framework version",
        )
    forward = _path(db, a, b)
    backward = None if forward is not None else _path(db, b, a)
    steps = forward if forward is not None else backward
    if steps is None:
        reason = f"no stated lineage links {_label(a)} and {_label(b)}"
        return _underived(a, b, b_ids, reason, linked=False, entries=())
    entries: list[DiffEntry] = []
    for step in steps:
        pre = (step.predecessor_framework_id, step.predecessor_version)
        old = {i.indicator_id: i for i in catalogue.indicators(db, *pre)}
        new = {i.indicator_id: i for i in catalogue.indicators(db, step.framework_id, step.version)}
        entries.extend(
            from_row(
                DiffEntry,
                vars(r),
                from_framework=step.predecessor_framework_id,
                from_version=step.predecessor_version,
                to_framework=step.framework_id,
                to_version=step.version,
                detail=_detail(r, old, new),
            )
            for r in step.relations
            if r.kind != "unchanged"
        )
    if backward is not None:
        reason = (
            f"{_label(b)} precedes {_label(a)}: evidence is re-scored forward along the "
            "lineage only (compare the older edition as a)"
        )
        return _underived(a, b, b_ids, reason, linked=True, entries=tuple(entries))
    return FrameworkDiff(
        a=a,
        b=b,
        linked=True,
        forward=True,
        entries=tuple(entries),
        derivations=_compose(steps, b_ids),
        reason="",
    )


def _underived(
    a: Version,
    b: Version,
    b_ids: list[str],
    reason: str,
    *,
    linked: bool,
    entries: tuple[DiffEntry, ...],
) -> FrameworkDiff:
    """A diff that derives no indicator of b from a (a backward diff states the steps between;
    an unlinked one, none), each with the same reason."""
    none = tuple(
        Derivation(indicator_id=i, source=None, rung_map=None, reason=reason) for i in b_ids
    )
    return FrameworkDiff(
        a=a,
        b=b,
        linked=linked,
        forward=not linked,
        entries=entries,
        derivations=none,
        reason=reason,
    )


def _compose(steps: list[LineageStep], b_ids: list[str]) -> tuple[Derivation, ...]:
    """For each indicator of the last version, its source in the first and the composed map."""
    # Start at the first version: every indicator derives from itself, rung for rung.
    current: dict[str, Derivation] | None = None
    for step in steps:
        nxt: dict[str, Derivation] = {}
        for r in step.relations:
            for target in r.new:
                if r.rung_map is None:
                    why = f"{target}: {r.kind} in {_label((step.framework_id, step.version))}"
                    nxt[target] = Derivation(
                        indicator_id=target,
                        source=None,
                        rung_map=None,
                        reason=f"no rung map ({why})",
                    )
                    continue
                origin = r.old[0]
                if current is None:
                    nxt[target] = Derivation(
                        indicator_id=target, source=origin, rung_map=r.rung_map, reason=""
                    )
                    continue
                before = current[origin]
                if before.rung_map is None:
                    nxt[target] = Derivation(
                        indicator_id=target, source=None, rung_map=None, reason=before.reason
                    )
                    continue
                second = dict(r.rung_map)
                composed = tuple((x, second[y]) for x, y in before.rung_map)
                nxt[target] = Derivation(
                    indicator_id=target, source=before.source, rung_map=composed, reason=""
                )
        current = nxt
    assert current is not None
    return tuple(current[i] for i in b_ids)
