"""The generator's inputs: the published city list and the 2023 framework."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledger.vocabulary import RankingTable
from projections.bands import BAND_LABELS

DATA_DIR = Path(__file__).resolve().parent / "data"
CITIES_CSV = DATA_DIR / "asia-2023-cities.csv"
FRAMEWORK_JSON = DATA_DIR / "framework-2023.json"

TABLES: tuple[str, ...] = tuple(RankingTable)
BANDS = BAND_LABELS
DT_IDS = ("D1", "D2", "D3", "D4", "T1", "T2", "T3", "T4")
I_IDS = ("I1", "I2", "I3", "I4", "I5", "I6", "I7", "I8")
INDICATOR_IDS = DT_IDS + I_IDS

# Languages (ISO 639-1) in which a city's evidence may be written; English is always allowed.
COUNTRY_LANGUAGES: dict[str, tuple[str, ...]] = {
    "CN": ("zh",),
    "HK": ("zh", "en"),
    "MO": ("zh",),
    "TW": ("zh",),
    "SG": ("en", "zh", "ms", "ta"),
    "JP": ("ja",),
    "KR": ("ko",),
    "IN": ("hi", "en"),
    "BD": ("bn",),
    "PK": ("ur", "en"),
    "IR": ("fa",),
    "TR": ("tr",),
    "RU": ("ru",),
    "KZ": ("kk", "ru"),
    "KG": ("ru",),
    "TJ": ("ru",),
    "UZ": ("uz",),
    "IL": ("he",),
    "ID": ("id",),
    "MY": ("ms",),
    "BN": ("ms",),
    "TH": ("th",),
    "VN": ("vi",),
    "MM": ("my",),
    "MN": ("mn",),
    "LK": ("ta", "en"),
    "PH": ("en",),
    "SA": ("ar",),
    "AE": ("ar",),
    "QA": ("ar",),
    "KW": ("ar",),
    "BH": ("ar",),
    "OM": ("ar",),
    "JO": ("ar",),
    "IQ": ("ar",),
    "LB": ("ar",),
    "FR": ("fr",),
    "US": ("en",),
}
CITY_LANGUAGES: dict[str, tuple[str, ...]] = {
    "kolkata": ("bn", "en"),
    "chennai": ("ta", "en"),
}


@dataclass(frozen=True)
class City:
    """One ranked city as published, with its band in each table."""

    city_id: str
    name_en: str
    name_zh: str
    name_zh_in_report: str
    country: str
    bands: tuple[str, str, str]

    @property
    def aliases_zh(self) -> list[str]:
        """Chinese spellings other than the usual name (e.g. the report's)."""
        return [self.name_zh_in_report] if self.name_zh_in_report != self.name_zh else []

    @property
    def languages(self) -> tuple[str, ...]:
        """Evidence languages: the country's (or the city's own) first, then English."""
        own = CITY_LANGUAGES.get(self.city_id, COUNTRY_LANGUAGES.get(self.country, ()))
        return own if "en" in own else (*own, "en")


def load_cities(path: Path = CITIES_CSV) -> list[City]:
    """The 144 cities in file order."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [
        City(
            city_id=row["city_id"],
            name_en=row["name_en"],
            name_zh=row["name_zh"],
            name_zh_in_report=row["name_zh_in_report"],
            country=row["country"],
            bands=(
                row["band_total"],
                row["band_digital_traditional"],
                row["band_institutional"],
            ),
        )
        for row in rows
    ]


def band_index(band: str) -> int:
    """0 for top 10% ... 3 for 60%-100%."""
    return BANDS.index(band)


def load_framework(path: Path = FRAMEWORK_JSON) -> dict[str, Any]:
    """The framework definition (pillars, indicators, ladders)."""
    with path.open(encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


def max_rungs(framework: dict[str, Any]) -> dict[str, int]:
    """The top rung of every indicator's ladder."""
    return {ind["id"]: max(s["rung"] for s in ind["ladder"]) for ind in framework["indicators"]}
