"""Command-line commands of their own module: `editions`, `export`, and the `changes` formats."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from cityledger.bootstrap import Runtime
from cityledger.export import FORMATS, build_export
from ledger.errors import InvalidInput
from projections import catalogue, publications
from projections.rankings import AsOf, BandChange


def parse_as_of(text: str | None) -> AsOf:
    """A ledger position (digits) or an ISO-8601 instant with a UTC offset."""
    if text is None:
        return None
    if text.isascii() and text.isdigit():
        return int(text)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            f"--as-of {text!r} is neither a position nor an ISO-8601 time", field="as-of"
        ) from None
    if moment.tzinfo is None:
        raise InvalidInput(
            f"--as-of {text!r} needs a UTC offset, e.g. 2023-06-01T00:00:00+00:00", field="as-of"
        )
    return moment


def cmd_editions(rt: Runtime, a: argparse.Namespace) -> None:
    """List every edition with its cities, framework, weights and publications."""
    rt.catch_up()
    rows = []
    for e in catalogue.editions(rt.db):
        pubs = publications.publications(rt.db, e.edition_id)
        latest = pubs[-1] if pubs else None
        rows.append(
            {
                "edition_id": e.edition_id, "year": e.year, "title": e.title,
                "cities": e.city_count, "framework": f"{e.framework_id} v{e.framework_version}",
                "weight_set": e.weight_set_id, "publications": len(pubs),
                "latest_publication": latest.publication_no if latest else None,
                "latest_position": latest.position if latest else None,
            }
        )  # fmt: skip
    if a.format == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        print("no editions yet (cityledger load-reference loads the reference ones)")
    for r in rows:
        shown = (
            f"latest publication {r['latest_publication']} at position {r['latest_position']}"
            if r["latest_publication"] is not None
            else "not published"
        )
        print(
            f"{r['edition_id']:<12} {r['year']} {r['title']} · {r['cities']} cities · "
            f"{r['framework']} · weights {r['weight_set']} · {r['publications']} "
            f"publication(s), {shown}"
        )


def cmd_export(rt: Runtime, a: argparse.Namespace) -> None:
    """Write a table as CSV, JSON, Markdown, SVG or HTML with a header (to stdout or --output)."""
    rt.catch_up()
    made = build_export(
        rt.db, a.edition, a.table, a.format, publication=a.publication,
        as_of=parse_as_of(a.as_of), lang=a.lang, scores=not a.bands_only,
    )  # fmt: skip
    if a.output is None:
        sys.stdout.write(made.content)
        return
    target: Path = a.output / made.filename if a.output.is_dir() else a.output
    target.write_text(made.content, encoding="utf-8")
    print(f"wrote {target}", file=sys.stderr)


def render_changes(changes: list[BandChange], fmt: str) -> str:
    """Band changes as JSON (with their causes) or CSV (one row per city)."""
    if fmt == "json":
        body = [
            {
                "city_id": c.city_id, "name_en": c.name_en,
                "before_band": c.before_band, "after_band": c.after_band,
                "before_rank": c.before_rank, "after_rank": c.after_rank,
                "before_score": str(c.before_score), "after_score": str(c.after_score),
                "causes": [
                    {"position": e.position, "type": e.type, "time": e.time,
                     "claim_id": e.claim_id, "indicator_id": e.indicator_id,
                     "score_change": str(e.score_change)}
                    for e in c.causes
                ],
            }
            for c in changes
        ]  # fmt: skip
        return json.dumps(body, ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(
            ["city_id", "name_en", "before_band", "after_band", "before_rank", "after_rank",
             "before_score", "after_score", "cause_positions"]
        )  # fmt: skip
        for c in changes:
            writer.writerow(
                [c.city_id, c.name_en, c.before_band, c.after_band, c.before_rank, c.after_rank,
                 str(c.before_score), str(c.after_score),
                 " ".join(str(e.position) for e in c.causes)]
            )  # fmt: skip
        return out.getvalue()
    raise ValueError(f"unknown changes format {fmt!r}")


def add_parsers(sub: argparse._SubParsersAction[Any], tables: list[str]) -> None:
    """The `editions` and `export` subcommands."""
    editions = sub.add_parser("editions", help="list editions and their publications")
    editions.add_argument(
        "--format", default="table", choices=["table", "json"], help="output format"
    )
    editions.set_defaults(func=cmd_editions, reads=True)

    export = sub.add_parser(
        "export", help="write a table as csv, json, markdown, svg or html, with a header"
    )
    export.add_argument("--edition", required=True, help="edition id (see `cityledger editions`)")
    export.add_argument("--table", required=True, choices=tables, help="which table")
    cut = export.add_mutually_exclusive_group()
    cut.add_argument("--publication", type=int, help="a publication number (default: now)")
    cut.add_argument("--as-of", help="a ledger position or an ISO-8601 time with a UTC offset")
    export.add_argument("--format", required=True, choices=FORMATS, help="file format")
    export.add_argument(
        "--lang", default="en", choices=["en", "zh"],
        help="en: English names alphabetically; zh: Chinese names in pinyin order",
    )  # fmt: skip
    export.add_argument(
        "--bands-only", action="store_true", help="leave out ranks and scores (as published)"
    )
    export.add_argument(
        "--output",
        type=Path,
        help="a file, or a directory for the default file name (default: stdout)",
    )
    export.set_defaults(func=cmd_export, reads=True)
