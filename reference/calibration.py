"""Replays a command log (claim lifecycle, ballots) and computes the published bands."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from ledger.claim import decide
from projections.bands import band, ranks
from reference.inputs import DATA_DIR, INDICATOR_IDS, TABLES, City
from reference.scoring import all_bands, bands, table_scores, weights_from_ballots

__all__ = [
    "ASIA_JSONL", "G20_JSONL", "LedgerState", "all_bands", "band", "bands", "check",
    "edition_bands", "edition_scores", "load_commands", "mismatches", "ranks", "simulate",
    "table_scores", "weights_from_ballots",
]  # fmt: skip

ASIA_JSONL = DATA_DIR / "asia-2023.commands.jsonl"
G20_JSONL = DATA_DIR / "g20-2023.commands.jsonl"


@dataclass
class ClaimState:
    """What the scoring needs to know about one claim."""

    edition_id: str
    city_id: str
    indicator_id: str
    rung: int
    status: str = "pending"  # pending | accepted | rejected | withdrawn
    supersedes: str | None = None
    superseded: bool = False
    accepts: int = 0
    rejects: int = 0


@dataclass
class LedgerState:
    """The replayed state: ladder points, ballots, weights in force, editions, claims."""

    points: dict[str, dict[int, int]] = field(default_factory=dict)
    ballots: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)
    weights: dict[str, dict[str, Fraction]] = field(default_factory=dict)
    editions: dict[str, dict[str, Any]] = field(default_factory=dict)
    claims: dict[str, ClaimState] = field(default_factory=dict)

    def apply(self, command: str, args: Mapping[str, Any]) -> None:
        """Apply one command; commands that do not affect scores are ignored."""
        if command == "define_framework":
            for ind in args["indicators"]:
                self.points[ind["id"]] = {s["rung"]: s["points"] for s in ind["ladder"]}
        elif command in ("cast_ballot", "revise_ballot"):
            ballots = self.ballots.setdefault(args["weight_set_id"], {})
            ballots[args["panelist_id"]] = dict(args["allocations"])
        elif command == "aggregate_weights":
            current = self.ballots[args["weight_set_id"]].values()
            self.weights[args["weight_set_id"]] = weights_from_ballots(current)
        elif command == "create_edition":
            self.editions[args["edition_id"]] = {**args, "cities": []}
        elif command == "include_cities":
            self.editions[args["edition_id"]]["cities"].extend(args["city_ids"])
        else:
            self._apply_claim(command, args)

    def _apply_claim(self, command: str, args: Mapping[str, Any]) -> None:
        """Claim lifecycle: submission, supersession, rounds, votes, withdrawal."""
        if command == "submit_claim":
            self.claims[args["claim_id"]] = ClaimState(
                args["edition_id"], args["city_id"], args["indicator_id"], args["rung"],
                supersedes=args.get("supersedes"),
            )  # fmt: skip
            return
        claim = self.claims.get(args.get("claim_id", ""))
        if claim is None:
            return
        if command == "withdraw_claim":
            claim.status = "withdrawn"
        elif command == "open_round":
            claim.accepts = claim.rejects = 0
        elif command == "cast_vote":
            if args["decision"] == "accept":
                claim.accepts += 1
            else:
                claim.rejects += 1
        elif command == "close_round":
            outcome = decide(
                claim.accepts, claim.rejects, self.editions[claim.edition_id]["quorum"]
            )
            if outcome in ("accepted", "rejected"):
                claim.status = outcome
            # A correction replaces the claim it supersedes when it is accepted, not before.
            old = self.claims.get(claim.supersedes or "")
            if outcome == "accepted" and old is not None and old.status != "withdrawn":
                old.superseded = True


def load_commands(path: Path) -> list[dict[str, Any]]:
    """The commands of a JSON-lines log, in file order."""
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def simulate(
    commands: Iterable[Mapping[str, Any]], state: LedgerState | None = None
) -> LedgerState:
    """Replay commands (optionally on top of an earlier state)."""
    state = state or LedgerState()
    for command in commands:
        state.apply(command["command"], command["args"])
    return state


def edition_scores(state: LedgerState, edition_id: str) -> dict[str, dict[str, int]]:
    """Points per city per indicator: highest accepted, not withdrawn, not superseded rung."""
    cities = state.editions[edition_id]["cities"]
    scores = {city: dict.fromkeys(INDICATOR_IDS, 0) for city in cities}
    for claim in state.claims.values():
        if claim.edition_id != edition_id or claim.status != "accepted" or claim.superseded:
            continue
        points = state.points[claim.indicator_id][claim.rung]
        row = scores[claim.city_id]
        row[claim.indicator_id] = max(row[claim.indicator_id], points)
    return scores


def edition_bands(state: LedgerState, edition_id: str) -> dict[str, dict[str, str]]:
    """Bands per table per city of one edition, with the weights in force."""
    weights = state.weights[state.editions[edition_id]["weight_set_id"]]
    return all_bands(edition_scores(state, edition_id), weights)


def check(path: Path = ASIA_JSONL, edition_id: str = "asia-2023") -> dict[str, dict[str, str]]:
    """Replay the log at path and return the edition's bands per table."""
    return edition_bands(simulate(load_commands(path)), edition_id)


def mismatches(
    computed: Mapping[str, Mapping[str, str]], cities: Sequence[City]
) -> list[tuple[str, str, str, str]]:
    """(table, city, computed band, published band) for every disagreement."""
    return [
        (table, city.city_id, computed[table].get(city.city_id, "missing"), city.bands[k])
        for city in cities
        for k, table in enumerate(TABLES)
        if computed[table].get(city.city_id) != city.bands[k]
    ]
