"""City: registering a city records one CityRegistered event with its names."""

from __future__ import annotations

from ledger.city import City
from ledger.ids import aggregate_id
from ledger.verifier import Verifier


def test_registering_a_city_records_city_registered_with_its_names() -> None:
    city = City.register(
        city_id="taizhou-zj",
        name_en="Taizhou",
        name_zh="台州",
        country="CN",
        aliases_zh=["椒江"],
        at=None,
    )

    events = city.collect_events()

    assert [type(e) for e in events] == [City.CityRegistered]
    event = events[0]
    assert isinstance(event, City.CityRegistered)
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
    zhejiang = City.register(
        city_id="taizhou-zj",
        name_en="Taizhou",
        name_zh="台州",
        country="CN",
        aliases_zh=[],
        at=None,
    )
    jiangsu = City.register(
        city_id="taizhou-js",
        name_en="Taizhou",
        name_zh="泰州",
        country="CN",
        aliases_zh=[],
        at=None,
    )

    assert zhejiang.id != jiangsu.id
    assert zhejiang.id == City.key("taizhou-zj")


def test_aggregate_ids_are_namespaced_by_kind() -> None:
    assert City.key("x1") == aggregate_id("city", "x1")
    assert City.key("x1") != Verifier.key("x1")
