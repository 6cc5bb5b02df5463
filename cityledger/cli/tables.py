"""Tables: `rank` prints one, `export` writes one to a file, `editions` and `publications` list
what there is to print."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cityledger.cli.arguments import (
    AS_OF_HELP,
    POSITION,
    add_format,
    add_table,
    parse_as_of,
    parse_instant,
    publication_number,
)
from cityledger.export_formats import FORMATS
from ledger.errors import InvalidInput

if TYPE_CHECKING:
    from cityledger.bootstrap import Runtime
    from projections.rankings import RankingView


def render(view: RankingView, fmt: str, lang: str) -> str:
    """A ranking as a table, JSON, CSV or the report's layout."""
    records = [
        {"city_id": r.city_id, "name_en": r.name_en, "name_zh": r.name_zh,
         "score": str(r.score), "rank": r.rank, "band": r.band}
        for r in view.rows
    ]  # fmt: skip
    if fmt == "json":
        return json.dumps(records, ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(records[0]) if records else ["city_id"])
        writer.writeheader()
        writer.writerows(records)
        return out.getvalue()
    if fmt == "report":
        from projections.report import layout

        return layout(view.rows, lang)
    header = f"# {view.edition_id} {view.table} as of position {view.position} ({view.time})\n"
    lines = [
        f"{r.rank:>4}  {r.band:<9} {r.score!s:>12}  {r.name_en} {r.name_zh}" for r in view.rows
    ]
    return header + "\n".join(lines) + "\n"


def cmd_rank(rt: Runtime, a: argparse.Namespace) -> None:
    """Print a table of an edition, now, as of a position or instant, or as a publication
    published it (`--publication N`, `--publication` for the latest, `--published-at T`)."""
    if a.publication is None and a.published_at is None:
        as_of = parse_as_of(a.as_of)
        from projections.rankings import rankings

        rt.catch_up()
        view = rankings(rt.db, a.edition, a.table, as_of)
    else:
        if a.as_of is not None:
            raise InvalidInput("give --as-of or a publication, not both", field="as-of")
        number = None if a.publication in (None, "latest") else int(a.publication)
        at = None if a.published_at is None else parse_instant(a.published_at, "published-at")
        from projections.publications import published_rankings

        rt.catch_up()
        _, view = published_rankings(rt.db, rt.ledger, a.edition, a.table, number, at)
    sys.stdout.write(render(view, a.format, a.lang))


def cmd_export(rt: Runtime, a: argparse.Namespace) -> None:
    """Write a table as CSV, JSON, Markdown, SVG or HTML with a header (to stdout or --output)."""
    from cityledger.export import build_export

    as_of = parse_as_of(a.as_of)
    rt.catch_up()
    made = build_export(
        rt.db, a.edition, a.table, a.format, publication=a.publication,
        as_of=as_of, lang=a.lang, scores=not a.bands_only,
    )  # fmt: skip
    if a.output is None:
        sys.stdout.write(made.content)
        return
    target: Path = a.output / made.filename if a.output.is_dir() else a.output
    try:
        target.write_text(made.content, encoding="utf-8")
    except OSError as error:
        # A failed write (a full disk, an I/O error) names no file of its own: name the target.
        error.filename = error.filename or str(target)
        raise
    print(f"wrote {target}", file=sys.stderr)


def cmd_editions(rt: Runtime, a: argparse.Namespace) -> None:
    """List every edition with its cities, framework, weights and publications."""
    from projections import catalogue, publications

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


def cmd_publications(rt: Runtime, a: argparse.Namespace) -> None:
    """List an edition's publications and what changed between them (or between --a and --b)."""
    from dataclasses import asdict

    from projections import publications as published

    if (a.a is None) != (a.b is None):
        raise InvalidInput("give both --a and --b, or neither", field="a" if a.a is None else "b")
    rt.catch_up()
    found = published.publications(rt.db, a.edition)
    pairs = [(a.a, a.b)] if a.a is not None else [
        (p.publication_no - 1, p.publication_no) for p in found[1:]
    ]  # fmt: skip
    diffs = [published.publication_diff(rt.db, a.edition, x, y) for x, y in pairs]
    if a.format == "json":
        data = {"publications": [asdict(p) for p in found], "diffs": [asdict(d) for d in diffs]}
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return
    for p in found if a.a is None else []:
        extra = f" corrects #{p.corrects}" if p.corrects else ""
        extra += f" forced: {p.forced_reason}" if p.forced_reason else ""
        print(f"#{p.publication_no} {p.time} position {p.position} digest {p.digest}{extra}")
    for d in diffs:
        print(f"## #{d.a} -> #{d.b}: {len(d.changes)} band change(s)")
        for c in d.changes:
            why = ", ".join(
                f"appeal {x.appeal_id}" if x.appeal_id else f"{x.type} #{x.position}"
                for x in c.causes
            )
            print(f"{c.table} {c.city_id}: {c.before} -> {c.after}" + (f" ({why})" if why else ""))


def add_parsers(sub: argparse._SubParsersAction[Any]) -> None:
    """`rank`, `export`, `editions` and `publications`."""
    rank = sub.add_parser("rank", help="print a table")
    add_table(rank)
    rank.add_argument("--as-of", help=AS_OF_HELP)
    rank.add_argument(
        "--format", default="table", choices=["table", "json", "csv", "report"],
        help="table (ranks and exact scores), json, csv, or report (the report's layout)",
    )  # fmt: skip
    rank.add_argument(
        "--lang", default="en", choices=["en", "zh"],
        help="names in the report layout: en alphabetical, zh in pinyin order",
    )  # fmt: skip
    rank.add_argument(
        "--publication", nargs="?", const="latest", type=publication_number,
        help="a publication's number (alone: the latest), as it was published",
    )  # fmt: skip
    rank.add_argument("--published-at", help="the publication in force at an ISO-8601 time")
    rank.set_defaults(func=cmd_rank, reads=True)

    export = sub.add_parser(
        "export", help="write a table as csv, json, markdown, svg or html, with a header"
    )
    add_table(export)
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

    editions = sub.add_parser("editions", help="list editions and their publications")
    add_format(editions, "table", "json", default="table")
    editions.set_defaults(func=cmd_editions, reads=True)

    pubs = sub.add_parser("publications", help="an edition's publications and their changes")
    pubs.add_argument("--edition", required=True, help="edition id (see `cityledger editions`)")
    pubs.add_argument("--a", type=POSITION, help="first publication to diff")
    pubs.add_argument("--b", type=POSITION, help="second publication to diff")
    add_format(pubs, "text", "json")
    pubs.set_defaults(func=cmd_publications, reads=True)
