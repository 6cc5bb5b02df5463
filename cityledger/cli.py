"""The `cityledger` command line: tables, exports, the log, imports, proofs and the API server."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import datetime
from fractions import Fraction
from pathlib import Path
from typing import Any, NoReturn

from cityledger import cli_more
from cityledger.bootstrap import Reader, Runtime, open_reader, open_runtime, require_database
from cityledger.cli_more import parse_as_of
from cityledger.importer import parse, run
from cityledger.progress import Progress
from ledger.errors import CorruptDatabase, InvalidInput, LedgerError
from ledger.vocabulary import RankingTable
from projections import publications as published
from projections.causes import Cause
from projections.explain import MoveExplanation, explain_move, explanation_json, parse_cut
from projections.rankings import RankingView, band_changes
from projections.rankings import rankings as rankings_query

TABLE_CHOICES = [t.value for t in RankingTable]
MAX_POSITION = 2**62
#: Exit code of `verify` (and `rebuild`) when the log fails verification or the file is damaged.
VERIFY_FAILED = 3


def parse_instant(text: str, option: str) -> datetime:
    """An ISO-8601 instant with a UTC offset (for --expires and the like)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"--{option} {text!r} is not an ISO-8601 time", field=option) from None
    if moment.tzinfo is None:
        raise InvalidInput(
            f"--{option} {text!r} needs a UTC offset, e.g. 2030-01-01T00:00:00+00:00",
            field=option,
        )
    return moment


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
        # Imported here: pypinyin's dictionaries take a fifth of a second to load.
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
    rt.catch_up()
    if a.publication is None and a.published_at is None:
        view = rankings_query(rt.db, a.edition, a.table, parse_as_of(a.as_of))
    else:
        if a.as_of is not None:
            raise InvalidInput("give --as-of or a publication, not both", field="as-of")
        number = None if a.publication in (None, "latest") else int(a.publication)
        at = parse_as_of(a.published_at) if a.published_at is not None else None
        if isinstance(at, int):
            raise InvalidInput("--published-at takes an ISO-8601 time", field="published-at")
        _, view = published.published_rankings(rt.db, rt.ledger, a.edition, a.table, number, at)
    sys.stdout.write(render(view, a.format, a.lang))


def cmd_publications(rt: Runtime, a: argparse.Namespace) -> None:
    """List an edition's publications and what changed between them (or between --a and --b)."""
    rt.catch_up()
    found = published.publications(rt.db, a.edition)
    if (a.a is None) != (a.b is None):
        raise InvalidInput("give both --a and --b, or neither", field="a" if a.a is None else "b")
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


def cmd_changes(rt: Runtime, a: argparse.Namespace) -> None:
    """Print the cities whose band moved between two points, with the events behind each move."""
    rt.catch_up()
    changes = band_changes(rt.db, a.edition, a.table, parse_as_of(a.before), parse_as_of(a.after))
    if a.format != "text":
        sys.stdout.write(cli_more.render_changes(changes, a.format))
        return
    for c in changes:
        print(
            f"{c.city_id}: {c.before_band} → {c.after_band} (rank {c.before_rank} → {c.after_rank})"
        )
        for e in c.causes:
            print(f"    {_cause_line(e)}")


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


def cmd_events(rt: Runtime, a: argparse.Namespace) -> None:
    """Print the log after a position as JSON lines (position, type, time, data, stored)."""
    after = a.after
    while True:
        batch = rt.ledger.records(after=after, limit=1000)
        if not batch:
            break
        for record in batch:
            sys.stdout.write(
                json.dumps(record.to_json(), ensure_ascii=False, sort_keys=True) + "\n"
            )
        after = batch[-1].position


def cmd_import(rt: Runtime, a: argparse.Namespace) -> None:
    """Import a JSON-lines file of commands with their original times."""
    from cityledger.loading import catch_up

    try:
        with open(a.file, encoding="utf-8") as handle:
            commands = parse(handle)
    except UnicodeDecodeError:
        raise InvalidInput(f"{a.file} is not UTF-8 text", field="file") from None
    progress = Progress()
    count = run(rt.ledger, progress.track(commands, "import", "command"))
    print(f"imported {count} commands; ledger head is at position {catch_up(rt, progress)}")


def cmd_load_reference(rt: Runtime | None, a: argparse.Namespace) -> None:
    """Load the illustrative reference ledger (2022-2024), each file unless there (resumable)."""
    from cityledger.loading import load_reference

    print(load_reference(a.db, Progress()))


def cmd_rebuild(rt: Runtime, a: argparse.Namespace) -> None:
    """Drop and replay every read model, refusing to rebuild from a log that fails verify."""
    from ledger.integrity import verify_log

    progress, head = Progress(), rt.ledger.head()
    with progress.stage("verify", head, "event") as tick:
        report = verify_log(rt.ledger, rt.db.conn, on_row=tick)
    if not report.ok and not a.force:
        print(f"refusing to rebuild from a log that fails verification: {report.summary}")
        raise SystemExit(VERIFY_FAILED)
    with progress.stage("rebuild", head, "event") as tick:
        rt.follower.on_batch = tick
        print(f"rebuilt read models to position {rt.follower.rebuild()}")


def cmd_verify(rt: Reader, a: argparse.Namespace) -> None:
    """Check the log, its read-model copy, checkpoints and published tables; non-zero exit names
    the first bad position. Opened read-only (never writes); exit 3 on any integrity failure,
    a damaged file included."""
    from projections.replaycheck import verify_read_side

    with Progress().stage("verify", rt.ledger.head(), "event") as tick:
        report = verify_read_side(rt.ledger, rt.db.conn, on_row=tick)
    if report.checked == 0:
        raise InvalidInput("the database holds no events: nothing to verify", field="CITYLEDGER_DB")
    print(report.summary)
    if not report.ok:
        raise SystemExit(VERIFY_FAILED)


def cmd_prove(rt: Runtime, a: argparse.Namespace) -> None:
    """Print an RFC 9162 inclusion or consistency proof as JSON, checked before printing."""
    from ledger.proofs import prove_consistency, prove_inclusion

    head = rt.ledger.head()
    for name in ("position", "size", "first", "second"):
        value = getattr(a, name, None)
        if value is not None and not 1 <= value <= head:
            raise InvalidInput(f"--{name} {value} is outside the log 1..{head}", field=name)
    if a.kind == "inclusion":
        size = a.size or head
        if a.position > size:
            raise InvalidInput(f"--position {a.position} is beyond --size {size}", field="position")
        proof: Any = prove_inclusion(rt.ledger, a.position, size)
    else:
        second = a.second or head
        if a.first > second:
            raise InvalidInput(f"--first {a.first} is beyond --second {second}", field="first")
        proof = prove_consistency(rt.ledger, a.first, second)
    print(json.dumps(asdict(proof) | {"verified": proof.verify()}, indent=2))


def cmd_serve(rt: Runtime, a: argparse.Namespace) -> None:
    """Serve the GraphQL API with uvicorn."""
    from graphql_api.app import create_app
    from graphql_api.serving import serve

    rt.catch_up()
    app = create_app(rt, body_timeout=a.body_timeout)
    serve(app, a.host, a.port, header_timeout=a.header_timeout)


def cmd_token(rt: Runtime, a: argparse.Namespace) -> None:
    """Create a bearer token; it is printed once and only its hash is stored."""
    from graphql_api.tokens import create_token

    rt.catch_up()
    languages = [x.strip() for x in a.languages.split(",")] if a.languages else None
    panelist = (a.weight_set, a.panelist) if a.panelist else None
    expires = parse_instant(a.expires, "expires") if a.expires else None
    print(
        create_token(
            rt.db,
            a.role,
            a.name,
            languages=languages,
            city_id=a.city,
            panelist=panelist,
            expires=expires,
        )
    )


def cmd_token_list(rt: Runtime, a: argparse.Namespace) -> None:
    """List tokens: id, role, name, binding, status and times; never a secret or hash."""
    from graphql_api.tokens import list_tokens

    listed = list_tokens(rt.db)
    if a.format == "json":
        rows = [{**asdict(t), "status": t.status} for t in listed]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    header = ("ID", "ROLE", "NAME", "BINDING", "STATUS", "CREATED", "EXPIRES", "LAST USED")
    lines = [header] + [
        (t.token_id, t.role, t.name, t.binding or "-", t.status, t.created_at,
         t.expires_at or "-", t.last_used_at or "never")
        for t in listed
    ]  # fmt: skip
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    for line in lines:
        print("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())


def cmd_token_revoke(rt: Runtime, a: argparse.Namespace) -> None:
    """Revoke every live token of a name (or the one --id names); effective at once."""
    from graphql_api.tokens import revoke_tokens

    for token_id in revoke_tokens(rt.db, a.name, a.id):
        print(f"revoked {token_id} ({a.name})")


def cmd_schema(rt: Runtime | None, a: argparse.Namespace) -> None:
    """Print the GraphQL SDL."""
    from graphql_api.schema import export_sdl

    sys.stdout.write(export_sdl())


# --- explain and robustness: why a city moved, what it would take, how robust a band is ---


def _num(value: Fraction) -> str:
    """An exact number with its two-place decimal, e.g. `1103/4 (275.75)`."""
    return str(value) if value.denominator == 1 else f"{value} ({float(value):.2f})"


def _signed(value: Fraction) -> str:
    return ("+" if value >= 0 else "") + str(value)


def render_explanation(e: MoveExplanation) -> str:
    """An explanation as readable text."""
    out = [f"{e.city_id} ({e.name_en}) in {e.edition_id} {e.table}"]
    for name, s in (("from", e.start), ("to  ", e.end)):
        out.append(
            f"  {name} position {s.position}: {s.band}, rank {s.rank} of {s.n}, "
            f"score {_num(s.score)}"
        )
    rung = sum((m.rung_part for m in e.indicators), Fraction(0))
    weight = sum((m.weight_part for m in e.indicators), Fraction(0))
    out.append(f"  score change {_signed(e.delta)} = rung parts {rung} + weight parts {weight}")
    out.append("indicators that moved (points, weight: rung part + weight part):")
    for m in e.indicators:
        if not (m.rung_part or m.weight_part or m.causes):
            continue
        out.append(
            f"  {m.indicator_id:<4} points {m.points_from} -> {m.points_to}, weight "
            f"{m.weight_from} -> {m.weight_to}: {_signed(m.rung_part)} + {_signed(m.weight_part)}"
        )
        out.append(
            f"       claims {', '.join(m.claims_from) or '-'} -> {', '.join(m.claims_to) or '-'}"
        )
        out.extend(f"       {_cause_line(c)}" for c in m.causes)
    out.append("band boundaries (rank limit: score of the last city inside), from -> to:")
    for x, y in zip(e.boundaries_from, e.boundaries_to, strict=True):
        left = f"{x.rank_limit}: {_num(x.score) if x.score is not None else '-'}"
        right = f"{y.rank_limit}: {_num(y.score) if y.score is not None else '-'}"
        out.append(f"  {x.band:<9} {left} -> {right}")
    for title, crossings in (("overtaken by", e.overtaken_by), ("overtook", e.overtook)):
        out.append(f"{title}: {'none' if not crossings else ''}".rstrip())
        for c in crossings:
            out.append(
                f"  {c.city_id} ({c.name_en}): score {c.score_from} -> {c.score_to} "
                f"({_signed(c.delta)}), rank {c.rank_from} -> {c.rank_to}, "
                f"{c.band_from} -> {c.band_to}"
            )
            out.extend(f"       {_cause_line(x)}" for x in c.causes)
    out.append(f"tie rule decides the band: {'yes' if e.tie_rule_matters else 'no'}")
    return "\n".join(out) + "\n"


def _cause_line(c: Cause) -> str:
    claim = f" claim {c.claim_id}" if c.claim_id else ""
    return (
        f"#{c.position} {c.time} {c.type} {c.city_id}/{c.indicator_id}{claim} by "
        f"{c.actor or '?'}: {_signed(c.score_change)} (hash {c.hash[:12]})"
    )


def cmd_explain(rt: Runtime, a: argparse.Namespace) -> None:
    """Explain a city's move between two cuts; with --next-band, what it would take."""
    rt.catch_up()
    end = None if a.end is None else parse_cut(a.end, "--to")
    if a.next_band:
        from projections.counterfactual import counterfactual_json, next_band, render_next_band

        found = next_band(rt.db, a.edition, a.table, a.city, end)
        text = render_next_band(found) if a.format == "text" else None
        sys.stdout.write(text or json.dumps(counterfactual_json(found), indent=2) + "\n")
        return
    if a.start is None:
        raise InvalidInput("explain needs --from (or --next-band)", field="from")
    explanation = explain_move(rt.db, a.edition, a.table, a.city, parse_cut(a.start, "--from"), end)
    if a.format == "json":
        print(json.dumps(explanation_json(explanation), ensure_ascii=False, indent=2))
    else:
        sys.stdout.write(render_explanation(explanation))


def cmd_robustness(rt: Runtime, a: argparse.Namespace) -> None:
    """Resample the panel's ballots and report each city's band probabilities and rank range."""
    from projections.robustness import band_robustness, robustness_json

    rt.catch_up()
    found = band_robustness(rt.db, a.edition, a.table, a.draws, a.seed)
    if a.format == "json":
        print(json.dumps(robustness_json(found), ensure_ascii=False, indent=2))
        return
    print(
        f"# {found.edition_id} {found.table} at position {found.position}: {found.draws} "
        f"bootstrap draws of {found.ballots} ballots of {found.weight_set_id}, seed {found.seed}"
    )
    if found.note is not None:
        print(found.note)
    for c in found.cities:
        shares = ", ".join(f"{p.band} {float(p.probability):.1%}" for p in c.probabilities)
        drivers = ", ".join(f"{d.indicator_id} {d.correlation:+.2f}" for d in c.drivers)
        print(
            f"{c.rank:>4} {c.city_id:<22} {c.band:<9} ranks {c.rank_low}-{c.rank_high:<4} "
            f"{shares}" + (f"  (weights: {drivers})" if drivers else "")
        )


def add_explain_commands(sub: Any) -> None:
    """The `explain` and `robustness` subcommands."""
    explain = sub.add_parser("explain", help="why a city moved between two cuts of the log")
    explain.add_argument("--edition", required=True, help="edition id")
    explain.add_argument("--table", required=True, choices=TABLE_CHOICES, help="which table")
    explain.add_argument("--city", required=True, help="city id")
    explain.add_argument("--from", dest="start", help="a position, an instant or publication:N")
    explain.add_argument("--to", dest="end", help="a position, an instant or publication:N (now)")
    explain.add_argument("--format", default="text", choices=["text", "json"], help="output format")
    explain.add_argument(
        "--next-band", action="store_true", help="the smallest rung changes up or down a band"
    )
    explain.set_defaults(func=cmd_explain, reads=True)

    robust = sub.add_parser("robustness", help="band probabilities under resampled ballots")
    robust.add_argument("--edition", required=True, help="edition id")
    robust.add_argument("--table", required=True, choices=TABLE_CHOICES, help="which table")
    robust.add_argument(
        "--draws", type=bounded(1, 10_000), default=1000, help="bootstrap draws (1000)"
    )
    robust.add_argument(
        "--seed", type=bounded(0, 2**63 - 1), default=0, help="seed: same seed, same answer"
    )
    robust.add_argument("--format", default="text", choices=["text", "json"], help="output format")
    robust.set_defaults(func=cmd_robustness, reads=True)


def bounded(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number written in ASCII digits, within [low, high]."""

    def convert(text: str) -> int:
        if not (text.isascii() and text.lstrip("-").isdigit()) or not low <= int(text) <= high:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number in {low}..{high}")
        return int(text)

    return convert


POSITION = bounded(1, MAX_POSITION)


def publication_number(text: str) -> str:
    """An argparse type: 'latest' or a publication number."""
    return text if text == "latest" else str(bounded(1, MAX_POSITION)(text))


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr, like every other error."""

    def error(self, message: str) -> NoReturn:
        """Print `cityledger: usage: …` on one line and exit 2."""
        self.exit(2, f"cityledger: usage: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    p = OneLineParser(prog="cityledger", description=__doc__)
    sub = p.add_subparsers(
        dest="command", required=True, parser_class=OneLineParser, metavar="COMMAND",
        title="commands",
    )  # fmt: skip
    edition_help = "edition id (see `cityledger editions`)"
    table_help = "which table"
    as_of_help = "a ledger position or an ISO-8601 time with a UTC offset (default: now)"

    rank = sub.add_parser("rank", help="print a table")
    rank.add_argument("--edition", required=True, help=edition_help)
    rank.add_argument("--table", required=True, choices=TABLE_CHOICES, help=table_help)
    rank.add_argument("--as-of", help=as_of_help)
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

    pubs = sub.add_parser("publications", help="an edition's publications and their changes")
    pubs.add_argument("--edition", required=True, help=edition_help)
    pubs.add_argument("--a", type=bounded(1, MAX_POSITION), help="first publication to diff")
    pubs.add_argument("--b", type=bounded(1, MAX_POSITION), help="second publication to diff")
    pubs.add_argument("--format", default="text", choices=["text", "json"], help="output format")
    pubs.set_defaults(func=cmd_publications, reads=True)

    changes = sub.add_parser("changes", help="band moves between two points, with their causes")
    changes.add_argument("--edition", required=True, help=edition_help)
    changes.add_argument("--table", required=True, choices=TABLE_CHOICES, help=table_help)
    changes.add_argument("--before", required=True, help="the earlier point (position or time)")
    changes.add_argument("--after", help="the later point (default: now)")
    changes.add_argument(
        "--format", default="text", choices=["text", "json", "csv"], help="output format"
    )
    changes.set_defaults(func=cmd_changes, reads=True)

    compare = sub.add_parser("compare", help="two editions compared: moves and what changed")
    compare.add_argument("--a", required=True, help="first (earlier) edition")
    compare.add_argument("--b", required=True, help="second edition")
    compare.add_argument("--table", required=True, choices=TABLE_CHOICES, help=table_help)
    compare.add_argument(
        "--at", default="publication", choices=["publication", "now"],
        help="compare the latest publications, or the live standings",
    )  # fmt: skip
    compare.add_argument(
        "--format", default="text", choices=["text", "json", "csv"], help="output format"
    )
    compare.set_defaults(func=cmd_compare, reads=True)
    history = sub.add_parser("history", help="a city in every edition and publication")
    history.add_argument("--city", required=True, help="city id")
    history.add_argument("--format", default="text", choices=["text", "json"], help="output format")
    history.set_defaults(func=cmd_history, reads=True)

    cli_more.add_parsers(sub, TABLE_CHOICES)

    events = sub.add_parser("events", help="print the log as JSON lines")
    events.add_argument(
        "--after", type=bounded(0, MAX_POSITION), default=0, help="start after this position"
    )
    events.add_argument("--format", default="jsonl", choices=["jsonl"], help="JSON lines")
    events.set_defaults(func=cmd_events, reads=True)

    imp = sub.add_parser("import", help="import a JSON-lines file of commands")
    imp.add_argument("--file", required=True, type=Path, help="one command per line (see README)")
    imp.set_defaults(func=cmd_import)

    load = sub.add_parser(
        "load-reference", help="the illustrative reference ledger, 2022-2024 (once; resumable)"
    )
    load.set_defaults(func=cmd_load_reference, no_db=True)

    rebuild = sub.add_parser("rebuild", help="drop and replay the read models")
    rebuild.add_argument("--force", action="store_true", help="rebuild even if verify fails")
    rebuild.set_defaults(func=cmd_rebuild, reads=True)
    verify = sub.add_parser("verify", help="check the hash chain")
    verify.set_defaults(func=cmd_verify, reads=True)

    prove = sub.add_parser("prove", help="RFC 9162 Merkle proofs over the log")
    kinds = prove.add_subparsers(dest="kind", required=True, parser_class=OneLineParser)
    inclusion = kinds.add_parser("inclusion", help="the event at a position is in a prefix")
    inclusion.add_argument("--position", type=POSITION, required=True, help="the event's position")
    inclusion.add_argument("--size", type=POSITION, help="prefix length (default: the head)")
    inclusion.set_defaults(func=cmd_prove, reads=True)
    consistency = kinds.add_parser("consistency", help="a shorter prefix is a prefix of a longer")
    consistency.add_argument("--first", type=POSITION, required=True, help="shorter prefix")
    consistency.add_argument("--second", type=POSITION, help="longer prefix (default: the head)")
    consistency.set_defaults(func=cmd_prove, reads=True)

    serve = sub.add_parser("serve", help="serve the web page, GraphQL API and GraphiQL")
    serve.add_argument("--host", default="127.0.0.1", help="interface to listen on")
    serve.add_argument("--port", type=bounded(1, 65535), default=8000, help="TCP port")
    serve.add_argument(
        "--header-timeout", type=bounded(1, 3600), default=10, help="seconds for request headers"
    )
    serve.add_argument(
        "--body-timeout", type=bounded(1, 3600), default=30, help="seconds for a request body"
    )
    serve.set_defaults(func=cmd_serve)

    token = sub.add_parser("token", help="manage API tokens")
    token_sub = token.add_subparsers(dest="action", required=True, parser_class=OneLineParser)
    create = token_sub.add_parser("create", help="create a bearer token")
    create.add_argument(
        "--role", required=True,
        help="anonymous, researcher, verifier, panelist, city, auditor or editor",
    )  # fmt: skip
    create.add_argument("--name", required=True, help="the holder's name or acting id")
    create.add_argument("--languages", help="verifier: languages read, comma-separated")
    create.add_argument("--city", help="city role: the city id the token acts for")
    create.add_argument("--weight-set", help="panelist: the weight set")
    create.add_argument("--panelist", help="panelist: the panelist id")
    create.add_argument("--expires", help="expiry: an ISO-8601 instant with a UTC offset")
    create.set_defaults(func=cmd_token)
    listing = token_sub.add_parser("list", help="list tokens (never their secrets)")
    listing.add_argument(
        "--format", choices=["table", "json"], default="table", help="table or json"
    )
    listing.set_defaults(func=cmd_token_list)
    revoke = token_sub.add_parser("revoke", help="revoke a name's tokens, effective at once")
    revoke.add_argument("name")
    revoke.add_argument("--id", help="revoke only the token with this id (see token list)")
    revoke.set_defaults(func=cmd_token_revoke)

    add_explain_commands(sub)
    sub.add_parser("schema", help="print the GraphQL SDL").set_defaults(func=cmd_schema, no_db=True)
    add_db_option(p)
    return p


def add_db_option(parser: argparse.ArgumentParser) -> None:
    """`--db PATH` on every (sub)command that has no subcommands of its own."""
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    for action in subs:
        for child in set(action.choices.values()):
            add_db_option(child)
    if not subs and parser.prog != "cityledger":
        parser.add_argument(
            "--db", type=Path, help="the SQLite database (default: $CITYLEDGER_DB or var/)"
        )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: errors are one line on stderr and a non-zero exit, never a traceback."""
    args = build_parser().parse_args(argv)
    func: Callable[[Any, argparse.Namespace], None] = args.func
    runtime: Runtime | Reader | None = None
    db = getattr(args, "db", None)
    try:
        if getattr(args, "reads", False):
            require_database(db)
        if getattr(args, "no_db", False):
            runtime = None
        elif func is cmd_verify:
            runtime = open_reader(db)  # verify never writes, not even a read model
        else:
            runtime = open_runtime(db)
        func(runtime, args)
    except CorruptDatabase as error:
        print(f"cityledger: {error.code}: {error.message}", file=sys.stderr)
        return VERIFY_FAILED if func is cmd_verify else 2
    except LedgerError as error:
        print(f"cityledger: {error.code}: {error.message}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader (e.g. `head`) stopped reading: not an error of ours.
        sys.stderr.close()
        return 0
    except OSError as error:
        print(
            f"cityledger: {error.strerror or error}: {error.filename or ''}".rstrip(": "),
            file=sys.stderr,
        )
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # the last line of defence: one line, no traceback
        print(f"cityledger: unexpected {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    finally:
        if runtime is not None:
            runtime.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
