"""What it would take: the fewest ladder steps that move a city one band up or one band down,
with the other cities and the weights held as they are at a cut."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Annotated, Any

from sqlite_utils import Database

from ledger.doc import Doc
from ledger.fields import CityId, IndicatorId
from ledger.vocabulary import RankingTable
from projections.bands import BANDS, band, ranks
from projections.edition_state import edition_state_at
from projections.explain import Cut, require_city, resolve_cut
from projections.ranking import (
    EditionTable,
    Placing,
    indicator_support,
    table_indicators,
    table_scores,
)
from projections.ranking import weights as weights_in_force
from projections.view import View

UP, DOWN = "up", "down"


class Level(View):
    """A place on an indicator's ladder: no rung (0 points) or a rung with its points."""

    rung: int | None
    points: int


class RungChange(View):
    """One indicator moved from one ladder place to another, `steps` rungs apart."""

    indicator_id: IndicatorId
    rung_from: Annotated[int | None, Doc("Rung now (null: no rung).")]
    rung_to: Annotated[int | None, Doc("Rung needed (null: no rung).")]
    points_from: Annotated[int, Doc("Points now.")]
    points_to: Annotated[int, Doc("Points then.")]
    steps: Annotated[int, Doc("Ladder steps between.")]


class BandTarget(View):
    """The smallest change that moves the city into the next band up (or down), if any."""

    direction: Annotated[str, Doc("up or down.")]
    target_band: Annotated[str | None, Doc("The band aimed at (null: none).")]
    possible: Annotated[bool, Doc("Whether the ladders can reach it.")]
    reason: Annotated[str | None, Doc("Why not ('none possible: …').")]
    steps: Annotated[int, Doc("Fewest ladder steps that do it.")]
    changes: Annotated[tuple[RungChange, ...], Doc("The rung changes.")]
    threshold: Annotated[
        Fraction | None,
        Doc("The score line: up needs at least it, down needs below it."),
    ]
    score: Annotated[Fraction | None, Doc("The city's score after the changes.")]
    margin: Annotated[
        Fraction | None,
        Doc("How far past the line, the largest of the fewest steps."),
    ]
    rank: Annotated[int | None, Doc("Rank after the changes.")]
    band: Annotated[str | None, Doc("Band after the changes.")]


class NextBand(Placing, EditionTable):
    """A city's band at a cut and what it would take to move up or down one band."""

    city_id: CityId
    position: Annotated[int, Doc("The cut it holds others and weights at.")]
    up: Annotated[BandTarget, Doc("Into the next band up.")]
    down: Annotated[BandTarget, Doc("Down one band.")]


def ladder_levels(indicator: dict[str, Any]) -> list[Level]:
    """No rung, then each rung of the ladder in rung order."""
    rungs = sorted(indicator["ladder"], key=lambda r: int(r["rung"]))
    return [
        Level(rung=None, points=0),
        *(Level(rung=int(r["rung"]), points=int(r["points"])) for r in rungs),
    ]


def current_level(levels: Sequence[Level], points: int, held: bool) -> int:
    """The ladder place of a city: no rung without a counting claim, else the rung that gives
    its points (the highest when several do)."""
    if not held:
        return 0
    matching = [i for i, level in enumerate(levels) if level.points == points]
    return matching[-1] if matching else 0


def cheapest(
    options: Sequence[Sequence[tuple[int, Fraction, int]]], reaches: Any, better: Any
) -> tuple[int, Fraction, list[int]] | None:
    """Fewest total steps whose gain `reaches`, then the `better` gain (multiple-choice knapsack).

    options[i] lists (steps, gain, level) for indicator i; the answer picks one per indicator.
    """
    # best[k] = (gain, choices) with exactly k steps, the `better` gain for k.
    best: dict[int, tuple[Fraction, list[int]]] = {0: (Fraction(0), [])}
    for per in options:
        nxt: dict[int, tuple[Fraction, list[int]]] = {}
        for k, (gain, chosen) in best.items():
            for steps, g, level in per:
                total = k + steps
                candidate = (gain + g, [*chosen, level])
                if total not in nxt or better(candidate[0], nxt[total][0]):
                    nxt[total] = candidate
        best = nxt
    for k in sorted(best):
        if reaches(best[k][0]):
            return k, best[k][0], best[k][1]
    return None


def next_band(db: Database, edition_id: str, table: str, city_id: str, cut: Cut = None) -> NextBand:
    """The smallest rung changes (fewest ladder steps, then the largest margin) that move the
    city one band up and one band down, others and weights held as at the cut."""
    position = resolve_cut(db, edition_id, cut)
    state = edition_state_at(db, edition_id, position)
    require_city(state, edition_id, table, city_id)
    support = indicator_support(state, edition_id)
    scores = table_scores(state, edition_id, table, support)
    weight = weights_in_force(state, edition_id)
    mine = scores[city_id]
    others = sorted((s for c, s in scores.items() if c != city_id), reverse=True)
    n = len(scores)
    rank = ranks(scores)[city_id]
    labels = [label for _, label in BANDS]
    index = labels.index(band(rank, n))
    ids = table_indicators(state, edition_id, table)
    by_id = {i["id"]: i for i in state.indicators(edition_id)}
    levels = {i: ladder_levels(by_id[i]) for i in ids}
    at = {
        i: current_level(
            levels[i], support[city_id][i].points, support[city_id][i].claim_id is not None
        )
        for i in ids
    }

    def options(direction: str) -> list[list[tuple[int, Fraction, int]]]:
        out = []
        for i in ids:
            here, row = at[i], levels[i]
            out.append(
                [
                    (abs(j - here), weight[i] * (level.points - row[here].points), j)
                    for j, level in enumerate(row)
                    if (j >= here if direction == UP else j <= here)
                ]
            )
        return out

    def target(direction: str) -> BandTarget:
        goal = index - 1 if direction == UP else index + 1
        if not 0 <= goal < len(labels):
            edge = "top" if direction == UP else "bottom"
            return _impossible(direction, None, f"already in the {edge} band", None)
        # Up: rank <= limit of the goal band, i.e. at most limit-1 others strictly above.
        # Down: rank > limit of the current band, i.e. at least `limit` others strictly above.
        limit = int(BANDS[goal if direction == UP else index][0] * n)
        if limit < 1:
            return _impossible(direction, labels[goal], f"the band holds no rank among {n}", None)
        if limit > len(others):
            return _impossible(direction, labels[goal], "too few other cities", None)
        threshold = others[limit - 1]
        needed = threshold - mine
        if direction == UP:
            found = cheapest(options(UP), lambda g: g >= needed, lambda a, b: a > b)
        else:
            found = cheapest(options(DOWN), lambda g: g < needed, lambda a, b: a < b)
        if found is None:
            return _impossible(
                direction,
                labels[goal],
                f"no rungs on this city's ladders take its score "
                f"{'to' if direction == UP else 'below'} {threshold}",
                threshold,
            )
        steps, gain, chosen = found
        changes = tuple(
            RungChange(
                indicator_id=i,
                rung_from=levels[i][at[i]].rung,
                rung_to=levels[i][j].rung,
                points_from=levels[i][at[i]].points,
                points_to=levels[i][j].points,
                steps=abs(j - at[i]),
            )
            for i, j in zip(ids, chosen, strict=True)
            if j != at[i]
        )
        score = mine + gain
        new_rank = 1 + sum(1 for s in others if s > score)
        margin = score - threshold if direction == UP else threshold - score
        return BandTarget(
            direction=direction,
            target_band=labels[goal],
            possible=True,
            reason=None,
            steps=steps,
            changes=changes,
            threshold=threshold,
            score=score,
            margin=margin,
            rank=new_rank,
            band=band(new_rank, n),
        )

    return NextBand(
        edition_id=edition_id,
        table=RankingTable(table),
        city_id=city_id,
        position=position,
        band=labels[index],
        rank=rank,
        score=mine,
        up=target(UP),
        down=target(DOWN),
    )


def _impossible(
    direction: str, goal: str | None, reason: str, threshold: Fraction | None
) -> BandTarget:
    return BandTarget(
        direction=direction,
        target_band=goal,
        possible=False,
        reason=f"none possible: {reason}",
        steps=0,
        changes=(),
        threshold=threshold,
        score=None,
        margin=None,
        rank=None,
        band=None,
    )


def _exact(value: Fraction | None) -> str | None:
    return None if value is None else str(value)


def target_json(t: BandTarget) -> dict[str, Any]:
    """A band target in JSON; exact numbers as "p/q" or integer strings."""
    return {
        "direction": t.direction, "target_band": t.target_band, "possible": t.possible,
        "reason": t.reason, "steps": t.steps,
        "changes": [
            {"indicator_id": c.indicator_id, "rung_from": c.rung_from, "rung_to": c.rung_to,
             "points_from": str(c.points_from), "points_to": str(c.points_to), "steps": c.steps}
            for c in t.changes
        ],
        "threshold": _exact(t.threshold), "score": _exact(t.score), "margin": _exact(t.margin),
        "rank": t.rank, "band": t.band,
    }  # fmt: skip


def counterfactual_json(nb: NextBand) -> dict[str, Any]:
    """What it would take, in JSON."""
    return {
        "city_id": nb.city_id, "edition_id": nb.edition_id, "table": nb.table,
        "position": nb.position, "band": nb.band, "rank": nb.rank, "score": str(nb.score),
        "up": target_json(nb.up), "down": target_json(nb.down),
    }  # fmt: skip


def render_next_band(nb: NextBand) -> str:
    """What it would take, as readable text."""
    out = [
        f"{nb.city_id} in {nb.edition_id} {nb.table} at position {nb.position}: {nb.band}, "
        f"rank {nb.rank}, score {nb.score} (others and weights held)"
    ]
    for t in (nb.up, nb.down):
        head = f"{t.direction} to {t.target_band or '-'}:"
        if not t.possible:
            out.append(f"{head} {t.reason}")
            continue
        out.append(
            f"{head} {t.steps} ladder step(s) give score {t.score} "
            f"({'at least' if t.direction == UP else 'below'} {t.threshold}, margin {t.margin}), "
            f"rank {t.rank}, {t.band}"
        )
        for c in t.changes:
            out.append(
                f"  {c.indicator_id}: rung {c.rung_from or '-'} ({c.points_from} points) -> "
                f"rung {c.rung_to or '-'} ({c.points_to} points)"
            )
    return "\n".join(out) + "\n"
