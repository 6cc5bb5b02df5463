"""Comparing two editions: bands, ranks, the transition matrix, what changed and why."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Annotated, TypeVar

from sqlite_utils import Database

from ledger.doc import Doc, Qualifier
from ledger.errors import InvalidInput, UnknownId
from ledger.fields import Band, ExactScore, IndicatorId, Rank, TableSize
from ledger.vocabulary import RankingTable
from projections import catalogue, evidence, publications
from projections.bands import BAND_LABELS
from projections.catalogue import EditionView
from projections.lineage import FrameworkDiff, framework_diff
from projections.model import from_row, tracking_position
from projections.ranking import TABLES, CityNames, RankingEntry, TablePlacing, placing_pair
from projections.rankings import indicator_scores, rankings
from projections.view import View

POINTS = ("publication", "now")

T = TypeVar("T")
#: A compared city's field in edition a or in edition b.
InA = Annotated[T, Qualifier("in edition a")]
InB = Annotated[T, Qualifier("in edition b")]


class Cut(View):
    """Where an edition is read: a publication's position, or now."""

    edition: EditionView
    position: int
    publication_no: int | None


class ComparedCity(CityNames):
    """A city in both editions: band, rank, N, percentile in each, the move, the split."""

    band_a: InA[Band]
    band_b: InB[Band]
    rank_a: InA[Rank]
    rank_b: InB[Rank]
    n_a: InA[TableSize]
    n_b: InB[TableSize]
    score_a: InA[ExactScore]
    score_b: InB[ExactScore]
    band_move: Annotated[int, Doc("Bands moved up (negative: down).")]
    method_part: Annotated[
        Fraction | None,
        Doc(
            "Score change from re-scoring a's evidence under b's framework and "
            "weights (null where an indicator has no lineage map)."
        ),
    ]
    performance_part: Annotated[
        Fraction | None,
        Doc(
            "Score change from a's evidence to b's, both under b's method; method +"
            " performance = score_b - score_a exactly."
        ),
    ]

    @property
    def percentile_a(self) -> Fraction:
        """Position as a share of the table (rank / N) in a."""
        return Fraction(self.rank_a, self.n_a)

    @property
    def percentile_b(self) -> Fraction:
        """Position as a share of the table (rank / N) in b."""
        return Fraction(self.rank_b, self.n_b)


class OneSided(CityNames, TablePlacing):
    """A city in only one of the two editions: its place in the edition it is in."""


class WeightChange(View):
    """An indicator whose weight differs (None where the indicator is absent)."""

    indicator_id: IndicatorId
    weight_a: Annotated[Fraction | None, Doc("Weight in a (null: absent).")]
    weight_b: Annotated[Fraction | None, Doc("Weight in b (null: absent).")]


class Verdict(View):
    """Whether two edition cuts are comparable (same framework version and weights), and why."""

    comparable: bool
    reasons: tuple[str, ...]
    diff: FrameworkDiff
    weight_diff: tuple[WeightChange, ...]


class Comparison(View):
    """Two editions' tables compared: common cities, entering and leaving ones, what changed."""

    a: Annotated[Cut, Doc("Edition a.")]
    b: Annotated[Cut, Doc("Edition b.")]
    table: Annotated[str, Doc("Which table.")]
    at: Annotated[str, Doc("Latest publications, or now.")]
    verdict: Verdict
    rows: Annotated[tuple[ComparedCity, ...], Doc("Common cities, by English name.")]
    entered: Annotated[tuple[OneSided, ...], Doc("Cities only in b.")]
    left: Annotated[tuple[OneSided, ...], Doc("Cities only in a.")]
    matrix: Annotated[
        tuple[tuple[str, tuple[tuple[str, int], ...]], ...],
        Doc(
            "Band in a (plus 'entered') by band in b (plus 'left'); the 4×4 part "
            "sums to the common cities."
        ),
    ]
    not_comparable_indicators: Annotated[
        tuple[str, ...],
        Doc("Indicators of b's table that a's evidence cannot be re-scored into."),
    ]
    notes: Annotated[tuple[str, ...], Doc("Other things to keep in mind.")]

    @property
    def comparable(self) -> bool:
        """Same framework version and weights."""
        return self.verdict.comparable


def cut(db: Database, edition_id: str, table: str, at: str) -> Cut:
    """The edition's latest publication of the table, or the current head."""
    if at not in POINTS:
        raise InvalidInput(f"at {at!r} is not one of {', '.join(POINTS)}", field="at", value=at)
    edition = catalogue.edition(db, edition_id)
    if at == "now":
        return Cut(edition=edition, position=tracking_position(db), publication_no=None)
    try:
        latest = publications.publication(db, edition_id, table=table)
    except UnknownId as error:
        message = f"{error.message}; compare it at now"
        raise UnknownId(message, field=error.field, value=error.value) from None
    return Cut(edition=edition, position=latest.position, publication_no=latest.publication_no)


def weights_at(db: Database, weight_set_id: str, position: int) -> dict[str, Fraction]:
    """The weights in force at a position (empty before the first revision)."""
    revisions = [r for r in catalogue.weight_revisions(db, weight_set_id) if r.position <= position]
    return dict(revisions[-1].weights) if revisions else {}


def _version(c: Cut) -> tuple[str, int]:
    return (c.edition.framework_id, c.edition.framework_version)


def verdict(db: Database, a: Cut, b: Cut) -> Verdict:
    """Comparable when both cuts use the same framework version and the same weights."""
    diff = framework_diff(db, _version(a), _version(b))
    wa = weights_at(db, a.edition.weight_set_id, a.position)
    wb = weights_at(db, b.edition.weight_set_id, b.position)
    changes = tuple(
        WeightChange(indicator_id=i, weight_a=wa.get(i), weight_b=wb.get(i))
        for i in dict.fromkeys([*wa, *wb])
        if wa.get(i) != wb.get(i)
    )
    reasons = []
    if _version(a) != _version(b):
        reasons.append(
            f"frameworks differ: {a.edition.framework_id} v{a.edition.framework_version} "
            f"against {b.edition.framework_id} v{b.edition.framework_version}"
            + (f" ({len(diff.entries)} indicator change(s))" if diff.linked else f"; {diff.reason}")
        )
    if changes:
        reasons.append(
            f"weights differ on {len(changes)} of {len(set(wa) | set(wb))} indicators "
            f"({a.edition.weight_set_id} against {b.edition.weight_set_id})"
        )
    return Verdict(comparable=not reasons, reasons=tuple(reasons), diff=diff, weight_diff=changes)


def evidence_rungs(
    db: Database, edition_id: str, city_ids: Sequence[str], position: int
) -> dict[str, dict[str, int]]:
    """Per city and indicator, the rung of the claim that supports its score (0: none)."""
    scores = indicator_scores(db, edition_id, city_ids, position)
    claim_ids = [s.claim_id for per in scores.values() for s in per if s.claim_id is not None]
    rung_of = {c.claim_id: c.rung for c in evidence.claims(db, claim_ids=claim_ids)}
    return {
        city: {s.indicator_id: rung_of[s.claim_id] if s.claim_id else 0 for s in per}
        for city, per in scores.items()
    }


def rescore(
    db: Database,
    rungs: dict[str, dict[str, int]],
    target: Cut,
    table: str,
    diff: FrameworkDiff,
) -> tuple[dict[str, Fraction] | None, tuple[str, ...]]:
    """Scores of evidence (rungs on diff.a's indicators) under target's framework and weights.

    None, with the indicators that have no lineage map, when some indicator of the table
    cannot be derived from the evidence rather than guessed.
    """
    # The pillars the target framework sums in this table (every pillar for the total).
    framework = catalogue.framework(db, *_version(target))
    pillars = {p for p, _, sub in framework.pillars if table == RankingTable.TOTAL or sub == table}
    ladder = {
        i.indicator_id: {r.rung: r.points for r in i.ladder}
        for i in catalogue.indicators(db, *_version(target))
        if i.pillar in pillars
    }
    missing = tuple(i for i in ladder if diff.derivation(i).rung_map is None)
    if missing:
        return None, missing
    weight = weights_at(db, target.edition.weight_set_id, target.position)
    maps = {
        i: (diff.derivation(i).source or "", dict(diff.derivation(i).rung_map or ()))
        for i in ladder
    }
    out = {}
    for city, per in rungs.items():
        total = Fraction(0)
        for i, points in ladder.items():
            source, rung_map = maps[i]
            # No supporting claim (rung 0) carries over as no claim.
            mapped = rung_map.get(per.get(source, 0), 0)
            total += (points[mapped] if mapped else 0) * weight.get(i, Fraction(0))
        out[city] = total
    return out, ()


def compare(
    db: Database, edition_a: str, edition_b: str, table: str, at: str = "publication"
) -> Comparison:
    """Compare two editions' tables at their latest publications (or now)."""
    if table not in TABLES:
        raise InvalidInput(
            f"table {table!r} is not one of {', '.join(TABLES)}", field="table", value=table
        )
    a, b = cut(db, edition_a, table, at), cut(db, edition_b, table, at)
    ra = {r.city_id: r for r in rankings(db, edition_a, table, a.position).rows}
    rb = {r.city_id: r for r in rankings(db, edition_b, table, b.position).rows}
    common = [c for c in rb if c in ra]
    v = verdict(db, a, b)
    method: dict[str, Fraction] | None = None
    missing: tuple[str, ...] = ()
    if common:
        rungs = evidence_rungs(db, edition_a, common, a.position)
        method, missing = rescore(db, rungs, b, table, v.diff)
    rows = tuple(_row(ra[c], rb[c], len(ra), len(rb), method) for c in _by_name(common, rb))
    entered = tuple(_one(rb[c], len(rb)) for c in _by_name([c for c in rb if c not in ra], rb))
    left = tuple(_one(ra[c], len(ra)) for c in _by_name([c for c in ra if c not in rb], ra))
    matrix = _matrix(rows, entered, left)
    notes = []
    if len(ra) != len(rb):
        notes.append(f"N differs ({len(ra)} against {len(rb)}): compare percentiles, not ranks")
    if entered or left:
        notes.append(f"{len(entered)} cities entered and {len(left)} left; rows are common cities")
    if missing:
        notes.append(
            "no lineage map for " + ", ".join(missing) + ": method and performance parts are "
            "not computed rather than guessed"
        )
    return Comparison(
        a=a,
        b=b,
        table=table,
        at=at,
        verdict=v,
        rows=rows,
        entered=entered,
        left=left,
        matrix=matrix,
        not_comparable_indicators=missing,
        notes=tuple(notes),
    )


def _by_name(ids: list[str], rows: dict[str, RankingEntry]) -> list[str]:
    return sorted(ids, key=lambda c: (rows[c].name_en.casefold(), c))


def _row(
    x: RankingEntry, y: RankingEntry, n_a: int, n_b: int, method: dict[str, Fraction] | None
) -> ComparedCity:
    rescored = None if method is None else method[x.city_id]
    return ComparedCity(
        city_id=x.city_id,
        name_en=y.name_en,
        name_zh=y.name_zh,
        **placing_pair(x, y, "{}_a", "{}_b"),
        n_a=n_a,
        n_b=n_b,
        band_move=BAND_LABELS.index(x.band) - BAND_LABELS.index(y.band),
        method_part=None if rescored is None else rescored - x.score,
        performance_part=None if rescored is None else y.score - rescored,
    )


def _one(r: RankingEntry, n: int) -> OneSided:
    return from_row(OneSided, vars(r), n=n)


def _matrix(
    rows: Sequence[ComparedCity], entered: Sequence[OneSided], left: Sequence[OneSided]
) -> tuple[tuple[str, tuple[tuple[str, int], ...]], ...]:
    """Band in a (rows, plus 'entered') × band in b (columns, plus 'left'): city counts."""
    out = []
    for band_a in BAND_LABELS:
        cells = [
            (band_b, sum(1 for r in rows if (r.band_a, r.band_b) == (band_a, band_b)))
            for band_b in BAND_LABELS
        ]
        cells.append(("left", sum(1 for r in left if r.band == band_a)))
        out.append((band_a, tuple(cells)))
    cells = [(band_b, sum(1 for r in entered if r.band == band_b)) for band_b in BAND_LABELS]
    out.append(("entered", (*cells, ("left", 0))))
    return tuple(out)


def _exact(value: Fraction | int | None) -> str | None:
    """Exact numbers as strings: "p/q", or an integer's digits."""
    return None if value is None else str(value)


def comparison_json(c: Comparison, *, scores: bool = True) -> dict[str, object]:
    """The stable JSON shape for tools; scores, ranks and weights only when `scores`."""

    def hide(value: Fraction | int | None) -> str | None:
        return _exact(value) if scores else None

    def one(r: OneSided) -> dict[str, object]:
        return {"city_id": r.city_id, "name_en": r.name_en, "band": r.band,
                "rank": hide(r.rank), "n": _exact(r.n), "score": hide(r.score)}  # fmt: skip

    return {
        "a": c.a.edition.edition_id,
        "b": c.b.edition.edition_id,
        "table": c.table,
        "at": c.at,
        "position_a": _exact(c.a.position),
        "position_b": _exact(c.b.position),
        "publication_a": _exact(c.a.publication_no),
        "publication_b": _exact(c.b.publication_no),
        "comparable": c.comparable,
        "reasons": list(c.verdict.reasons),
        "notes": list(c.notes),
        "matrix": {row: {col: n for col, n in cells} for row, cells in c.matrix},
        "entered": [one(r) for r in c.entered],
        "left": [one(r) for r in c.left],
        "rows": [
            {
                "city_id": r.city_id,
                "name_en": r.name_en,
                "band_a": r.band_a,
                "band_b": r.band_b,
                "band_move": _exact(r.band_move),
                "rank_a": hide(r.rank_a),
                "rank_b": hide(r.rank_b),
                "n_a": _exact(r.n_a),
                "n_b": _exact(r.n_b),
                "percentile_a": hide(r.percentile_a),
                "percentile_b": hide(r.percentile_b),
                "score_a": hide(r.score_a),
                "score_b": hide(r.score_b),
                "method_part": hide(r.method_part),
                "performance_part": hide(r.performance_part),
            }
            for r in c.rows
        ],
        "framework_diff": [
            {
                "from": f"{e.from_framework} v{e.from_version}",
                "to": f"{e.to_framework} v{e.to_version}",
                "kind": e.kind,
                "old": list(e.old),
                "new": list(e.new),
                "detail": e.detail,
            }
            for e in c.verdict.diff.entries
        ],
        "weight_diff": [
            {
                "indicator_id": w.indicator_id,
                "weight_a": _exact(w.weight_a),
                "weight_b": _exact(w.weight_b),
            }
            for w in c.verdict.weight_diff
        ]
        if scores
        else [],
        "not_comparable_indicators": list(c.not_comparable_indicators),
    }
