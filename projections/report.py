"""The report's layout: each band's cities in two columns, alphabetical or in pinyin order."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from projections.bands import BAND_LABELS, ZH_BANDS
from projections.ranking import RankingEntry

T = TypeVar("T")
E = TypeVar("E")


def pinyin_key(name_zh: str) -> tuple[str, str, str]:
    """Order by toneless pinyin, then tone numbers, then the characters themselves."""
    # Imported on first use: pypinyin's dictionaries take a fifth of a second to load.
    from pypinyin import Style, lazy_pinyin

    plain = " ".join(lazy_pinyin(name_zh, style=Style.NORMAL))
    toned = " ".join(lazy_pinyin(name_zh, style=Style.TONE3))
    return plain, toned, name_zh


def ordered(rows: Sequence[RankingEntry], lang: str) -> list[RankingEntry]:
    """Cities of a band in the report's order for the language."""
    if lang == "zh":
        return sorted(rows, key=lambda r: (pinyin_key(r.name_zh), r.city_id))
    return sorted(rows, key=lambda r: (r.name_en.casefold(), r.city_id))


def columns(items: Sequence[T], empty: E) -> list[tuple[T, T | E]]:
    """Two columns filled column by column; the left one takes the odd city (its row's right
    cell is `empty`)."""
    half = (len(items) + 1) // 2
    left, right = items[:half], items[half:]
    return [(left[i], right[i] if i < len(right) else empty) for i in range(half)]


def layout(rows: Sequence[RankingEntry], lang: str) -> str:
    """The whole table as the report prints it: bands in order, no scores."""
    lines: list[str] = []
    for label in BAND_LABELS:
        members = ordered([r for r in rows if r.band == label], lang)
        title = ZH_BANDS[label] if lang == "zh" else label
        lines.append(f"{title} ({len(members)})")
        names = [r.name_zh if lang == "zh" else r.name_en for r in members]
        width = max((_width(n) for n in names), default=0) + 4
        for left, right in columns(names, ""):
            lines.append(("  " + left + " " * (width - _width(left)) + right).rstrip())
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _width(text: str) -> int:
    """Display width: CJK characters take two cells."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
