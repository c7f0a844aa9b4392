"""The events view and `chuanhuo events` on a tiny warehouse: the 2022 plan, three stores.

The warehouse holds the bundled 2022 plan (loaded as ingest loads it) and these rows,
every amount in yuan; the marts are built once for the module by dbt:

- L1 (泸州 江阳区 510502) owns J1 on JD and N1 on 1919; L2 (泸州 纳溪区 510503) owns
  K2 on Kuaishou.
- J1: 1000.00 with 100.00 refunded on 03-25 (inside event 07, 泸州, JD and Kuaishou,
  03-24..03-28) and 300.00 on 03-20 (in the 5 days before it, 03-19..03-23).
- K2: 500.00 on 03-26 (inside 07). N1: 2000.00 on 09-10 (inside 15b, 1919, September).
- 挂标: L1 in 07 on JD and in 15b on every platform; L2 in 07 on JD (it sells on
  Kuaishou, so none of its sales count) and in 09 (成都, where it sells nothing).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

import cli
from exports.events import EnrolledUnit, EventResult, EventsView, events_view
from ingest.plan import load_plan, load_plan_into, plan_path
from warehouse.db import warehouse
from warehouse.dbt import build_marts
from warehouse.errors import NoDataError
from warehouse.schema import create_raw_schema

D = Decimal
L1 = "91510502MA0000001A"
L2 = "91510503MA0000002B"


def _insert(con: duckdb.DuckDBPyConnection, table: str, load_id: int, rows: list[dict]) -> None:
    for number, row in enumerate(rows, start=2):
        values = {"load_id": load_id, "source_file": f"{table}.csv", "source_row": number, **row}
        columns = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        con.execute(f"insert into raw.{table} ({columns}) values ({marks})", list(values.values()))


def _enterprise(code: str, name: str, county: str) -> dict:
    return {
        "year": 2022,
        "credit_code": code,
        "enterprise_name": name,
        "county_code": county,
        "enterprise_type": "enterprise",
        "belts": "liquor",
        "first_year": 2022,
        "is_time_honoured": False,
        "is_focused": False,
    }


def _store(platform: str, store_id: str, code: str) -> dict:
    return {
        "year": 2022,
        "platform": platform,
        "store_id": store_id,
        "store_name": f"{store_id}店",
        "credit_code": code,
    }


def _day(platform: str, store_id: str, day: str, gmv: str, refund: str) -> dict:
    return {
        "layout": "sycm_product_daily",
        "platform": platform,
        "store_id": store_id,
        "product_id": f"{store_id}-1",
        "sale_date": dt.date.fromisoformat(day),
        "gmv": D(gmv),
        "refund": D(refund),
    }


def fill(con: duckdb.DuckDBPyConnection) -> None:
    """The plan, the registries and the enrolments of the module docstring (no sales)."""
    load_plan_into(con, load_plan(plan_path(2022)))
    _insert(
        con,
        "enterprises",
        101,
        [
            _enterprise(L1, "江阳酒业有限公司", "510502"),
            _enterprise(L2, "纳溪酒业有限公司", "510503"),
        ],
    )
    _insert(
        con,
        "stores",
        101,
        [_store("jd", "J1", L1), _store("1919", "N1", L1), _store("kuaishou", "K2", L2)],
    )
    _insert(
        con,
        "enrolments",
        102,
        [
            {"year": 2022, "event_id": "07", "credit_code": L1, "platform": "jd"},
            {"year": 2022, "event_id": "15b", "credit_code": L1, "platform": None},
            {"year": 2022, "event_id": "07", "credit_code": L2, "platform": "jd"},
            {"year": 2022, "event_id": "09", "credit_code": L2, "platform": None},
        ],
    )


def add_sales(con: duckdb.DuckDBPyConnection) -> None:
    _insert(
        con,
        "daily_sales",
        103,
        [
            _day("jd", "J1", "2022-03-25", "1000.00", "100.00"),
            _day("jd", "J1", "2022-03-20", "300.00", "0.00"),
            _day("kuaishou", "K2", "2022-03-26", "500.00", "0.00"),
            _day("1919", "N1", "2022-09-10", "2000.00", "0.00"),
        ],
    )


@pytest.fixture
def planned() -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory warehouse with the plan and enrolments, nothing built."""
    con = duckdb.connect(":memory:")
    create_raw_schema(con)
    fill(con)
    yield con
    con.close()


@pytest.fixture(scope="module")
def built_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny warehouse with sales, its marts built once for the module."""
    db_path = tmp_path_factory.mktemp("events") / "events.duckdb"
    with warehouse(db_path) as con:
        fill(con)
        add_sales(con)
    build_marts(db_path)
    return db_path


@pytest.fixture(scope="module")
def built_view(built_db: Path) -> EventsView:
    with warehouse(built_db, read_only=True) as con:
        return events_view(con, 2022)


def _event(view: EventsView, event_id: str):
    return next(event for event in view.events if event.event_id == event_id)


def test_view_lists_the_plan_in_window_order_with_windows_as_worded_and_resolved(
    planned: duckdb.DuckDBPyConnection,
) -> None:
    view = events_view(planned, 2022)
    assert len(view.events) == 24
    first = view.events[0]
    # 腊月初八 of lunar 2021 is 2022-01-10; 正月初七 of 2022 is 2022-02-07.
    assert (first.event_id, first.window_text, first.window_precision) == (
        "01",
        "2021 年腊月初八—2022 年正月初七",
        "lunar",
    )
    assert (first.start_date, first.end_date) == (dt.date(2022, 1, 10), dt.date(2022, 2, 7))
    leather = _event(view, "17")
    assert (leather.window_text, leather.start_date, leather.end_date) == (
        "",
        dt.date(2022, 11, 1),
        dt.date(2022, 11, 30),
    )
    assert leather.inferred_fields == ("window", "county", "belts")
    assert (leather.place_kind, leather.county_code, leather.belts) == (
        "base",
        "510107",
        ("textile",),
    )
    assert _event(view, "07").platforms == ("jd", "kuaishou")


def test_view_shows_the_plan_month_by_month_against_the_aimed_months(
    planned: duckdb.DuckDBPyConnection,
) -> None:
    months = {month.month: month for month in events_view(planned, 2022).months}
    assert (months[2].event_ids, months[2].is_aim) == (("01",), False)
    assert (months[4].event_ids, months[4].is_aim) == (("06",), False)
    # 23 starts on 腊月初八 of lunar 2022, 2022-12-30; 21 and 22 both start 12-01.
    assert (months[12].event_ids, months[12].is_aim) == (("19", "21", "22", "23"), True)


def test_view_checks_the_plan_against_the_notices_aims(
    planned: duckdb.DuckDBPyConnection,
) -> None:
    view = events_view(planned, 2022)
    assert (view.aims_min_activities, view.plan_problems) == (10, ())


def test_before_a_build_the_view_has_enrolled_units_but_no_sales(
    planned: duckdb.DuckDBPyConnection,
) -> None:
    view = events_view(planned, 2022)
    assert view.has_sales is False
    assert _event(view, "07").result is None
    assert _event(view, "07").enrolled == (
        EnrolledUnit(L1, "江阳酒业有限公司", ("jd",), None),
        EnrolledUnit(L2, "纳溪酒业有限公司", ("jd",), None),
    )
    assert _event(view, "15b").enrolled == (EnrolledUnit(L1, "江阳酒业有限公司", (), None),)
    assert _event(view, "01").enrolled == ()


def test_a_year_without_loaded_plan_is_no_data(planned: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(NoDataError, match="no events of 2021"):
        events_view(planned, 2021)


def test_event_sales_are_compared_with_the_same_number_of_days_before(
    built_view: EventsView,
) -> None:
    assert built_view.has_sales
    # 07: J1 1000.00 - 100.00 and K2 500.00 in 03-24..03-28; J1's 300.00 on 03-20 in
    # 03-19..03-23; (1400 - 300) / 300 = 3.66666.. -> 3.6667. Enrolled: L1 and L2; only
    # L1 sold on an enrolled platform (JD): 900.00.
    assert _event(built_view, "07").result == EventResult(
        window_days=5,
        gmv=D("1500.00"),
        net_sales=D("1400.00"),
        enterprise_count=2,
        store_count=2,
        baseline_start=dt.date(2022, 3, 19),
        baseline_end=dt.date(2022, 3, 23),
        baseline_net_sales=D("300.00"),
        net_sales_change_rate=D("3.6667"),
        enrolled_count=2,
        joined_count=1,
        enrolled_net_sales=D("900.00"),
    )
    # 15b: N1's 2000.00 in September on 1919; nothing in 08-02..08-31, so no rate.
    assert _event(built_view, "15b").result == EventResult(
        window_days=30,
        gmv=D("2000.00"),
        net_sales=D("2000.00"),
        enterprise_count=1,
        store_count=1,
        baseline_start=dt.date(2022, 8, 2),
        baseline_end=dt.date(2022, 8, 31),
        baseline_net_sales=D("0.00"),
        net_sales_change_rate=None,
        enrolled_count=1,
        joined_count=1,
        enrolled_net_sales=D("2000.00"),
    )


def test_each_enrolled_unit_shows_what_counted_for_the_event(built_view: EventsView) -> None:
    assert _event(built_view, "07").enrolled == (
        EnrolledUnit(L1, "江阳酒业有限公司", ("jd",), D("900.00")),
        EnrolledUnit(L2, "纳溪酒业有限公司", ("jd",), D("0.00")),
    )
    assert _event(built_view, "09").enrolled == (
        EnrolledUnit(L2, "纳溪酒业有限公司", (), D("0.00")),
    )


def test_events_command_prints_json_with_money_as_exact_yuan(built_db: Path) -> None:
    outcome = CliRunner().invoke(
        cli.app, ["events", "--year", "2022", "--db", str(built_db), "--json"]
    )
    assert outcome.exit_code == 0, outcome.output
    document = json.loads(outcome.stdout)
    event = next(item for item in document["events"] if item["event_id"] == "07")
    assert event["result"]["net_sales"] == "1400.00"
    assert event["result"]["net_sales_change_rate"] == "3.6667"
    assert event["start_date"] == "2022-03-24"
    assert document["plan_problems"] == []


def test_events_command_prints_the_plan_and_the_results_tables(built_db: Path) -> None:
    outcome = CliRunner().invoke(cli.app, ["events", "--year", "2022", "--db", str(built_db)])
    assert outcome.exit_code == 0, outcome.output
    assert "2022 年度活动计划" in outcome.stdout
    assert "plan meets the notice's aims: 24 activities" in outcome.stdout
    # 07's net sales 1400.00 yuan = 0.14 万元, its change +366.67%.
    line = next(row for row in outcome.stdout.splitlines() if "│ 07 " in row and "0.14" in row)
    assert "+366.67%" in line


def test_events_command_for_a_year_without_plan_exits_with_no_data(built_db: Path) -> None:
    outcome = CliRunner().invoke(cli.app, ["events", "--year", "2019", "--db", str(built_db)])
    assert outcome.exit_code == 7
