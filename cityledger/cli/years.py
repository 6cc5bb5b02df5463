"""Across editions: `compare` two editions' tables, a city's `history` in every edition."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from typing import TYPE_CHECKING, Any

from cityledger.cli.arguments import TABLE_CHOICES, TABLE_HELP, add_format

if TYPE_CHECKING:
    from cityledger.bootstrap import Runtime


def cmd_compare(rt: Runtime, a: argparse.Namespace) -> None:
    """Compare two editions' tables: moves, transition matrix, what changed and why."""
    from projections.compare import compare, comparison_json

    rt.catch_up()
    data = comparison_json(compare(rt.db, a.a, a.b, a.table, a.at))
    if a.format == "json":
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return
    rows: list[dict[str, Any]] = data["rows"]  # type: ignore[assignment]
    if a.format == "csv":
        out = io.StringIO()
        fields = ["status", *(rows[0] if rows else ["city_id"])]
        writer = csv.DictWriter(out, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows({"status": "common", **r} for r in rows)
        for status in ("entered", "left"):
            for r in data[status]:  # type: ignore[attr-defined]
                side = "b" if status == "entered" else "a"
                writer.writerow({"status": status, "city_id": r["city_id"],
                                 "name_en": r["name_en"], f"band_{side}": r["band"],
                                 f"rank_{side}": r["rank"], f"n_{side}": r["n"],
                                 f"score_{side}": r["score"]})  # fmt: skip
        sys.stdout.write(out.getvalue())
        return
    verdict = "comparable" if data["comparable"] else "NOT comparable"
    print(f"# {a.table}: {a.a} (position {data['position_a']}) -> {a.b} "
          f"(position {data['position_b']}), at {a.at}: {verdict}")  # fmt: skip
    for line in [*data["reasons"], *data["notes"]]:  # type: ignore[misc]
        print(f"  - {line}")
    for e in data["framework_diff"]:  # type: ignore[attr-defined]
        print(f"  framework {e['from']} -> {e['to']}: {e['detail']}")
    for w in data["weight_diff"]:  # type: ignore[attr-defined]
        print(f"  weight {w['indicator_id']}: {w['weight_a'] or '-'} -> {w['weight_b'] or '-'}")
    matrix: dict[str, dict[str, int]] = data["matrix"]  # type: ignore[assignment]
    print(f"{'a / b':<10}" + "".join(f"{col:>10}" for col in next(iter(matrix.values()))))
    for label, cells in matrix.items():
        print(f"{label:<10}" + "".join(f"{n:>10}" for n in cells.values()))
    for r in rows:
        split = f"method {r['method_part']} + performance {r['performance_part']}"
        split = split if r["method_part"] is not None else "no split"
        print(f"{r['name_en']:<20} {r['band_a']:<9} {r['rank_a']:>4}/{r['n_a']:<4} -> "
              f"{r['band_b']:<9} {r['rank_b']:>4}/{r['n_b']:<4} {r['score_a']} -> "
              f"{r['score_b']} ({split})")  # fmt: skip
    for status in ("entered", "left"):
        for r in data[status]:  # type: ignore[attr-defined]
            print(f"{status}: {r['name_en']} ({r['band']}, {r['rank']}/{r['n']})")


def cmd_history(rt: Runtime, a: argparse.Namespace) -> None:
    """A city's bands, ranks, scores and points in every edition and publication, oldest first."""
    from projections.history import city_history, history_json

    rt.catch_up()
    data = history_json(city_history(rt.db, a.city, live=True), scores=True)
    if a.format == "json":
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return
    print(f"# {data['name_en']} ({data['city_id']})")
    for e in data["entries"]:  # type: ignore[attr-defined]
        when = f"publication {e['publication_no']}" if e["publication_no"] else "now"
        print(f"{e['edition_id']} ({e['framework']}) {when}, position {e['position']}:")
        for t in e["tables"]:
            print(f"    {t['table']:<20} {t['band']:<9} {t['rank']:>4}/{t['n']:<4} {t['score']}")
        print("    points " + " ".join(f"{p['indicator_id']}={p['points']}" for p in e["points"]))
    for step in data["steps"]:  # type: ignore[attr-defined]
        verdict = "comparable" if step["comparable"] else "not comparable"
        print(f"{step['from']} -> {step['to']}: {verdict}; " + "; ".join(step["reasons"]))


def add_parsers(sub: argparse._SubParsersAction[Any]) -> None:
    """`compare` and `history`."""
    compare = sub.add_parser("compare", help="two editions compared: moves and what changed")
    compare.add_argument("--a", required=True, help="first (earlier) edition")
    compare.add_argument("--b", required=True, help="second edition")
    compare.add_argument("--table", required=True, choices=TABLE_CHOICES, help=TABLE_HELP)
    compare.add_argument(
        "--at", default="publication", choices=["publication", "now"],
        help="compare the latest publications, or the live standings",
    )  # fmt: skip
    add_format(compare, "text", "json", "csv")
    compare.set_defaults(func=cmd_compare, reads=True)

    history = sub.add_parser("history", help="a city in every edition and publication")
    history.add_argument("--city", required=True, help="city id")
    add_format(history, "text", "json")
    history.set_defaults(func=cmd_history, reads=True)
