"""Argument checks shared by every command (ledger.validate)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger import validate
from ledger.application import Ledger
from ledger.errors import InvalidInput


def bad(value: object) -> Any:
    """A value of the wrong type, passed on purpose."""
    return value


def test_text_is_stripped_and_bounded() -> None:
    assert validate.text("f", "  hi ") == "hi"
    assert validate.text("f", "x" * 10, max_len=10) == "x" * 10
    assert validate.text("f", None, optional=True) == ""
    with pytest.raises(InvalidInput, match="at most 10"):
        validate.text("f", "x" * 11, max_len=10)
    with pytest.raises(InvalidInput, match="must not be empty"):
        validate.text("f", " \t")
    with pytest.raises(InvalidInput, match="must be a string"):
        validate.text("f", 5)


@pytest.mark.parametrize(
    "value",
    ["a\x00b", "\x1b[31mred", "bell\x07", "del\x7f", "csi\x9b", "Tokyo\u202e1 knar", "x\u2066y"],
)
def test_text_refuses_control_characters_naming_the_first(value: str) -> None:
    with pytest.raises(InvalidInput, match=r"holds the control character U\+[0-9A-F]{4} at index"):
        validate.text("title", value)


@pytest.mark.parametrize("value", ["\u200b", " \u200b\u200d ", "\ufeff", "\u00ad\u2060"])
def test_text_that_shows_nothing_is_refused(value: str) -> None:
    with pytest.raises(InvalidInput, match="shows nothing: it holds only invisible characters"):
        validate.text("name_en", value)


def test_text_keeps_tabs_and_line_breaks() -> None:
    assert validate.text("excerpt", "one\ttwo\r\nthree\n") == "one\ttwo\r\nthree"
    # Right-to-left text and its plain marks are text, not controls.
    assert validate.text("title", "دبي\u200f (Dubai)") == "دبي\u200f (Dubai)"


@pytest.mark.parametrize(
    "value", ["https://example.org/a?b=c#d", "http://x.example:8080/", "HTTPS://X.ORG"]
)
def test_web_urls_with_a_host_are_accepted(value: str) -> None:
    assert validate.web_url("url", value) == value


@pytest.mark.parametrize(
    "value",
    [
        "ftp://x.org",
        "https://",
        "https://exa mple.org",
        "https://x.org/a b",
        "http://x:y/",
        "x.org",
    ],
)
def test_web_urls_without_a_host_or_with_spaces_are_refused(value: str) -> None:
    with pytest.raises(InvalidInput, match="is not a web address") as info:
        validate.web_url("url", value)
    assert info.value.value == value


@pytest.mark.parametrize("value", ["a", "asia-2023", "city/taizhou_zj.1", "A" * 120])
def test_valid_ids(value: str) -> None:
    assert validate.ident("id", value) == value


@pytest.mark.parametrize("value", ["", "-a", "a b", "a" * 121, "台州", None, 7, "a\tb"])
def test_invalid_ids_name_the_value(value: object) -> None:
    with pytest.raises(InvalidInput) as info:
        validate.ident("id", value)
    assert info.value.value == value


@pytest.mark.parametrize("value", ["to\u212ayo", "\u017fapporo", "\u0130stanbul", "\u0131zmir"])
def test_ids_refuse_non_ascii_letters_that_match_ascii_ones_ignoring_case(value: str) -> None:
    with pytest.raises(InvalidInput, match="is not a valid id") as info:
        validate.ident("city_id", value)
    assert info.value.value == value


@pytest.mark.parametrize("value", ["zh", "en", "yue", "zh-Hans", "zh-CN"])
def test_valid_language_codes(value: str) -> None:
    assert validate.language("language", value) == value


@pytest.mark.parametrize("value", ["", "z", "ZH", "chinese", "zh_CN", "zh-", None, 1])
def test_invalid_language_codes(value: object) -> None:
    with pytest.raises(InvalidInput):
        validate.language("language", value)


def test_dates_are_normalised() -> None:
    assert validate.iso_date("date", "2024-02-29") == "2024-02-29"
    for value in ["2023-02-29", "2023-13-01", "1 June 2023", "", None]:
        with pytest.raises(InvalidInput):
            validate.iso_date("date", value)


@given(st.integers(min_value=-1000, max_value=1000))
def test_integer_accepts_exactly_the_range(value: int) -> None:
    if 1 <= value <= 100:
        assert validate.integer("n", value, low=1, high=100) == value
    else:
        with pytest.raises(InvalidInput):
            validate.integer("n", value, low=1, high=100)


@pytest.mark.parametrize("value", [True, False, 1.0, "1", None])
def test_integer_refuses_other_types(value: object) -> None:
    with pytest.raises(InvalidInput):
        validate.integer("n", value, low=0, high=100)


def test_string_list_refuses_empty_non_lists_and_repeats() -> None:
    assert validate.string_list("l", ("a", "b")) == ["a", "b"]
    values: list[object] = [[], "ab", None, {"a": 1}]
    for value in values:
        with pytest.raises(InvalidInput):
            validate.string_list("l", value)
    with pytest.raises(InvalidInput) as info:
        validate.string_list("l", ["a", "b", "a"])
    assert info.value.value == "a"
    with pytest.raises(InvalidInput):
        validate.string_list("l", ["a", "b", "c"], max_items=2)


@pytest.mark.parametrize(
    ("check", "value"),
    [(validate.ident, "taizhou\n"), (validate.language, "zh\n")],
)
def test_a_trailing_newline_is_not_valid(check: Any, value: str) -> None:
    with pytest.raises(InvalidInput):
        check("field", value)


def test_aliases_given_as_a_string_are_refused(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "aliases.sqlite")
    try:
        with pytest.raises(InvalidInput):
            ledger.register_city("taizhou-js", "Taizhou", "泰州", "CN", aliases_zh=bad("泰州"))
        assert ledger.head() == 0
    finally:
        ledger.close()
