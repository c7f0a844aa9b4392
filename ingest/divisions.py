"""Sichuan's prefectures and counties, and turning what a registry writes into a county code.

Registries name counties by GB/T 2260 code or by name, and both drift: codes retired
when a county became a district or a city, names written without their 县/区/市
suffix, bare names shared by two counties. `resolve_county` settles each of these
the same way everywhere, and says so when it maps an old code to today's.

The division list is the dbt seed `divisions.csv` (21 prefectures, 183 counties). This
module must never guess between two candidates, and never accept a statistical-only
code (市辖区 `xx01`, development zones `xx71`) as a county.
"""

from __future__ import annotations

import csv
import logging
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from warehouse.errors import RegistryError
from warehouse.paths import DBT_PROJECT_DIR

log = logging.getLogger(__name__)

DIVISIONS_CSV = DBT_PROJECT_DIR / "seeds" / "divisions.csv"
PROVINCE_CODE = "510000"
_PROVINCE_PREFIX = PROVINCE_CODE[:2]
_CODE = re.compile(r"^\d{6}$")
# 峨边彝族自治县 is also written 峨边; the ethnic part and 自治县/自治州 go together.
_AUTONOMOUS = re.compile(r"^(?P<base>.{2,}?)(?:[彝羌藏回苗]族)+自治[县州]$")
_SUFFIXES = ("县", "区", "市", "州")


@dataclass(frozen=True)
class RetiredCode:
    old_code: str
    old_name: str
    new_code: str
    verified: bool


# Codes retired since about 2015, each with the county that carries on today. The
# verified ones were confirmed by diffing an older code list against the seed; the rest
# are general knowledge not checked against a source here (shared/reference/DIVISIONS.md).
RETIRED_CODES: tuple[RetiredCode, ...] = (
    RetiredCode("510124", "郫县", "510117", verified=True),
    RetiredCode("510132", "新津县", "510118", verified=True),
    RetiredCode("510626", "罗江县", "510604", verified=True),
    RetiredCode("510922", "射洪县", "510981", verified=True),
    RetiredCode("511028", "隆昌县", "511083", verified=True),
    RetiredCode("511521", "宜宾县", "511504", verified=True),
    RetiredCode("513425", "会理县", "513402", verified=True),
    # Unverified here: earlier changes, from general knowledge.
    RetiredCode("510122", "双流县", "510116", verified=False),
    RetiredCode("512081", "简阳市", "510185", verified=False),
    RetiredCode("513229", "马尔康县", "513201", verified=False),
    RetiredCode("513321", "康定县", "513301", verified=False),
    RetiredCode("510724", "安县", "510705", verified=False),
    RetiredCode("511721", "达县", "511703", verified=False),
    RetiredCode("511821", "名山县", "511803", verified=False),
    RetiredCode("511422", "彭山县", "511403", verified=False),
    RetiredCode("511522", "南溪县", "511503", verified=False),
)

# Statistical-only codes that the national statistics list carries but GB/T 2260 does not.
STATISTICAL_ZONES: dict[str, str] = {
    "511071": "内江经济开发区",
    "511771": "达州经济开发区",
    "511971": "巴中经济开发区",
}


class CountyError(RegistryError):
    """A county code or name that does not resolve to exactly one Sichuan county.

    `reason_code` is what a rejected registry row records: unknown_county,
    statistical_code, not_sichuan, not_county or ambiguous_county.
    """

    def __init__(self, reason_code: str, title: str, hint: str | None = None) -> None:
        super().__init__(title, hint)
        self.reason_code = reason_code


@dataclass(frozen=True)
class City:
    code: str
    name: str


@dataclass(frozen=True)
class County:
    code: str
    name: str
    city_code: str
    city_name: str


@dataclass(frozen=True)
class CountyMatch:
    """One resolved county; `mapped_from` names the retired code or name it replaced."""

    code: str
    name: str
    city_code: str
    city_name: str
    mapped_from: str | None = None
    mapping_verified: bool = True


@dataclass(frozen=True)
class _Index:
    cities: dict[str, City]
    counties: dict[str, County]
    county_aliases: dict[str, tuple[str, ...]]
    city_aliases: dict[str, str]
    retired: dict[str, RetiredCode]
    retired_names: dict[str, RetiredCode]


def _aliases(name: str) -> set[str]:
    """The full name and the short forms people write (郫都区 -> 郫都; never one character)."""
    names = {name}
    autonomous = _AUTONOMOUS.match(name)
    if autonomous:
        names.add(autonomous.group("base"))
    elif name.endswith(_SUFFIXES) and len(name) >= 3:
        names.add(name[:-1])
    return names


def _read(path: Path) -> tuple[dict[str, City], dict[str, County]]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    cities = {r["code"]: City(r["code"], r["name"]) for r in rows if r["level"] == "prefecture"}
    counties = {
        r["code"]: County(r["code"], r["name"], r["parent_code"], cities[r["parent_code"]].name)
        for r in rows
        if r["level"] == "county"
    }
    return cities, counties


@cache
def _index() -> _Index:
    cities, counties = _read(DIVISIONS_CSV)
    county_aliases: dict[str, set[str]] = {}
    for county in counties.values():
        for alias in _aliases(county.name):
            county_aliases.setdefault(alias, set()).add(county.code)
    city_aliases: dict[str, str] = {}
    for city in cities.values():
        for alias in _aliases(city.name):
            city_aliases[alias] = city.code
    retired = {entry.old_code: entry for entry in RETIRED_CODES}
    retired_names = {
        entry.old_name: entry for entry in RETIRED_CODES if entry.old_name not in county_aliases
    }
    log.debug("read %d cities and %d counties from %s", len(cities), len(counties), DIVISIONS_CSV)
    return _Index(
        cities=cities,
        counties=counties,
        county_aliases={alias: tuple(sorted(codes)) for alias, codes in county_aliases.items()},
        city_aliases=city_aliases,
        retired=retired,
        retired_names=retired_names,
    )


def cities() -> list[City]:
    """The 21 prefecture-level divisions, by code."""
    return sorted(_index().cities.values(), key=lambda city: city.code)


def counties() -> list[County]:
    """The 183 county-level divisions, by code."""
    return sorted(_index().counties.values(), key=lambda county: county.code)


def county_by_code(code: str) -> County | None:
    """The current county with exactly this code, or None (no mapping, no names)."""
    return _index().counties.get(code.strip())


def resolve_city(code_or_name: str) -> City:
    """A prefecture by code (510100) or name (成都市, 成都, 凉山, 凉山彝族自治州)."""
    text = code_or_name.strip()
    index = _index()
    city = index.cities.get(text)
    if city is None and text in index.city_aliases:
        city = index.cities[index.city_aliases[text]]
    if city is None:
        raise CountyError(
            "unknown_city",
            f"{text!r} is not one of Sichuan's 21 prefectures",
            "write the prefecture's six-digit code (e.g. 510100) or its name (成都市)",
        )
    return city


def _match(county: County, retired: RetiredCode | None = None) -> CountyMatch:
    if retired is None:
        return CountyMatch(county.code, county.name, county.city_code, county.city_name)
    log.debug("mapped retired %s %s to %s", retired.old_code, retired.old_name, county.code)
    return CountyMatch(
        county.code,
        county.name,
        county.city_code,
        county.city_name,
        mapped_from=f"{retired.old_code} {retired.old_name}",
        mapping_verified=retired.verified,
    )


def _resolve_code(code: str) -> CountyMatch:
    index = _index()
    if code in index.counties:
        return _match(index.counties[code])
    if code in index.retired:
        retired = index.retired[code]
        return _match(index.counties[retired.new_code], retired)
    if not code.startswith(_PROVINCE_PREFIX):
        raise CountyError(
            "not_sichuan",
            f"county code {code} is not in Sichuan (Sichuan's codes start with 51)",
            "check the code; only Sichuan counties take part in the programme",
        )
    if code in STATISTICAL_ZONES:
        raise CountyError(
            "statistical_code",
            f"county code {code} ({STATISTICAL_ZONES[code]}) is a statistical zone, not a county",
            "write the code of the county the enterprise is registered in",
        )
    if code == PROVINCE_CODE or code in index.cities:
        name = "四川省" if code == PROVINCE_CODE else index.cities[code].name
        raise CountyError(
            "not_county",
            f"code {code} is {name}, a province or prefecture, not a county",
            "write the six-digit code of the county (县/市/区)",
        )
    district = code[4:]
    if district == "01":
        raise CountyError(
            "statistical_code",
            f"county code {code} is a 市辖区 placeholder of the statistics list, not a county",
            "write the code of the district (区) the enterprise is registered in",
        )
    if district >= "70":
        raise CountyError(
            "statistical_code",
            f"county code {code} is a statistical-only code (xx{district}), not a county",
            "write the code of the county the zone lies in",
        )
    raise CountyError(
        "unknown_county",
        f"county code {code} is not a current or known retired Sichuan county code",
        "check the code against GB/T 2260 (the seed divisions.csv lists all 183)",
    )


def _candidates(codes: tuple[str, ...]) -> str:
    index = _index()
    return ", ".join(f"{index.counties[c].city_name}{index.counties[c].name} ({c})" for c in codes)


def _resolve_name(name: str) -> CountyMatch | None:
    """The county this name alone means, None when it means none; ambiguity raises."""
    index = _index()
    codes = index.county_aliases.get(name)
    if codes and len(codes) == 1:
        return _match(index.counties[codes[0]])
    if codes:
        raise CountyError(
            "ambiguous_county",
            f"county name {name!r} matches {len(codes)} counties: {_candidates(codes)}",
            "write the six-digit code, or put the prefecture before the name (乐山市市中区)",
        )
    if name in index.retired_names:
        retired = index.retired_names[name]
        return _match(index.counties[retired.new_code], retired)
    return None


def resolve_county(code_or_name: str) -> CountyMatch:
    """The current Sichuan county a code or name stands for.

    Accepts a current code, a retired code (mapped, with `mapped_from` set), a name
    with or without its 县/区/市 suffix, an old name (郫县), or a prefecture followed by
    a county name (内江市市中区). Anything else raises CountyError with a reason code.
    """
    text = re.sub(r"\s+", "", code_or_name or "")
    if not text:
        raise CountyError("unknown_county", "county is blank", "write the county's code or name")
    if _CODE.match(text):
        return _resolve_code(text)
    if text.isdigit():
        raise CountyError(
            "unknown_county",
            f"county code {text!r} has {len(text)} digits, not 6",
            "write the six-digit GB/T 2260 code (e.g. 510117)",
        )
    text = text.removeprefix("四川省")
    if text == "市辖区" or text in STATISTICAL_ZONES.values():
        raise CountyError(
            "statistical_code",
            f"{text!r} is a statistical area, not a county",
            "write the county the enterprise is registered in",
        )
    match = _resolve_name(text)
    if match is not None:
        return match
    index = _index()
    # A prefecture written before the county: try the longest prefecture name first.
    for alias in sorted(index.city_aliases, key=len, reverse=True):
        rest = text.removeprefix(alias)
        if rest == text or not rest:
            continue
        codes = index.county_aliases.get(rest, ())
        in_city = [c for c in codes if index.counties[c].city_code == index.city_aliases[alias]]
        if len(in_city) == 1:
            return _match(index.counties[in_city[0]])
    raise CountyError(
        "unknown_county",
        f"{text!r} is not the name of a Sichuan county",
        "check the spelling, or write the county's six-digit code",
    )
