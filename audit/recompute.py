"""Recompute an edition's tables from `cityledger events` output alone (stdlib only).

An auditor's independent check: it imports nothing from cityledger, reads the JSON-lines
export on stdin, and prints every city's exact score, rank and band as JSON.

    cityledger events --format jsonl | python audit/recompute.py asia-2023 total [POSITION]
    cityledger events --format jsonl | python audit/recompute.py asia-2023 total POSITION --digest
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterable
from fractions import Fraction
from typing import Any

# The sub-table of each of the report's pillars, for frameworks recorded before pillars
# named their own ("table"); the total sums every indicator of the framework.
DEFAULT_SUB_TABLE = {
    "digital": "digital_traditional",
    "traditional": "digital_traditional",
    "institutional": "institutional",
}
BANDS = ((Fraction(1, 10), "top 10%"), (Fraction(3, 10), "10%-30%"), (Fraction(6, 10), "30%-60%"))


def recompute(lines: Iterable[str], edition: str, table: str, upto: int | None = None) -> list[Any]:
    """Rows of [city_id, score as text, rank, band], best first."""
    owner: dict[str, str] = {}
    frameworks: dict[str, list[Any]] = {}
    weights: dict[str, dict[str, str]] = {}
    editions: dict[str, dict[str, Any]] = {}
    claims: dict[str, list[Any]] = {}
    for line in lines:
        e = json.loads(line)
        if upto is not None and e["position"] > upto:
            break
        kind, d, oid = e["type"], e["data"], e["originator_id"]
        if kind == "FrameworkDefined":
            owner[oid] = d["framework_id"]
            frameworks[d["framework_id"]] = [(d["pillars"], d["indicators"])]
        elif kind == "FrameworkRevised":
            frameworks[owner[oid]].append((d["pillars"], d["indicators"]))
        elif kind == "WeightSetCreated":
            owner[oid] = d["weight_set_id"]
        elif kind in ("WeightsAggregated", "WeightsSet"):
            weights[owner[oid]] = d["weights"]
        elif kind == "EditionCreated":
            owner[oid] = d["edition_id"]
            editions[d["edition_id"]] = dict(d, cities=[])
        elif kind == "CitiesIncluded":
            editions[owner[oid]]["cities"] += d["city_ids"]
        elif kind == "ClaimSubmitted":
            owner[oid] = d["claim_id"]
            claims[d["claim_id"]] = [
                d["edition_id"],
                d["city_id"],
                d["indicator_id"],
                d["points"],
                "",
            ]
        elif kind in ("ClaimWithdrawn", "ClaimSuperseded"):
            claims[owner[oid]][4] = "out"
        elif kind == "RoundClosed" and d["outcome"] in ("accepted", "rejected"):
            claims[owner[oid]][4] = d["outcome"]
    ed = editions[edition]
    if ed["weight_set_id"] not in weights:
        raise SystemExit(f"edition {edition} has no weights in force, so no table")
    pillars, indicators = frameworks[ed["framework_id"]][ed["framework_version"] - 1]
    sub = {p["id"]: p.get("table", DEFAULT_SUB_TABLE.get(p["id"])) for p in pillars}
    summed = [i["id"] for i in indicators if table == "total" or sub[i["pillar"]] == table]
    w = {i: Fraction(weights[ed["weight_set_id"]].get(i, 0)) for i in summed}
    best = {(c, i): 0 for c in ed["cities"] for i in summed}
    for e_id, city, ind, points, status in claims.values():
        if e_id == edition and status == "accepted" and (city, ind) in best:
            best[(city, ind)] = max(best[(city, ind)], points)
    scores = {c: sum((best[(c, i)] * w[i] for i in summed), Fraction(0)) for c in ed["cities"]}
    n = len(scores)
    rows = []
    for city, score in scores.items():
        rank = 1 + sum(other > score for other in scores.values())
        band = next((label for share, label in BANDS if rank <= share * n), "60%-100%")
        rows.append([city, str(score), rank, band])
    return sorted(rows, key=lambda r: (r[2], r[0]))


def table_digest_of(rows: list[Any]) -> str:
    """The digest a publication records of a table: SHA-256 of the UTF-8 JSON array
    [[city_id, band], …] sorted by city id, without spaces."""
    bands = sorted([city, band] for city, _, _, band in rows)
    text = json.dumps(bands, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--digest"]
    upto = int(args[2]) if len(args) > 2 else None
    rows = recompute(sys.stdin, args[0], args[1], upto)
    # --digest: print only the table's digest, to compare with the publication's table_digests.
    print(table_digest_of(rows) if "--digest" in sys.argv else json.dumps(rows, ensure_ascii=False))
