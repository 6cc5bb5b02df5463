"""The report's layout: two columns filled column by column, pinyin or alphabetical order."""

from __future__ import annotations

from fractions import Fraction

from projections.ranking import RankingEntry
from projections.report import columns, layout, ordered


def entry(city_id: str, name_en: str, name_zh: str, band: str = "top 10%") -> RankingEntry:
    """A row with only what the layout reads."""
    return RankingEntry(
        city_id=city_id, name_en=name_en, name_zh=name_zh, score=Fraction(0), rank=1, band=band
    )


def test_left_column_takes_the_odd_city_and_fills_first() -> None:
    assert columns(["a", "b", "c", "d", "e"], "") == [("a", "d"), ("b", "e"), ("c", "")]
    assert columns(["a", "b", "c", "d"], "") == [("a", "c"), ("b", "d")]
    assert columns([1, 2, 3], None) == [(1, 3), (2, None)]


def test_chinese_order_is_pinyin_with_polyphones_right() -> None:
    rows = [entry("xian", "Xi'an", "西安"), entry("chongqing", "Chongqing", "重庆"),
            entry("chengdu", "Chengdu", "成都"), entry("beijing", "Beijing", "北京")]  # fmt: skip
    # 重庆 is Chóngqìng (not zhòng), so it sorts after 成都 (chéng) and before 西安 (xī).
    assert [r.city_id for r in ordered(rows, "zh")] == ["beijing", "chengdu", "chongqing", "xian"]


def test_english_order_is_alphabetical_ignoring_case() -> None:
    rows = [
        entry("b", "bandung", "万隆"),
        entry("a", "Almaty", "阿拉木图"),
        entry("c", "Cebu", "宿务"),
    ]
    assert [r.city_id for r in ordered(rows, "en")] == ["a", "b", "c"]


def test_layout_prints_each_band_with_its_count_and_no_scores() -> None:
    rows = [entry("a", "Almaty", "阿拉木图"), entry("b", "Baku", "巴库", "60%-100%")]
    text = layout(rows, "en")
    assert "top 10% (1)" in text and "60%-100% (1)" in text and "10%-30% (0)" in text
    city_lines = [line for line in text.splitlines() if line.startswith("  ")]
    assert city_lines == ["  Almaty", "  Baku"]
