"""Framework lineage: how each indicator of a version relates to the version before it."""

from __future__ import annotations

from typing import Any

from ledger import validate
from ledger.errors import InvalidInput

#: Relation kinds, with how many indicators each takes from the old and gives to the new version.
KINDS: dict[str, tuple[str, str]] = {
    "unchanged": ("one", "one"),
    "ladder_extended": ("one", "one"),
    "rescaled": ("one", "one"),
    "renamed": ("one", "one"),
    "split": ("one", "many"),
    "merged": ("many", "one"),
    "added": ("none", "one"),
    "dropped": ("one", "none"),
}
#: Kinds whose evidence carries over rung for rung (a rung map, identity unless rescaled).
MAPPED = ("unchanged", "ladder_extended", "rescaled", "renamed")


def _ids(kind: str, side: str, value: Any, arity: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise InvalidInput(
            f"lineage {kind} {side} must be a list of indicator ids, got {value!r}",
            field=f"lineage.{side}",
            value=value,
        )
    count = len(value)
    fits = {"none": count == 0, "one": count == 1, "many": count >= 2}[arity]
    if not fits or len(set(value)) != count:
        want = {"none": "no indicator", "one": "one indicator", "many": "two or more indicators"}
        raise InvalidInput(
            f"lineage {kind} takes {want[arity]} in {side!r}, got {value!r}",
            field=f"lineage.{side}",
            value=value,
        )
    return list(value)


def _ladder(ind: dict[str, Any]) -> dict[int, int]:
    return {int(r["rung"]): int(r["points"]) for r in ind["ladder"]}


def _rung_map(kind: str, old: dict[str, Any], new: dict[str, Any], raw: Any) -> list[list[int]]:
    """The rung map a relation carries: old rung -> new rung, checked against both ladders."""
    old_ladder, new_ladder = _ladder(old), _ladder(new)
    label = f"{old['id']} -> {new['id']}"
    if kind == "rescaled":
        if not isinstance(raw, list) or not all(
            isinstance(p, list) and len(p) == 2 and all(type(x) is int for x in p) for p in raw
        ):
            raise InvalidInput(
                f"lineage rescaled {label} needs a rung_map of [old rung, new rung] pairs",
                field="lineage.rung_map",
                value=raw,
            )
        mapping = {int(a): int(b) for a, b in raw}
        if len(mapping) != len(raw) or set(mapping) != set(old_ladder):
            raise InvalidInput(
                f"rung_map of {label} must map every old rung {sorted(old_ladder)} once, "
                f"got {sorted(a for a, _ in raw)}",
                field="lineage.rung_map",
                value=raw,
            )
        off = sorted(b for b in mapping.values() if b not in new_ladder)
        if off:
            raise InvalidInput(
                f"rung_map of {label} maps to rung {off[0]}, not on the new ladder "
                f"{sorted(new_ladder)}",
                field="lineage.rung_map",
                value=off[0],
            )
        return [[a, mapping[a]] for a in sorted(mapping)]
    if raw is not None:
        raise InvalidInput(
            f"lineage {kind} {label} takes no rung_map (only rescaled does)",
            field="lineage.rung_map",
        )
    if kind in ("unchanged", "renamed") and old_ladder != new_ladder:
        raise InvalidInput(
            f"lineage {kind} {label}: the ladders differ (rung: points {old_ladder} -> "
            f"{new_ladder}); say ladder_extended or rescaled",
            field="lineage.kind",
            value=kind,
        )
    if kind == "unchanged" and (old["id"], old["name"]) != (new["id"], new["name"]):
        raise InvalidInput(
            f"lineage unchanged {label}: the id or name changed; say renamed",
            field="lineage.kind",
            value=kind,
        )
    if kind == "renamed" and (old["id"], old["name"]) == (new["id"], new["name"]):
        raise InvalidInput(
            f"lineage renamed {label}: neither the id nor the name changed",
            field="lineage.kind",
            value=kind,
        )
    if kind == "ladder_extended":
        kept = all(new_ladder.get(r) == p for r, p in old_ladder.items())
        if not kept or len(new_ladder) <= len(old_ladder):
            raise InvalidInput(
                f"lineage ladder_extended {label}: the new ladder {new_ladder} must keep every "
                f"old rung with its points {old_ladder} and add at least one",
                field="lineage.kind",
                value=kind,
            )
    return [[r, r] for r in sorted(old_ladder)]


def check_lineage(
    old: list[dict[str, Any]], new: list[dict[str, Any]], lineage: Any, *, label: str
) -> list[dict[str, Any]]:
    """Validate a lineage between two indicator lists; return it normalised.

    Every indicator of the old version and of the new one must appear in exactly one relation;
    a forgotten one is refused by name. `label` names the versions in messages.
    """
    if not isinstance(lineage, list) or not lineage:
        raise InvalidInput(f"lineage of {label} must be a non-empty list", field="lineage")
    old_by, new_by = {i["id"]: i for i in old}, {i["id"]: i for i in new}
    seen_old: dict[str, str] = {}
    seen_new: dict[str, str] = {}
    clean = []
    for entry in lineage:
        if not isinstance(entry, dict):
            raise InvalidInput(f"lineage entry {entry!r} must be an object", field="lineage")
        unknown = sorted(set(entry) - {"kind", "from", "to", "rung_map", "note"})
        if unknown:
            raise InvalidInput(
                f"lineage entry takes no field {unknown[0]!r}", field="lineage", value=unknown[0]
            )
        kind = validate.one_of("lineage.kind", entry.get("kind"), KINDS, what="lineage kind")
        sources = _ids(kind, "from", entry.get("from"), KINDS[kind][0])
        targets = _ids(kind, "to", entry.get("to"), KINDS[kind][1])
        for ids, known, seen, side in (
            (sources, old_by, seen_old, "old"),
            (targets, new_by, seen_new, "new"),
        ):
            for i in ids:
                if i not in known:
                    raise InvalidInput(
                        f"lineage {kind} names {i!r}, which is not an indicator of the {side} "
                        f"version ({label})",
                        field="lineage",
                        value=i,
                    )
                if i in seen:
                    raise InvalidInput(
                        f"indicator {i!r} of the {side} version appears twice in the lineage of "
                        f"{label} ({seen[i]} and {kind})",
                        field="lineage",
                        value=i,
                    )
                seen[i] = kind
        note = entry.get("note", "")
        if not isinstance(note, str) or len(note) > 500:
            raise InvalidInput("lineage note must be text (at most 500 characters)", field="note")
        rung_map = None
        if kind in MAPPED:
            rung_map = _rung_map(
                kind, old_by[sources[0]], new_by[targets[0]], entry.get("rung_map")
            )
        elif entry.get("rung_map") is not None:
            raise InvalidInput(
                f"lineage {kind} takes no rung_map: its evidence does not carry over rung for rung",
                field="lineage.rung_map",
            )
        clean.append(
            {"kind": kind, "from": sources, "to": targets, "rung_map": rung_map, "note": note}
        )
    for side, known, seen in (("old", old_by, seen_old), ("new", new_by, seen_new)):
        missing = [i for i in known if i not in seen]
        if missing:
            raise InvalidInput(
                f"the lineage of {label} forgets indicator {missing[0]!r} of the {side} version: "
                "every indicator must be accounted for (unchanged, ladder_extended, rescaled, "
                "renamed, split, merged, added or dropped)",
                field="lineage",
                value=missing[0],
            )
    return clean
