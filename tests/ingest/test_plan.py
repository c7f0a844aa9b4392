"""The 2022 annual plan: transcribed completely, windows resolved, loaded as raw.events."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pytest
import yaml
from lunardate import LunarDate

from ingest.plan import Plan, check_plan, load_plan, load_plan_into, plan_path
from warehouse.errors import RegistryError
from warehouse.schema import create_raw_schema


@pytest.fixture(scope="module")
def plan_2022() -> Plan:
    return load_plan(plan_path(2022))


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(":memory:")
    create_raw_schema(connection)
    yield connection
    connection.close()


@pytest.fixture
def plan_document() -> dict:
    return yaml.safe_load(plan_path(2022).read_text(encoding="utf-8"))


def _write(tmp_path: Path, document: dict, name: str = "2022.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return path


def _activity(plan: Plan, activity_id: str):
    return next(a for a in plan.activities if a.id == activity_id)


def test_2022_plan_transcribes_all_24_activities_numbered_1_to_23(plan_2022: Plan) -> None:
    # 附件1 numbers its activities 1..23 but prints 15 twice (荔枝 in August, 川酒 9.9).
    assert len(plan_2022.activities) == 24
    assert sorted({a.number for a in plan_2022.activities}) == list(range(1, 24))
    assert [a.id for a in plan_2022.activities if a.number == 15] == ["15a", "15b"]
    assert "id" in _activity(plan_2022, "15b").inferred


def test_2022_plan_meets_the_notices_aims(plan_2022: Plan) -> None:
    assert plan_2022.aims.min_activities == 10
    assert plan_2022.aims.months == (1, 3, 5, 6, 7, 9, 10, 11, 12)
    assert check_plan(plan_2022) == []


def test_2022_new_year_goods_festival_runs_from_laba_to_seventh_of_first_month(
    plan_2022: Plan,
) -> None:
    window = _activity(plan_2022, "01").window
    assert window.precision == "lunar"
    assert window.text == "2021 年腊月初八—2022 年正月初七"
    assert (window.start, window.end) == (date(2022, 1, 10), date(2022, 2, 7))
    # A second, independent lunar calendar agrees.
    assert window.start == LunarDate(2021, 12, 8).to_solar_date()
    assert window.end == LunarDate(2022, 1, 7).to_solar_date()


def test_2023_new_year_goods_festival_runs_from_laba_to_seventh_of_first_month(
    plan_2022: Plan,
) -> None:
    window = _activity(plan_2022, "23").window
    assert (window.start, window.end) == (date(2022, 12, 30), date(2023, 1, 28))
    assert window.start == LunarDate(2022, 12, 8).to_solar_date()
    assert window.end == LunarDate(2023, 1, 7).to_solar_date()


def test_day_month_and_month_range_windows_resolve_to_inclusive_dates(plan_2022: Plan) -> None:
    assert (_activity(plan_2022, "02").window.start, _activity(plan_2022, "02").window.end) == (
        date(2022, 3, 1),
        date(2022, 3, 20),
    )
    citrus = _activity(plan_2022, "06").window
    assert (citrus.precision, citrus.start, citrus.end) == (
        "month_range",
        date(2022, 3, 1),
        date(2022, 4, 30),
    )
    liquor = _activity(plan_2022, "15b").window
    assert (liquor.precision, liquor.start, liquor.end) == (
        "month",
        date(2022, 9, 1),
        date(2022, 9, 30),
    )


def test_undated_leather_live_stream_gets_an_inferred_november_window(plan_2022: Plan) -> None:
    leather = _activity(plan_2022, "17")
    assert leather.window.text == ""
    assert (leather.window.start, leather.window.end) == (date(2022, 11, 1), date(2022, 11, 30))
    assert "双十一" in leather.inferred["window"]


def test_placeless_mianyang_noodle_festival_gets_an_inferred_city(plan_2022: Plan) -> None:
    noodles = _activity(plan_2022, "10")
    assert (noodles.place.text, noodles.place.city_code) == ("", "510700")
    assert "place" in noodles.inferred


def test_place_codes_and_platforms_follow_the_wording(plan_2022: Plan) -> None:
    guamian = _activity(plan_2022, "05").place
    assert (guamian.kind, guamian.city_code, guamian.county_code) == ("county", "510600", "510623")
    baijiu = _activity(plan_2022, "15b")
    assert (baijiu.place.kind, baijiu.platforms, baijiu.belts) == (
        "platform",
        ("1919",),
        ("liquor",),
    )
    assert _activity(plan_2022, "01").place.kind == "province"


def test_plan_missing_months_is_reported_month_by_month(
    tmp_path: Path, plan_document: dict
) -> None:
    plan_document["activities"] = [
        a for a in plan_document["activities"] if a["id"] in {"01", "02", "09"}
    ]
    problems = check_plan(load_plan(_write(tmp_path, plan_document)))
    assert problems == [
        "2022 plan has 3 activities, fewer than the 10 the notice aims for",
        "2022 plan has no activity in month 6",
        "2022 plan has no activity in month 7",
        "2022 plan has no activity in month 9",
        "2022 plan has no activity in month 10",
        "2022 plan has no activity in month 11",
        "2022 plan has no activity in month 12",
    ]


def test_unknown_belt_is_a_registry_error_naming_activity_and_key(
    tmp_path: Path, plan_document: dict
) -> None:
    plan_document["activities"][6]["belts"] = ["baijiu"]
    with pytest.raises(RegistryError) as caught:
        load_plan(_write(tmp_path, plan_document))
    message = caught.value.title
    assert "activity 07 (第十七届中国国际酒业博览会直播带货专场)" in message
    assert "'belts'" in message
    assert "'baijiu'" in message


def test_impossible_day_is_a_registry_error_naming_the_window_key(
    tmp_path: Path, plan_document: dict
) -> None:
    plan_document["activities"][1]["window"] = {"day": {"from": [2022, 2, 30], "to": [2022, 3, 1]}}
    with pytest.raises(RegistryError, match=r"activity 02 .*'window.day.from'"):
        load_plan(_write(tmp_path, plan_document))


def test_county_outside_its_city_is_rejected(tmp_path: Path, plan_document: dict) -> None:
    plan_document["activities"][4]["place"]["county"] = "510117"
    with pytest.raises(RegistryError, match=r"'place.county'.*510117 郫都区 is not in city 510600"):
        load_plan(_write(tmp_path, plan_document))


def test_empty_window_text_must_be_marked_inferred(tmp_path: Path, plan_document: dict) -> None:
    del plan_document["activities"][17]["inferred"]["window"]
    with pytest.raises(RegistryError, match=r"activity 17 .*'window_text'"):
        load_plan(_write(tmp_path, plan_document))


def test_loading_the_plan_writes_one_event_per_activity_and_a_plan_load(
    con: duckdb.DuckDBPyConnection, plan_2022: Plan
) -> None:
    load_id = load_plan_into(con, plan_2022)
    assert con.execute("select count(*) from raw.events where year = 2022").fetchone() == (24,)
    assert con.execute(
        "select kind, rows_read, rows_loaded, rows_rejected, rows_skipped from raw.loads "
        "where load_id = ?",
        [load_id],
    ).fetchone() == ("plan", 24, 24, 0, 0)
    assert con.execute(
        "select start_date, end_date, window_precision from raw.events where event_id = '23'"
    ).fetchone() == (date(2022, 12, 30), date(2023, 1, 28), "lunar")
    assert con.execute(
        "select inferred_fields from raw.events where event_id = '17'"
    ).fetchone() == ("window,county,belts",)


def test_loading_the_same_plan_twice_changes_nothing(
    con: duckdb.DuckDBPyConnection, plan_2022: Plan
) -> None:
    first = load_plan_into(con, plan_2022)
    assert load_plan_into(con, plan_2022) == first
    assert con.execute("select count(*) from raw.loads").fetchone() == (1,)
    assert con.execute("select count(*) from raw.events").fetchone() == (24,)


def test_an_edited_plan_replaces_the_years_events(
    con: duckdb.DuckDBPyConnection, plan_2022: Plan, tmp_path: Path, plan_document: dict
) -> None:
    load_plan_into(con, plan_2022)
    plan_document["activities"] = plan_document["activities"][:12]
    second = load_plan_into(con, load_plan(_write(tmp_path, plan_document)))
    assert con.execute(
        "select count(*), min(load_id), max(load_id) from raw.events"
    ).fetchone() == (
        12,
        second,
        second,
    )
