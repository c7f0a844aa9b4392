"""Resolving registry county codes and names to today's Sichuan counties."""

from __future__ import annotations

import pytest

from ingest.divisions import CountyError, cities, counties, resolve_city, resolve_county


def test_seed_has_21_prefectures_and_183_counties() -> None:
    assert len(cities()) == 21
    assert len(counties()) == 183


def test_current_county_code_resolves_with_its_city() -> None:
    match = resolve_county("510623")
    assert (match.code, match.name, match.city_code, match.city_name) == (
        "510623",
        "中江县",
        "510600",
        "德阳市",
    )
    assert match.mapped_from is None


def test_retired_pixian_code_maps_to_pidu_district_and_says_so() -> None:
    match = resolve_county("510124")
    assert (match.code, match.name) == ("510117", "郫都区")
    assert match.mapped_from == "510124 郫县"
    assert match.mapping_verified


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("510132", "510118"),
        ("510626", "510604"),
        ("510922", "510981"),
        ("511028", "511083"),
        ("511521", "511504"),
        ("513425", "513402"),
    ],
)
def test_verified_retired_codes_map_to_todays_county(old: str, new: str) -> None:
    assert resolve_county(old).code == new


def test_unverified_retired_code_maps_but_is_flagged() -> None:
    match = resolve_county("512081")
    assert match.code == "510185"
    assert match.city_code == "510100"
    assert not match.mapping_verified


@pytest.mark.parametrize("code", ["510101", "511001", "511071", "511771", "511971"])
def test_statistical_only_code_is_rejected(code: str) -> None:
    with pytest.raises(CountyError) as caught:
        resolve_county(code)
    assert caught.value.reason_code == "statistical_code"
    assert code in caught.value.title


def test_development_zone_names_its_zone() -> None:
    with pytest.raises(CountyError, match="内江经济开发区"):
        resolve_county("511071")


def test_non_sichuan_code_is_rejected() -> None:
    with pytest.raises(CountyError) as caught:
        resolve_county("500101")
    assert caught.value.reason_code == "not_sichuan"


def test_prefecture_code_is_not_a_county() -> None:
    with pytest.raises(CountyError) as caught:
        resolve_county("511100")
    assert caught.value.reason_code == "not_county"
    assert "乐山市" in caught.value.title


@pytest.mark.parametrize("name", ["郫都区", "郫都", " 郫都区 ", "郫县", "四川省郫都区"])
def test_pidu_resolves_by_name_with_or_without_suffix(name: str) -> None:
    assert resolve_county(name).code == "510117"


def test_autonomous_county_resolves_by_short_name() -> None:
    assert resolve_county("北川").code == "510726"
    assert resolve_county("马边彝族自治县").code == "511133"


def test_bare_shizhong_district_is_ambiguous_and_names_both_candidates() -> None:
    with pytest.raises(CountyError) as caught:
        resolve_county("市中区")
    error = caught.value
    assert error.reason_code == "ambiguous_county"
    assert "内江市市中区 (511002)" in error.title
    assert "乐山市市中区 (511102)" in error.title


@pytest.mark.parametrize(
    ("name", "code"),
    [("乐山市市中区", "511102"), ("内江市中区", "511002"), ("内江市市中区", "511002")],
)
def test_prefecture_before_the_name_settles_the_ambiguity(name: str, code: str) -> None:
    assert resolve_county(name).code == code


@pytest.mark.parametrize("text", ["", "郫", "重庆市渝中区", "51011"])
def test_unknown_text_is_rejected_as_unknown_county(text: str) -> None:
    with pytest.raises(CountyError) as caught:
        resolve_county(text)
    assert caught.value.reason_code == "unknown_county"


def test_city_resolves_by_short_or_full_name() -> None:
    assert resolve_city("凉山").code == "513400"
    assert resolve_city("巴中市").code == "511900"
    assert resolve_city("510500").name == "泸州市"
