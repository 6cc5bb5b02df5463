"""The anonymous verifier pool: 21 languages, 2-4 languages per verifier, most with English."""

from __future__ import annotations

from collections.abc import Sequence

LANGUAGES_21 = (
    "zh", "ja", "ko", "en", "ar", "hi", "bn", "ur", "fa", "tr", "ru",
    "id", "ms", "th", "vi", "he", "kk", "my", "ta", "uz", "mn",
)  # fmt: skip
_POOL: tuple[tuple[str, ...], ...] = (
    ("zh", "en"), ("zh", "en"), ("zh", "en"), ("zh", "en"), ("zh", "en", "ja"),
    ("zh", "en", "ko"), ("zh", "en", "ms"), ("zh", "en"), ("zh", "ja"), ("zh", "en", "vi"),
    ("zh", "en", "th"), ("zh", "en", "my"), ("ja", "en"), ("ja", "en"), ("ja", "en", "ko"),
    ("ja", "en"), ("ko", "en"), ("ko", "en"), ("ko", "en"), ("ar", "en"),
    ("ar", "en"), ("ar", "en", "fa"), ("ar", "en", "he"), ("ar", "en", "ur"), ("ar", "en"),
    ("ar", "tr", "en"), ("ar", "fa"), ("hi", "en"), ("hi", "en", "ur"), ("hi", "en", "bn"),
    ("hi", "en", "ta"), ("hi", "en"), ("bn", "en"), ("bn", "en"), ("ur", "en"),
    ("ur", "en", "fa"), ("fa", "en"), ("fa", "en", "tr"), ("tr", "en"), ("tr", "en", "ru"),
    ("tr", "en"), ("ru", "en"), ("ru", "en", "kk"), ("ru", "en", "uz"), ("ru", "en"),
    ("ru", "kk", "uz"), ("kk", "ru", "en"), ("uz", "ru", "en"), ("id", "en", "ms"), ("id", "en"),
    ("id", "en"), ("ms", "en"), ("ms", "en"), ("th", "en"), ("th", "en"),
    ("th", "en"), ("vi", "en"), ("vi", "en"), ("vi", "en"), ("he", "en"),
    ("he", "en"), ("he", "en", "ar"), ("he", "en", "ru"), ("my", "en"), ("my", "en"),
    ("my", "en", "th"), ("ta", "en"), ("ta", "en"), ("mn", "en"), ("mn", "en", "ru"),
    ("mn", "en", "zh"), ("kk", "ru", "en"), ("bn", "en"), ("bn", "en", "hi"), ("ur", "en"),
    ("fa", "en"), ("kk", "ru", "en"), ("kk", "en"), ("uz", "en"), ("uz", "ru", "en"),
    ("uz", "en"), ("id", "en"), ("id", "en", "ms"), ("vi", "en"), ("my", "en"),
    ("ta", "en"), ("ta", "en", "ms"), ("mn", "en"), ("mn", "en"), ("zh", "en", "ta"),
)  # fmt: skip
# Verifiers enrolled for the G20 edition (French evidence for Paris).
G20_POOL: tuple[tuple[str, ...], ...] = (("fr", "en"), ("fr", "en", "ar"), ("fr", "en"))


def asia_verifiers() -> dict[str, list[str]]:
    """V001... with the languages each reads."""
    return {f"V{n:03d}": list(langs) for n, langs in enumerate(_POOL, start=1)}


def g20_verifiers() -> dict[str, list[str]]:
    """Extra verifiers enrolled for the G20 edition, numbered after the Asian pool."""
    start = len(_POOL) + 1
    return {f"V{n:03d}": list(langs) for n, langs in enumerate(G20_POOL, start=start)}


def eligible(pool: dict[str, list[str]], languages: Sequence[str]) -> list[str]:
    """Verifiers who read every one of the given languages, in id order."""
    return sorted(v for v, langs in pool.items() if all(lang in langs for lang in languages))
