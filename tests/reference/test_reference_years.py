"""The three-year reference history: 2022 (illustrative, retrospective), 2023, 2024 in progress."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cityledger import reference
from cityledger.bootstrap import Runtime, open_runtime
from ledger.errors import InvalidState
from projections import catalogue, evidence, publications
from projections.compare import compare
from projections.history import city_history
from projections.lineage import framework_diff
from projections.ranking import TABLES
from tests.reference.conftest import Upgrade


def test_a_2023_only_database_gets_the_other_years_appended_untouched(upgraded: Upgrade) -> None:
    rt = upgraded.runtime
    assert "asia-2023: already loaded" in upgraded.said
    assert "asia-2022: loaded" in upgraded.said and "asia-2024: loaded" in upgraded.said
    assert rt.ledger.digest_at(upgraded.head_before) == upgraded.digest_before
    assert rt.ledger.head() > upgraded.head_before


def test_a_ledger_whose_head_is_later_is_refused_not_backdated(tmp_path: Path) -> None:
    rt = open_runtime(tmp_path / "late.sqlite")
    try:
        rt.ledger.register_city("hue", "Hue", "顺化", "VN")  # recorded now, after 2024
        head = rt.ledger.head()
        with pytest.raises(InvalidState, match="cannot be appended without backdating"):
            reference.load(rt)
        assert rt.ledger.head() == head
    finally:
        rt.close()


def test_the_2022_edition_is_labelled_illustrative_and_dated_before_its_cutoff(
    loaded: Runtime,
) -> None:
    e = catalogue.edition(loaded.db, "asia-2022")
    assert "illustrative" in e.title and e.framework_id == "asia-smart-city-2022"
    claims = evidence.claims(loaded.db, edition_id="asia-2022", limit=400)
    assert claims and all(s.date <= e.evidence_cutoff for c in claims for s in c.sources)
    assert all(s.title.startswith("[illustrative]") for c in claims for s in c.sources)
    (publication,) = publications.publications(loaded.db, "asia-2022")
    assert "retrospective" in publication.by


def test_asia_2024_has_quarterly_publications_and_no_final_one(loaded: Runtime) -> None:
    found = publications.publications(loaded.db, "asia-2024")
    assert [p.time[:7] for p in found] == ["2024-04", "2024-07", "2024-10"]
    e = catalogue.edition(loaded.db, "asia-2024")
    assert (e.framework_id, e.framework_version) == ("asia-smart-city", 2)
    d1 = next(
        i for i in catalogue.indicators(loaded.db, "asia-smart-city", 2) if i.indicator_id == "D1"
    )
    assert d1.ladder[-1].rung == 5 and "AGI" in d1.ladder[-1].description


def test_the_diff_from_2022_to_2024_follows_the_chain(loaded: Runtime) -> None:
    diff = framework_diff(loaded.db, ("asia-smart-city-2022", 1), ("asia-smart-city", 2))
    assert diff.linked and diff.forward
    kinds = {e.kind for e in diff.entries}
    assert kinds == {"ladder_extended", "split", "rescaled", "added", "dropped", "renamed"}
    assert diff.derivation("T1").rung_map == ((1, 2), (2, 4))
    assert diff.derivation("D1").rung_map == ((1, 1), (2, 2), (3, 3), (4, 4))
    assert diff.derivation("D4").rung_map is None and diff.derivation("T2").rung_map is None


@pytest.mark.parametrize(
    ("a", "b", "tables"),
    [
        ("asia-2022", "asia-2023", ("institutional",)),
        ("asia-2023", "asia-2024", TABLES),
        ("asia-2022", "asia-2024", ("institutional",)),
    ],
)
def test_method_plus_performance_is_the_change_on_the_reference_history(
    loaded: Runtime, a: str, b: str, tables: tuple[str, ...]
) -> None:
    for table in tables:
        c = compare(loaded.db, a, b, table)
        assert not c.comparable and c.not_comparable_indicators == ()
        assert len(c.rows) > 130
        for r in c.rows:
            assert r.method_part is not None and r.performance_part is not None
            assert r.method_part + r.performance_part == r.score_b - r.score_a


def test_the_2022_split_and_added_indicators_are_reported_not_comparable(loaded: Runtime) -> None:
    c = compare(loaded.db, "asia-2022", "asia-2023", "total")
    assert set(c.not_comparable_indicators) == {"D3", "D4", "T2"}
    assert all(r.method_part is None for r in c.rows)
    assert [r.city_id for r in c.left] == ["george-town", "sapporo"]
    assert {r.city_id for r in c.entered} == {"dili", "thimphu", "male", "aqaba", "chiang-rai"}
    matrix = sum(
        n for row, cells in c.matrix if row != "entered" for col, n in cells if col != "left"
    )
    assert matrix == len(c.rows) == 139


def test_the_2023_and_g20_editions_share_framework_and_weights(loaded: Runtime) -> None:
    c = compare(loaded.db, "asia-2023", "g20-2023", "total")
    assert c.comparable and c.verdict.reasons == ()


def test_a_city_history_spans_three_years_oldest_first(loaded: Runtime) -> None:
    h = city_history(loaded.db, "tokyo")
    assert [(e.edition_id, e.publication_no) for e in h.entries] == [
        ("asia-2022", 1), ("asia-2023", 1), ("g20-2023", 1),
        ("asia-2024", 1), ("asia-2024", 2), ("asia-2024", 3),
    ]  # fmt: skip
    assert [s.verdict.comparable for s in h.steps] == [False, True, False]
    assert all(len(e.tables) == 3 for e in h.entries)
    json.dumps([str(e) for e in h.entries])


def test_no_two_reference_editions_on_different_frameworks_are_called_comparable(
    loaded: Runtime,
) -> None:
    editions = catalogue.editions(loaded.db)
    assert len(editions) == 4
    for a in editions:
        for b in editions:
            c = compare(loaded.db, a.edition_id, b.edition_id, "total")
            same = (a.framework_id, a.framework_version) == (b.framework_id, b.framework_version)
            if not same:
                assert not c.comparable and "frameworks differ" in c.verdict.reasons[0]
            if a.edition_id == b.edition_id:
                assert c.comparable and all(r.method_part == 0 for r in c.rows)
