"""City: registering a city records one CityRegistered event with its names."""

from __future__ import annotations

from ledger.city import City
from ledger.ids import aggregate_id
from ledger.verifier import Verifier
from tests.support.aggregates import only_event


def taizhou(city_id: str, name_zh: str, aliases_zh: list[str]) -> City:
    """A Chinese city named Taizhou in English, just registered."""
    return City.register(
        city_id=city_id, name_en="Taizhou", name_zh=name_zh, country="CN", aliases_zh=aliases_zh,
        at=None,
    )  # fmt: skip


def test_registering_a_city_records_city_registered_with_its_names() -> None:
    city = taizhou("taizhou-zj", "台州", ["椒江"])

    event = only_event(city, City.CityRegistered)
    assert (event.city_id, event.name_en, event.name_zh, event.country, event.aliases_zh) == (
        "taizhou-zj",
        "Taizhou",
        "台州",
        "CN",
        ["椒江"],
    )
    assert event.originator_id == City.key("taizhou-zj")
    assert event.originator_version == 1
    assert (city.city_id, city.version) == ("taizhou-zj", 1)


def test_two_cities_with_the_same_name_have_different_aggregate_ids() -> None:
    zhejiang = taizhou("taizhou-zj", "台州", [])
    jiangsu = taizhou("taizhou-js", "泰州", [])

    assert zhejiang.id != jiangsu.id
    assert zhejiang.id == City.key("taizhou-zj")


def test_aggregate_ids_are_namespaced_by_kind() -> None:
    assert City.key("x1") == aggregate_id("city", "x1")
    assert City.key("x1") != Verifier.key("x1")
