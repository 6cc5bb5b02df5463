"""The 32-member weighting panel: fields, ballots, revisions (budget allocation of 100 points)."""

from __future__ import annotations

import random
from dataclasses import dataclass

from reference.inputs import INDICATOR_IDS

FIELDS = (
    "public-administration",
    "international-relations-finance",
    "traditional-infrastructure",
    "digital-infrastructure",
)
# A typical ballot per field (D1-D4, T1-T4, I1-I8), each summing to 100.
PROFILES: dict[str, tuple[int, ...]] = {
    "public-administration": (6, 6, 4, 5, 6, 4, 5, 7, 9, 8, 7, 6, 5, 5, 8, 9),
    "international-relations-finance": (6, 7, 6, 6, 8, 4, 6, 5, 6, 5, 8, 4, 8, 8, 7, 6),
    "traditional-infrastructure": (5, 6, 3, 5, 10, 6, 8, 9, 7, 7, 6, 6, 5, 4, 5, 8),
    "digital-infrastructure": (9, 10, 7, 9, 5, 5, 5, 5, 6, 5, 6, 5, 6, 6, 5, 6),
}
PER_FIELD = 8
TRANSFERS_PER_FIELD = 24
LOW, HIGH = 2, 14
# Panelist -> (indicator that gained in the revision, indicator that lost, points moved).
REVISED_SHIFTS = {"P03": ("I5", "I1", 3), "P14": ("I6", "I3", 2), "P21": ("T4", "T1", 2)}
REVISIONS = {
    "P03": "Illustrative: after the panel briefing, more weight on data capitalization.",
    "P14": "Illustrative: rebalanced towards cross-border data flows.",
    "P21": "Illustrative: public health network weighted up after reviewing outbreak response.",
    "P30": "Illustrative: corrected a transposed allocation between D3 and D4.",
}


@dataclass(frozen=True)
class Panel:
    """Panelists with fields, their first ballots, and the revised (final) ballots."""

    fields: dict[str, str]
    first: dict[str, dict[str, int]]
    final: dict[str, dict[str, int]]

    def totals(self) -> dict[str, int]:
        """A_i: the sum of final allocations per indicator (weight = A_i / 32)."""
        return {i: sum(b[i] for b in self.final.values()) for i in INDICATOR_IDS}


def _field_ballots(field: str, rng: random.Random) -> list[list[int]]:
    """Eight ballots around the field profile; balanced transfers keep column sums fixed."""
    ballots = [list(PROFILES[field]) for _ in range(PER_FIELD)]
    for _ in range(TRANSFERS_PER_FIELD):
        a, b = rng.sample(range(PER_FIELD), 2)
        i, j = rng.sample(range(len(INDICATOR_IDS)), 2)
        k = rng.randint(1, 2)
        low = min(ballots[a][j], ballots[b][i]) - k
        high = max(ballots[a][i], ballots[b][j]) + k
        if low >= LOW and high <= HIGH:
            ballots[a][i] += k
            ballots[a][j] -= k
            ballots[b][i] -= k
            ballots[b][j] += k
    return ballots


def build_panel(seed: int) -> Panel:
    """The deterministic panel: P01-P32, eight per field."""
    rng = random.Random(f"{seed}/panel")
    fields: dict[str, str] = {}
    final: dict[str, dict[str, int]] = {}
    number = 0
    for field in FIELDS:
        for ballot in _field_ballots(field, rng):
            number += 1
            pid = f"P{number:02d}"
            fields[pid] = field
            final[pid] = dict(zip(INDICATOR_IDS, ballot, strict=True))
    first = {pid: dict(b) for pid, b in final.items()}
    for pid, (gained, lost, shift) in REVISED_SHIFTS.items():
        first[pid][gained] -= shift
        first[pid][lost] += shift
    first["P30"]["D3"], first["P30"]["D4"] = final["P30"]["D4"], final["P30"]["D3"]
    assert first["P30"] != final["P30"]
    for allocations in (*first.values(), *final.values()):
        assert sum(allocations.values()) == 100 and min(allocations.values()) >= 0
    return Panel(fields=fields, first=first, final=final)
