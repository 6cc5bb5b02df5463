"""`make bench-scale`: generated ledgers of 100k and 1M events, and how each figure grows with N.

    python -m benchmarks.scale [--events N ...] [--keep DIR]

Each size is built by `benchmarks.generate` in a process of its own, then measured in another
(so that each process's peak RSS is its own): import rate, rebuild and verify beside the limits
measured in the same run, storage, as-of p50/p99 at several positions, the current table, one
publication at the head; then `cityledger verify` (the log and the read side) runs in a third,
read-only, for its rate and its own peak RSS. The table goes to stdout (Markdown, for the
README); progress to stderr.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

SIZES = (100_000, 1_000_000)
#: As-of samples per anchor position (p99 over this many is close to the worst of them).
SAMPLES = 30
#: Anchors, as shares of the log, where as-of tables are sampled (the samples spread 3,000
#: positions before each, so that they fall at every distance from a checkpoint).
ANCHORS = (0.1, 0.5, 0.9, 1.0)
SPREAD = 3000


def say(line: str) -> None:
    """Progress on stderr."""
    print(line, file=sys.stderr, flush=True)


def child(args: list[str]) -> dict[str, Any]:
    """Run `python -m benchmarks.scale <args>` in a process of its own; its JSON answer."""
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.scale", *args], stdout=subprocess.PIPE, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"benchmarks.scale {' '.join(args)} failed ({done.returncode})")
    answer: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


def peak_rss() -> float:
    """This process's peak resident memory, in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    """CPU time this process has used (on a shared machine, wall time also measures others)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# ---- the build (child process) -------------------------------------------------------------


def build(events: int, path: Path) -> dict[str, Any]:
    """Generate the ledger (log only; the read models are built by the measured rebuild)."""
    from benchmarks.generate import generate
    from cityledger.bootstrap import open_runtime

    rt = open_runtime(path)
    try:
        start = time.perf_counter()
        done = [0]
        last = [start]

        def tick(count: int) -> None:
            done[0] += count
            if time.perf_counter() - last[0] > 30:
                last[0] = time.perf_counter()
                say(f"  recorded {done[0]:,} of {events:,} events")

        commands, head = generate(rt, events, 2023, tick)
        seconds = time.perf_counter() - start
    finally:
        rt.close()
    built = {
        "events": head,
        "commands": commands,
        "seconds": seconds,
        "cpu_s": cpu_seconds(),
        "rss_mib": peak_rss(),
    }
    path.with_suffix(".build.json").write_text(json.dumps(built), encoding="utf-8")
    return built


# ---- the measurements (child process) ------------------------------------------------------


def percentile(samples: Sequence[float], share: float) -> float:
    """The nearest-rank percentile."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def once(fn: Callable[[], object]) -> float:
    """Wall time of one call, in seconds."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def measure(path: Path) -> dict[str, Any]:
    """Every figure on one generated ledger (its read models are rebuilt here)."""
    from benchmarks.reference_ledger import decode_limit, storage_figure
    from benchmarks.throughput import chain_limit
    from cityledger.bootstrap import open_runtime
    from cityledger.loading import copy_database
    from ledger.integrity import verify_log
    from projections.rankings import rankings

    rt = open_runtime(path)
    try:
        head = rt.ledger.head()
        out: dict[str, Any] = {"events": head}
        peaks = out["peak_after"] = {"open": peak_rss()}
        say("  select_notifications + decode …")
        out["decode_limit"] = head / once(lambda: decode_limit(rt))
        peaks["decode"] = peak_rss()
        say("  rebuild every read model …")
        out["rebuild"] = head / once(rt.follower.rebuild)
        peaks["rebuild"] = peak_rss()
        say("  scan + canonical + SHA-256 …")
        out["chain_limit"] = head / once(lambda: chain_limit(str(path)))
        peaks["chain"] = peak_rss()
        say("  verify …")
        report: list[Any] = []
        out["verify"] = head / once(lambda: report.append(verify_log(rt.ledger, rt.db.conn)))
        out["verify_ok"] = bool(report[0].ok)
        storage = storage_figure(rt)
        out["read_mib"], out["events_mib"] = storage.value, storage.limit
        out["file_mib"] = sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) / (
            1024 * 1024
        )
        peaks["verify"] = peak_rss()
        say("  as-of tables …")
        first, last = editions(rt)
        out["first_edition"], out["last_edition"] = first[0], last[0]
        rng = random.Random(2023)
        as_of: dict[str, list[float]] = {}
        for anchor in ANCHORS:
            top = min(head, max(first[1] + SPREAD, round(head * anchor)))
            positions = [rng.randint(max(first[1], top - SPREAD), top) for _ in range(SAMPLES)]
            rankings(rt.db, first[0], "total", positions[0])  # warm the connection's caches
            as_of[f"{anchor:g}"] = [
                1000 * once(partial(rankings, rt.db, first[0], "total", p)) for p in positions
            ]
        out["as_of"] = {
            k: {"p50": percentile(v, 0.5), "p99": percentile(v, 0.99)} for k, v in as_of.items()
        }
        every = [s for v in as_of.values() for s in v]
        out["as_of_all"] = {"p50": percentile(every, 0.5), "p99": percentile(every, 0.99)}
        out["current_ms"] = statistics.median(
            1000 * once(lambda: rankings(rt.db, last[0], "total")) for _ in range(9)
        )
        peaks["as-of"] = peak_rss()
    finally:
        rt.close()
    # The publications write to the log: on a copy, so that a kept ledger stays as it was
    # generated (each run appended one to it, and later runs measured a longer log).
    say("  one publication at the head, on a copy …")
    work = path.with_name(f"{path.stem}.publish{path.suffix}")
    try:
        out["copy_s"] = once(lambda: copy_database(path, work))
        rt = open_runtime(work)
        try:
            out["publish_s"] = once(
                lambda: rt.ledger.publish(
                    last[0], by="bench", force=True, reason="scale benchmark: the cost at the head"
                )
            )
            # Unforced, it also tries each pending claim and open appeal of the edition (one
            # what-if ranking each): refused or not, its cost follows its open decisions.
            out["check_s"] = once(lambda: unforced(rt, last[0]))
            out["published_head"] = rt.ledger.head()
        finally:
            rt.close()
    finally:
        for copied in work.parent.glob(work.name + "*"):
            copied.unlink()
    out["rss_mib"], out["cpu_s"] = peak_rss(), cpu_seconds()
    out["peak_after"]["publish"] = out["rss_mib"]
    path.with_suffix(".measure.json").write_text(json.dumps(out), encoding="utf-8")
    return out


def unforced(rt: Any, edition_id: str) -> None:
    """An unforced publication at the head (refused while evidence could move a band)."""
    from ledger.errors import InvalidState

    with suppress(InvalidState):
        rt.ledger.publish(edition_id, by="bench")


def check(path: Path) -> dict[str, Any]:
    """What `cityledger verify` runs (the log, then the read models against a replay), read-only
    in a process of its own: its rate, its verdict and its peak RSS (the read model's state,
    not the log's length)."""
    from cityledger.bootstrap import open_reader
    from projections.replaycheck import verify_read_side

    opened = peak_rss()
    rt = open_reader(path)
    try:
        head = rt.ledger.head()
        report: list[Any] = []
        rate = head / once(lambda: report.append(verify_read_side(rt.ledger, rt.db.conn)))
    finally:
        rt.close()
    if not report[0].ok:
        say(f"  cityledger verify: {report[0].summary}")
    return {
        "verify_full": rate,
        "verify_full_ok": bool(report[0].ok),
        "verify_full_rss_mib": peak_rss(),
        "verify_start_rss_mib": opened,
    }


def editions(rt: Any) -> tuple[tuple[str, int], tuple[str, int]]:
    """(first edition, position of its first weights), (last edition created, its position)."""
    rows = rt.db.execute(
        "SELECT e.edition_id, MIN(v.position) FROM editions e JOIN events v "
        "ON v.owner_key = e.weight_set_id AND v.type IN ('WeightsAggregated', 'WeightsSet') "
        "GROUP BY e.edition_id ORDER BY MIN(v.position)"
    ).fetchall()
    return (rows[0][0], int(rows[0][1])), (rows[-1][0], int(rows[-1][1]))


# ---- the table ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Size:
    """One size's figures: the build's and the measurement's (each with its process's peak
    RSS), and the wall time of both."""

    built: dict[str, Any]
    measured: dict[str, Any]
    seconds: float


def table(sizes: Sequence[Size]) -> str:
    """The Markdown table: one row per figure, one column per size."""
    head = "| figure | " + " | ".join(f"{s.measured['events']:,} events" for s in sizes) + " |"
    rows = [head, "|---|" + "---|" * len(sizes)]

    def row(name: str, cell: Callable[[Size], str]) -> None:
        rows.append(f"| {name} | " + " | ".join(cell(s) for s in sizes) + " |")

    def ratio(numerator: str, denominator: str) -> Callable[[Size], str]:
        return lambda s: f"{s.measured[numerator] / s.measured[denominator]:.2f}"

    row("import (batched commands, every check)", lambda s: (
        f"{s.built['commands'] / s.built['seconds']:,.0f} commands/s"))  # fmt: skip
    row("rebuild every read model", lambda s: f"{s.measured['rebuild']:,.0f} events/s")
    row("… limit: select_notifications + decode", lambda s: (
        f"{s.measured['decode_limit']:,.0f} events/s"))  # fmt: skip
    row("… ratio (target ≥ 0.5)", ratio("rebuild", "decode_limit"))
    row("verify", lambda s: f"{s.measured['verify']:,.0f} events/s")
    row("… limit: scan + canonical + SHA-256", lambda s: (
        f"{s.measured['chain_limit']:,.0f} rows/s"))  # fmt: skip
    row("… ratio (target ≥ 0.7)", ratio("verify", "chain_limit"))
    row("cityledger verify (also the read models and published tables)", lambda s: (
        f"{s.measured['verify_full']:,.0f} events/s"))  # fmt: skip
    row("… ratio to scan + canonical + SHA-256", ratio("verify_full", "chain_limit"))
    row("… peak RSS of its own process (at its start)", lambda s: (
        f"{s.measured['verify_full_rss_mib']:,.0f} MiB "
        f"({s.measured['verify_start_rss_mib']:,.0f} MiB)"))  # fmt: skip
    row("stored events", lambda s: f"{s.measured['events_mib']:,.0f} MiB")
    row("read models + checkpoints", lambda s: f"{s.measured['read_mib']:,.0f} MiB")
    row("… ratio (target ≤ 2)", ratio("read_mib", "events_mib"))
    row("database file", lambda s: f"{s.measured['file_mib']:,.0f} MiB")

    def as_of(anchor: float) -> Callable[[Size], str]:
        def cell(s: Size) -> str:
            at = s.measured["as_of"][f"{anchor:g}"]
            return f"{at['p50']:.0f} / {at['p99']:.0f} ms"

        return cell

    for anchor in ANCHORS:
        label = "the head" if anchor == 1.0 else f"{anchor:.0%} of the log"
        row(f"as-of table near {label}, p50 / p99", as_of(anchor))
    row("as-of, all samples, p50 / p99 (target < 50 / < 150)", lambda s: (
        f"{s.measured['as_of_all']['p50']:.0f} / "
        f"{s.measured['as_of_all']['p99']:.0f} ms"))  # fmt: skip
    row("current table (latest edition)", lambda s: f"{s.measured['current_ms']:.1f} ms")
    row("one publication at the head (forced; on a copy, made in)", lambda s: (
        f"{s.measured['publish_s']:.2f} s"
        + (f" ({s.measured['copy_s']:.1f} s)" if "copy_s" in s.measured else "")))  # fmt: skip
    row("… unforced: the what-if of each pending claim and open appeal", lambda s: (
        f"{s.measured['check_s']:.2f} s" if "check_s" in s.measured else "—"))  # fmt: skip
    row("peak RSS: build / rebuild + measure", lambda s: (
        f"{s.built['rss_mib']:,.0f} / {s.measured['rss_mib']:,.0f} MiB"))  # fmt: skip
    row("peak RSS after decode / rebuild / verify / as-of / publish", lambda s: " / ".join(
        f"{s.measured['peak_after'][k]:,.0f}"
        for k in ("decode", "rebuild", "verify", "as-of", "publish")
    ) + " MiB")  # fmt: skip
    row("wall time: build / measure", lambda s: (
        f"{s.built['seconds'] / 60:.1f} / {s.measured['seconds'] / 60:.1f} min"))  # fmt: skip

    def cpu(s: Size) -> str:
        # Builds kept from before CPU time was recorded have none.
        build = f"{s.built['cpu_s'] / 60:.1f}" if "cpu_s" in s.built else "—"
        return f"{build} / {s.measured['cpu_s'] / 60:.1f} min"

    row("CPU time: build / measure", cpu)
    return "\n".join(rows)


def run(events: Sequence[int], keep: Path | None) -> int:
    """Build and measure each size; print the table. With `keep`, the ledgers stay there and
    a ledger already built there (with its build figures) is measured again, not rebuilt."""
    sizes = []
    with tempfile.TemporaryDirectory(prefix="cityledger-scale-") as tmp:
        where = keep or Path(tmp)
        where.mkdir(parents=True, exist_ok=True)  # a kept directory is made on first use
        for n in events:
            path = where / f"scale-{n}.sqlite"
            meta = path.with_suffix(".build.json")
            if keep is not None and meta.exists() and path.exists():
                say(f"== {n:,} events: reusing {path}")
                built = json.loads(meta.read_text(encoding="utf-8"))
            else:
                for old in where.glob(path.name + "*"):
                    old.unlink()
                say(f"== {n:,} events: building {path} …")
                built = child(["build", str(n), str(path)])
            say(f"   {built['commands'] / built['seconds']:,.0f} commands/s; measuring …")
            start = time.perf_counter()
            measured = child(["measure", str(path)])
            measured["seconds"] = time.perf_counter() - start
            say("   cityledger verify, in a process of its own …")
            measured.update(child(["verify", str(path)]))
            sizes.append(Size(built, measured, built["seconds"] + measured["seconds"]))
            say(f"   measured in {measured['seconds'] / 60:.1f} min")
            print(table(sizes[-1:]), flush=True)
    print()
    print(table(sizes))
    ok = all(s.measured["verify_ok"] and s.measured["verify_full_ok"] for s in sizes)
    return 0 if ok else 1


def main(argv: Sequence[str] | None = None) -> int:
    """`build N PATH`, `measure PATH` and `verify PATH` run in child processes; otherwise,
    the whole run."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["build"]:
        print(json.dumps(build(int(argv[1]), Path(argv[2]))))
        return 0
    if argv[:1] == ["measure"]:
        print(json.dumps(measure(Path(argv[1]))))
        return 0
    if argv[:1] == ["verify"]:
        print(json.dumps(check(Path(argv[1]))))
        return 0
    p = argparse.ArgumentParser(prog="python -m benchmarks.scale", description=__doc__)
    p.add_argument("--events", type=int, nargs="+", default=list(SIZES), help="sizes to build")
    p.add_argument("--keep", type=Path, help="keep the generated ledgers in this directory")
    args = p.parse_args(argv)
    return run(args.events, args.keep)


if __name__ == "__main__":
    sys.exit(main())
