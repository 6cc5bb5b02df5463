"""Writes the illustrative reference ledgers: python -m reference.generate [--out DIR]."""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from cityledger.importer import Command
from reference.asia import Asia, build_asia
from reference.g20 import build_g20
from reference.inputs import DATA_DIR, INDICATOR_IDS, load_framework
from reference.rungs import TIE_MEMBERS, tie_group
from reference.years import build_2022, build_2024

SEED = 2023
ASIA_FILE = "asia-2023.commands.jsonl"
G20_FILE = "g20-2023.commands.jsonl"
YEAR2022_FILE = "asia-2022.commands.jsonl"
YEAR2024_FILE = "asia-2024.commands.jsonl"
NOTE_FILE = "ILLUSTRATIVE.md"


def write_jsonl(path: Path, commands: Sequence[Command]) -> None:
    """One command per line, UTF-8, newline-terminated."""
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        for command in commands:
            handle.write(command.to_json() + "\n")


def note(asia: Asia, counts: dict[str, Counter[str]]) -> str:
    """The ILLUSTRATIVE.md text: what is real, what is made up, and the final closure."""
    totals = asia.panel.totals()
    cn_national = sorted(c.city_id for c in asia.cities if tie_group(c) == "cn-national")
    groups = {**TIE_MEMBERS, "cn-national": tuple(cn_national)}
    lines = [
        "# Illustrative data: read this first",
        "",
        "The command logs in this directory are **illustrative**. The city list, the Chinese",
        "names and the published bands (`asia-2023-cities.csv`) come from the 2023 report",
        "(Source: Harbor Overseas, 2023 Asian Smart City Ranking). Everything else is made up",
        "by `python -m reference.generate` (fixed seed, deterministic) so that a replay",
        "reproduces all 432 published bands: the ballots, the rungs, every claim, source,",
        "vote and verdict. Sources point to `https://example.org/illustrative/...`, their",
        "titles begin with `[illustrative]` and their excerpts say they are stand-ins.",
        "Panelists (P01-P32), verifiers (V001-...), researchers (R01-R24) and the editor",
        "(E01) are anonymous placeholders, not people.",
        "",
        "## Files",
        "",
        "- `framework-2023.json`: indicators and ladders (D2, I6 from the report; the other",
        "  fourteen ladders are the project's proposal, `proposed: true`).",
        f"- `{ASIA_FILE}`: {sum(counts['asia'].values())} commands, January-July 2023.",
        f"- `{G20_FILE}`: {sum(counts['g20'].values())} commands, August-September 2023,"
        " loaded after the Asian log; it reuses `asia-2023-weights`.",
        f"- `{YEAR2022_FILE}`: {sum(counts['asia-2022'].values())} commands. **No 2022 table is",
        "  published in our sources**: the 2022 framework (`asia-smart-city-2022`, 15",
        "  indicators: D2 and I6 ladders one rung shorter, blockchain and digital twins one",
        "  indicator, rail transit on a two-rung ladder, street lighting instead of unmanned",
        "  vehicles, I5 under its old name), its panel, ballots, evidence and therefore its",
        "  bands are made up. Its city list differs a little from 2023's (Sapporo and George",
        "  Town leave; Dili, Thimphu, Male, Aqaba and Chiang Rai enter in 2023). Evidence is",
        "  dated before the 1 June 2022 cut-off. The ledger began with the 2023 edition, so the",
        "  2022 records are a *retrospective record*: they are recorded in October-December",
        "  2023, after the 2023 editions (the ledger's clock never runs backwards), and carry",
        "  their original dates as data (source dates, vote notes, the publication's `by`). The",
        "  file ends with the lineage of the 2023 framework from the 2022 one (`state_lineage`).",
        f"- `{YEAR2024_FILE}`: {sum(counts['asia-2024'].values())} commands, January-November",
        "  2024: framework version 2 (D1's ladder takes in city or industry AGI as rung 5; its",
        "  lineage is recorded with the revision), a re-weighting by the panel",
        "  (`asia-2024-weights`), Ashgabat leaving and Sapporo and Fukuoka entering, evidence",
        "  through the year, quarterly publications in April, July and October, and no final",
        "  publication yet. Illustrative throughout.",
        "",
        "## Calibration",
        "",
        "Ballot totals A_i (weight = A_i / 32): "
        + ", ".join(f"{i} {totals[i]}" for i in INDICATOR_IDS)
        + ".",
        "",
        "Institutional vectors shared by cities under the same national or municipal rules",
        "(ties are what give the institutional table its 14/48/25/57 sizes):",
        "",
        *[f"- `{group}`: {', '.join(members)}" for group, members in sorted(groups.items())],
        "",
        "## The last round closure changes bands",
        "",
        f"The log's last `close_round` (2023-06-05) accepts claim `{asia.finale.claim_id}`",
        f"(rung {asia.finale.rung}); its first round on 2023-05-30 was undecided. Before that",
        "closure the bands differ from the published ones as follows (table, city, before,",
        "after):",
        "",
        *[f"- {t}: {c}: {b} -> {a}" for t, c, b, a in asia.finale.changes],
        "",
    ]
    return "\n".join(lines)


def generate(out_dir: Path = DATA_DIR) -> dict[str, Counter[str]]:
    """Write both logs and the note into out_dir; returns command counts per log."""
    framework = load_framework()
    asia = build_asia(framework, SEED)
    logs = {
        "asia": asia.timeline.ordered(),
        "g20": build_g20(framework, asia, SEED).ordered(),
        "asia-2022": build_2022(asia, framework, SEED),
        "asia-2024": build_2024(asia, framework, SEED),
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    write_jsonl(out_dir / ASIA_FILE, logs["asia"])
    write_jsonl(out_dir / G20_FILE, logs["g20"])
    write_jsonl(out_dir / YEAR2022_FILE, logs["asia-2022"])
    write_jsonl(out_dir / YEAR2024_FILE, logs["asia-2024"])
    counts = {name: Counter(c.name for c in log) for name, log in logs.items()}
    (out_dir / NOTE_FILE).write_text(note(asia, counts), encoding="utf-8", newline="\n")
    return counts


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=DATA_DIR, help="output directory")
    args = parser.parse_args(argv)
    for name, counter in generate(args.out).items():
        print(f"{name}: {sum(counter.values())} commands", dict(sorted(counter.items())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
