"""Why tables move: `changes` (band moves and their events), `explain` (one city's move, or
what would move it a band) and `robustness` (bands under resampled ballots)."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from typing import TYPE_CHECKING, Any

from cityledger.cli.arguments import CUT_HELP, add_format, add_table, bounded, parse_as_of
from cityledger.cli.arguments import parse_cut as cut
from ledger.errors import InvalidInput

if TYPE_CHECKING:
    from fractions import Fraction

    from cityledger.bootstrap import Runtime
    from projections.causes import Cause
    from projections.explain import MoveExplanation
    from projections.rankings import BandChange


def _num(value: Fraction) -> str:
    """An exact number with its two-place decimal, e.g. `1103/4 (275.75)`."""
    return str(value) if value.denominator == 1 else f"{value} ({float(value):.2f})"


def _signed(value: Fraction) -> str:
    return ("+" if value >= 0 else "") + str(value)


def cause_line(c: Cause) -> str:
    """One event behind a move: position, time, type, where, who and the score change."""
    claim = f" claim {c.claim_id}" if c.claim_id else ""
    return (
        f"#{c.position} {c.time} {c.type} {c.city_id}/{c.indicator_id}{claim} by "
        f"{c.actor or '?'}: {_signed(c.score_change)} (hash {c.hash[:12]})"
    )


def render_changes(changes: list[BandChange], fmt: str) -> str:
    """Band changes as text, JSON (with their causes) or CSV (one row per city)."""
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
    lines = []
    for c in changes:
        lines.append(
            f"{c.city_id}: {c.before_band} → {c.after_band} (rank {c.before_rank} → {c.after_rank})"
        )
        lines.extend(f"    {cause_line(e)}" for e in c.causes)
    return "".join(f"{line}\n" for line in lines)


def cmd_changes(rt: Runtime, a: argparse.Namespace) -> None:
    """Print the cities whose band moved between two points, with the events behind each move."""
    from projections.rankings import band_changes

    before, after = parse_as_of(a.before, "before"), parse_as_of(a.after, "after")
    rt.catch_up()
    changes = band_changes(rt.db, a.edition, a.table, before, after)
    sys.stdout.write(render_changes(changes, a.format))


def render_explanation(e: MoveExplanation) -> str:
    """An explanation as readable text."""
    from fractions import Fraction

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
        out.extend(f"       {cause_line(c)}" for c in m.causes)
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
            out.extend(f"       {cause_line(x)}" for x in c.causes)
    out.append(f"tie rule decides the band: {'yes' if e.tie_rule_matters else 'no'}")
    return "\n".join(out) + "\n"


def cmd_explain(rt: Runtime, a: argparse.Namespace) -> None:
    """Explain a city's move between two cuts; with --next-band, what it would take."""
    end = None if a.end is None else cut(a.end, "to")
    if a.next_band:
        from projections.counterfactual import counterfactual_json, next_band, render_next_band

        rt.catch_up()
        found = next_band(rt.db, a.edition, a.table, a.city, end)
        text = render_next_band(found) if a.format == "text" else None
        sys.stdout.write(text or json.dumps(counterfactual_json(found), indent=2) + "\n")
        return
    if a.start is None:
        raise InvalidInput("explain needs --from (or --next-band)", field="from")
    start = cut(a.start, "from")
    from projections.explain import explain_move, explanation_json

    rt.catch_up()
    explanation = explain_move(rt.db, a.edition, a.table, a.city, start, end)
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


def add_parsers(sub: argparse._SubParsersAction[Any]) -> None:
    """`changes`, `explain` and `robustness`."""
    changes = sub.add_parser("changes", help="band moves between two points, with their causes")
    add_table(changes)
    changes.add_argument("--before", required=True, help="the earlier point (position or time)")
    changes.add_argument("--after", help="the later point (default: now)")
    add_format(changes, "text", "json", "csv")
    changes.set_defaults(func=cmd_changes, reads=True)

    explain = sub.add_parser("explain", help="why a city moved between two cuts of the log")
    add_table(explain)
    explain.add_argument("--city", required=True, help="city id")
    explain.add_argument("--from", dest="start", help=CUT_HELP)
    explain.add_argument("--to", dest="end", help=f"{CUT_HELP} (default: now)")
    add_format(explain, "text", "json")
    explain.add_argument(
        "--next-band", action="store_true", help="the smallest rung changes up or down a band"
    )
    explain.set_defaults(func=cmd_explain, reads=True)

    robust = sub.add_parser("robustness", help="band probabilities under resampled ballots")
    add_table(robust)
    robust.add_argument(
        "--draws", type=bounded(1, 10_000), default=1000, help="bootstrap draws (1000)"
    )
    robust.add_argument(
        "--seed", type=bounded(0, 2**63 - 1), default=0, help="seed: same seed, same answer"
    )
    add_format(robust, "text", "json")
    robust.set_defaults(func=cmd_robustness, reads=True)
