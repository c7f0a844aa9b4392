"""The yearly HTML report: gathered from a tiny hand-built warehouse with numbers worked
out by hand, rendered offline, and drawn by a real headless Chromium.

The warehouse is built here by hand (marts, scoring and raw tables of a few rows), so
these tests do not wait for dbt or scoring; every expected value is computed in the
comments beside the rows, never by the code under test.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest

from exports.report import gather, render
from exports.report_data import (
    SECTION_TITLES,
    CitySales,
    DataQuality,
    EventSales,
    GoalProgress,
    MonthBelt,
    ReportData,
    RosterChange,
    TopUnit,
    Totals,
)
from warehouse.schema import create_raw_schema

YEAR = 2022
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).parent / "artifacts"

# ---------------------------------------------------------------- the tiny warehouse

DIVISIONS = [
    ("510100", "成都市", "prefecture", "510000"),
    ("510104", "锦江区", "county", "510100"),
    ("510500", "泸州市", "prefecture", "510000"),
    ("510522", "合江县", "county", "510500"),
    ("511400", "眉山市", "prefecture", "510000"),
    ("511402", "东坡区", "county", "511400"),
]

CODE_A = "91511402MA00000001"  # 东坡酒业, 眉山市东坡区
CODE_B = "91510522MA00000002"  # 合江荔枝, 泸州市合江县
CODE_C = "91510104MA00000003"  # 锦江茶社, no sales
CODE_D = "91510104MA00000004"  # 锦江家居

# sale_date, platform, store, credit_code, county, city, belt, gmv, refund, net, attributed
SALES = [
    ("2022-11-01", "jd", "s1", CODE_A, "511402", "511400", "liquor", "1000.00", "100.00",
     "900.00", True),
    ("2022-11-05", "tmall", "s2", CODE_B, "510522", "510500", "tea", "500.00", "0.00",
     "500.00", True),
    ("2022-10-28", "jd", "s1", CODE_A, "511402", "511400", "liquor", "300.00", "0.00",
     "300.00", True),
    ("2022-10-30", "douyin", "s3", None, None, None, None, "200.00", "50.00", "150.00", False),
    ("2022-03-10", "tmall", "s2", CODE_B, "510522", "510500", "tea", "12345.67", "345.67",
     "12000.00", True),
]  # fmt: skip

# county_code, year, county_name, city_code, city_name, net_sales, top_product_name
COUNTY_YEARS = [
    ("510522", 2022, "合江县", "510500", "泸州市", "12500.00", "合江荔枝"),
    ("511402", 2022, "东坡区", "511400", "眉山市", "1200.00", None),
    ("510104", 2022, "锦江区", "510100", "成都市", "1200.00", None),
    ("511402", 2021, "东坡区", "511400", "眉山市", "99999.00", None),
]

# credit_code, year, name, city, county, gmv, net_sales, is_focused, first_year
ENTERPRISE_YEARS = [
    (CODE_A, 2022, "东坡酒业", "眉山市", "东坡区", "1300.00", "1200.00", True, 2021),
    (CODE_B, 2022, "合江荔枝", "泸州市", "合江县", "12845.67", "12500.00", True, 2020),
    (CODE_C, 2022, "锦江茶社", "成都市", "锦江区", "0.00", "0.00", False, 2022),
    (CODE_D, 2022, "锦江家居", "成都市", "锦江区", "800.00", "700.00", False, 2021),
    (CODE_A, 2021, "东坡酒业", "眉山市", "东坡区", "600.00", "600.00", True, 2021),
    (CODE_D, 2021, "锦江家居", "成都市", "锦江区", "400.00", "400.00", False, 2021),
]

# event_id, name, start, end, platforms, city_code
EVENTS = [
    ("E03", "2022全国网上年货节四川专场", "2022-01-10", "2022-02-07", "天猫、京东", None),
    ("E18", "眉山东坡·京东双十一购物狂欢节", "2022-11-01", "2022-11-05", "jd", "511400"),
    ("E19", "双十一线上线下狂欢购", "2022-11-01", "2022-11-05", "", None),
]


def _create_marts(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema reference")
    con.execute(
        "create table reference.divisions (code varchar, name varchar, level varchar, "
        "parent_code varchar)"
    )
    con.executemany("insert into reference.divisions values (?, ?, ?, ?)", DIVISIONS)
    con.execute("create schema marts")
    con.execute(
        """
        create table marts.fct_sales (
            sale_date date, year integer, month date, platform varchar, store_id varchar,
            product_id varchar, product_code varchar, credit_code varchar,
            county_code varchar, city_code varchar, belt varchar,
            gmv decimal(18, 2), refund decimal(18, 2), net_sales decimal(18, 2),
            quantity integer, source_grain varchar, is_attributed boolean
        )
        """
    )
    for day, platform, store, code, county, city, belt, gmv, refund, net, attributed in SALES:
        sale_date = dt.date.fromisoformat(day)
        con.execute(
            "insert into marts.fct_sales values (?, ?, ?, ?, ?, '', null, ?, ?, ?, ?, ?, ?, ?, "
            "1, 'order_lines', ?)",
            [sale_date, sale_date.year, sale_date.replace(day=1), platform, store, code, county,
             city, belt, Decimal(gmv), Decimal(refund), Decimal(net), attributed],
        )  # fmt: skip
    con.execute(
        """
        create table marts.county_years (
            county_code varchar, year integer, county_name varchar, city_code varchar,
            city_name varchar, net_sales decimal(18, 2), top_product_name varchar
        )
        """
    )
    con.executemany("insert into marts.county_years values (?, ?, ?, ?, ?, ?, ?)", COUNTY_YEARS)
    con.execute(
        """
        create table marts.enterprise_years (
            credit_code varchar, year integer, enterprise_name varchar, city_name varchar,
            county_name varchar, gmv decimal(18, 2), net_sales decimal(18, 2),
            is_focused boolean, first_year integer
        )
        """
    )
    con.executemany(
        "insert into marts.enterprise_years values (?, ?, ?, ?, ?, ?, ?, ?, ?)", ENTERPRISE_YEARS
    )


def _fill_raw(con: duckdb.DuckDBPyConnection) -> None:
    for index, (event_id, name, start, end, platforms, city) in enumerate(EVENTS, start=1):
        con.execute(
            "insert into raw.events (load_id, source_file, source_row, year, event_id, "
            "event_name, window_text, window_precision, start_date, end_date, place_kind, "
            "place_text, city_code, platforms) values (9, '2022.yaml', ?, 2022, ?, ?, ?, 'day', "
            "?, ?, 'city', '四川', ?, ?)",
            [index, event_id, name, f"{start}~{end}", start, end, city, platforms],
        )
    loads = [
        (1, "a.csv", 10, 7, 2, 1),
        (2, "b.xlsx", 5, 5, 0, 0),
    ]
    for load_id, name, read, loaded, rejected, skipped in loads:
        con.execute(
            "insert into raw.loads values (?, ?, null, ?, 'sales', 'jd_orders', 'jd', 's1', "
            "'utf-8', ?, ?, ?, ?, null, timestamp '2022-12-01 10:00:00', 'loaded')",
            [load_id, name, f"hash{load_id}", read, loaded, rejected, skipped],
        )
    for row, code in [(3, "bad_amount"), (4, "unknown_store"), (8, "bad_amount")]:
        con.execute(
            "insert into raw.rejected_rows values (1, 'a.csv', ?, 'gmv', ?, '金额无法识别', '')",
            [row, code],
        )


def _create_roster(con: duckdb.DuckDBPyConnection) -> None:
    """The ledger in scoring.store's shape."""
    con.execute("create schema scoring")
    con.execute(
        """
        create table scoring.roster_ledger (
            year integer, unit_id varchar, unit_name varchar, status_before varchar,
            status_after varchar, effective_year integer, rule varchar, reason varchar,
            grades varchar, registry_next_year varchar
        )
        """
    )
    con.executemany(
        "insert into scoring.roster_ledger values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (2022, CODE_A, "东坡酒业", "新参加单位", "推荐示范企业", 2023, "promotion",
             "新参加单位 2021、2022 连续两年评为优秀 → 推荐为示范企业", "2021:优秀, 2022:优秀",
             None),
            (2021, CODE_D, "锦江家居", "示范企业", "取消示范资格", 2022, "removal",
             "示范企业 2020、2021 连续两年评为较差 → 取消示范资格", "2020:较差, 2021:较差",
             None),
        ],
    )  # fmt: skip


@pytest.fixture
def empty_warehouse(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    """A warehouse as a first load leaves it: the raw schema and nothing built."""
    con = duckdb.connect(str(tmp_path / "empty.duckdb"))
    create_raw_schema(con)
    yield con
    con.close()


@pytest.fixture
def tiny_warehouse(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(tmp_path / "tiny.duckdb"))
    create_raw_schema(con)
    _create_marts(con)
    _fill_raw(con)
    _create_roster(con)
    yield con
    con.close()


# ---------------------------------------------------------------- a hand-made report


@pytest.fixture
def report_data() -> ReportData:
    """A full report: every section filled, seven charts (counties, enterprises, months,
    cities, events, goals, rejects)."""
    return ReportData(
        year=YEAR,
        totals=Totals(Decimal("123456789.00"), Decimal("1234567.89"), Decimal("122222221.11")),
        top_counties=[
            TopUnit("510522", "合江县", "泸州市", Decimal("88880000.00"), "百品：合江荔枝"),
            TopUnit("511402", "东坡区", "眉山市", Decimal("23456.78")),
        ],
        top_enterprises=[
            TopUnit(CODE_B, "合江荔枝", "泸州市合江县", Decimal("50000000.00")),
            TopUnit(CODE_A, "东坡酒业", "眉山市东坡区", Decimal("1200000.00")),
        ],
        month_belts=[
            MonthBelt(dt.date(2022, 1, 1), "liquor", Decimal("500000.00")),
            MonthBelt(dt.date(2022, 1, 1), None, Decimal("10000.00")),
            MonthBelt(dt.date(2022, 2, 1), "tea", Decimal("300000.00")),
        ],
        cities=[
            CitySales(
                "510500", "泸州市", Decimal("900000.00"), Decimal("0.00"), Decimal("900000.00")
            ),
            CitySales(
                None, "未归属县域", Decimal("15000.00"), Decimal("5000.00"), Decimal("10000.00")
            ),
        ],
        events=[
            EventSales(
                "E18",
                "眉山东坡·京东双十一购物狂欢节",
                dt.date(2022, 11, 1),
                dt.date(2022, 11, 5),
                "平台：京东；地点：眉山市",
                Decimal("900.00"),
                Decimal("300.00"),
            ),
        ],
        roster=[
            RosterChange(
                CODE_A,
                "东坡酒业",
                "新参加单位",
                "示范企业",
                "promotion",
                "新参加单位 2021、2022 连续两年评为优秀 → 推荐为示范企业",
            ),
        ],
        goals=[
            GoalProgress("participants", "上千家企业线上销售", 1000, 250),
            GoalProgress("focused", "重点培育上百家企业和品牌", 100, 40),
            GoalProgress("doubled", "数十家企业电商销量翻倍", 10, 3),
        ],
        quality=DataQuality(
            files=2,
            rows_read=15,
            rows_loaded=12,
            rows_rejected=2,
            rows_skipped=1,
            rejects_by_reason=[("bad_amount", 2)],
            net_sales=Decimal("13850.00"),
            unattributed_net_sales=Decimal("150.00"),
        ),
    )


HAND_MADE_CHARTS = 7


class _TagUrls(HTMLParser):
    """Collects the src/href of script, link and img tags."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "link", "img"}:
            self.urls.extend(value or "" for name, value in attrs if name in {"src", "href"})


def test_rendered_report_fetches_nothing_from_the_network(
    report_data: ReportData, tmp_path: Path
) -> None:
    page = render(report_data, tmp_path / "report.html").read_text(encoding="utf-8")
    parser = _TagUrls()
    parser.feed(page)
    assert not [url for url in parser.urls if re.match(r"\s*(https?:)?//", url, re.I)]
    assert not re.search(r"url\(\s*['\"]?(https?:)?//|@import", page.split("<script", 1)[0])
    # plotly.js itself is inline, once
    assert page.count("<script") == 1 + HAND_MADE_CHARTS
    assert "Plotly.newPlot" in page


def test_rendered_report_has_every_section_title_and_amounts_in_wan(
    report_data: ReportData, tmp_path: Path
) -> None:
    page = render(report_data, tmp_path / "report.html").read_text(encoding="utf-8")
    for title in SECTION_TITLES.values():
        assert f"<h2>{title}</h2>" in page
    assert "2022年度川货电商节数据报告" in page
    # 123,456,789.00 yuan = 12,345.68 万元 (12345.6789 rounded half up)
    assert "12,345.68" in page
    # 88,880,000.00 yuan = 8,888.00 万元; 23,456.78 yuan = 2.35 万元
    assert "8,888.00" in page and "2.35" in page
    # (900 - 300) / 300 = +200.0 %; 150 / 13850 = 1.083 % -> 1.1 %; 250 / 1000 = 25.0 %
    assert "+200.0%" in page and "1.1%" in page and "25.0%" in page
    assert page.count('class="plotly-graph-div"') == HAND_MADE_CHARTS
    assert "<td>连续优秀推荐示范</td>" in page
    assert "本节暂无数据" not in page


def test_section_without_a_source_says_so_in_the_page(tmp_path: Path) -> None:
    data = ReportData(year=YEAR, missing={"roster": "仓库中没有 scoring.roster_ledger"})
    page = render(data, tmp_path / "report.html").read_text(encoding="utf-8")
    assert "本节暂无数据：仓库中没有 scoring.roster_ledger" in page
    assert 'class="plotly-graph-div"' not in page


def test_names_from_the_input_are_escaped(report_data: ReportData, tmp_path: Path) -> None:
    report_data.top_counties = [TopUnit("510522", "<script>alert(1)</script>", "", Decimal(1))]
    page = render(report_data, tmp_path / "report.html").read_text(encoding="utf-8")
    assert "<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>" in page


def test_same_data_renders_byte_identical_pages(report_data: ReportData, tmp_path: Path) -> None:
    first = render(report_data, tmp_path / "one.html").read_bytes()
    second = render(report_data, tmp_path / "two.html").read_bytes()
    assert first == second


# ---------------------------------------------------------------- gathering


def test_gather_totals_months_and_cities_of_the_year(tiny_warehouse) -> None:
    data = gather(tiny_warehouse, YEAR)
    # gmv 1000 + 500 + 300 + 200 + 12345.67; refund 100 + 50 + 345.67
    assert data.totals == Totals(Decimal("14345.67"), Decimal("495.67"), Decimal("13850.00"))
    assert data.month_belts == [
        MonthBelt(dt.date(2022, 3, 1), "tea", Decimal("12000.00")),
        MonthBelt(dt.date(2022, 10, 1), "liquor", Decimal("300.00")),
        MonthBelt(dt.date(2022, 10, 1), None, Decimal("150.00")),
        MonthBelt(dt.date(2022, 11, 1), "liquor", Decimal("900.00")),
        MonthBelt(dt.date(2022, 11, 1), "tea", Decimal("500.00")),
    ]
    assert data.cities == [
        # 500 + 12345.67 paid, 345.67 refunded
        CitySales("510500", "泸州市", Decimal("12845.67"), Decimal("345.67"),
                  Decimal("12500.00")),
        CitySales("511400", "眉山市", Decimal("1300.00"), Decimal("100.00"), Decimal("1200.00")),
        CitySales(None, "未归属县域", Decimal("200.00"), Decimal("50.00"), Decimal("150.00")),
    ]  # fmt: skip


def test_gather_top_lists_break_net_sales_ties_by_code(tiny_warehouse) -> None:
    data = gather(tiny_warehouse, YEAR, top=2)
    # 东坡区 and 锦江区 tie at 1200.00: 510104 comes before 511402; 2021 rows are not read
    assert [(unit.unit_id, unit.net_sales) for unit in data.top_counties] == [
        ("510522", Decimal("12500.00")),
        ("510104", Decimal("1200.00")),
    ]
    assert data.top_counties[0].note == "百品：合江荔枝"
    assert [(unit.name, unit.place) for unit in data.top_enterprises] == [
        ("合江荔枝", "泸州市合江县"),
        ("东坡酒业", "眉山市东坡区"),
    ]


def test_gather_compares_each_event_with_as_many_days_before_it(tiny_warehouse) -> None:
    events = {event.event_id: event for event in gather(tiny_warehouse, YEAR).events}
    jd_meishan = events["E18"]
    # window 11-01..11-05 on jd in 眉山: 900.00; the 5 days before (10-27..10-31): 300.00
    # (the douyin sale of 10-30 is neither jd nor 眉山)
    assert (jd_meishan.window_net_sales, jd_meishan.before_net_sales) == (
        Decimal("900.00"),
        Decimal("300.00"),
    )
    assert jd_meishan.change_rate == Decimal(2)
    assert jd_meishan.scope == "平台：京东；地点：眉山市"
    every_platform = events["E19"]
    # window: 900 + 500; before: 300 + 150 (the unattributed douyin sale counts here)
    assert (every_platform.window_net_sales, every_platform.before_net_sales) == (
        Decimal("1400.00"),
        Decimal("450.00"),
    )
    new_year = events["E03"]
    # 29 days from 2022-01-10; the 29 days before start 2021-12-12, before the first sale
    # (2022-03-10): not covered, so no change rate
    assert new_year.days == 29
    assert new_year.window_net_sales == Decimal("0.00")
    assert new_year.before_covered is False
    assert new_year.change_rate is None
    assert new_year.scope == "平台：天猫、京东"


def test_gather_goals_roster_and_quality(tiny_warehouse) -> None:
    data = gather(tiny_warehouse, YEAR)
    # selling: A, B, D (C has gmv 0); focused: A, B; doubled: A (1200.00 = 2 x 600.00),
    # not D (700 < 2 x 400); B's first year 2020 has no row: no baseline
    assert [(goal.key, goal.target, goal.actual) for goal in data.goals] == [
        ("participants", 1000, 3),
        ("focused", 100, 2),
        ("doubled", 10, 1),
    ]
    assert "1 家首年无销售数据" in data.goals[2].note
    assert [(row.unit_id, row.status_after, row.effective_year) for row in data.roster] == [
        (CODE_A, "推荐示范企业", 2023)
    ]
    quality = data.quality
    assert quality is not None
    assert (quality.files, quality.rows_read, quality.rows_loaded) == (2, 15, 12)
    assert (quality.rows_rejected, quality.rows_skipped) == (2, 1)
    assert quality.rejects_by_reason == [("bad_amount", 2), ("unknown_store", 1)]
    assert quality.unattributed_net_sales == Decimal("150.00")
    assert quality.unattributed_share == Decimal("150.00") / Decimal("13850.00")
    assert data.missing == {}


def test_gather_on_an_unbuilt_warehouse_names_what_is_missing(empty_warehouse) -> None:
    data = gather(empty_warehouse, YEAR)
    assert set(data.missing) == {
        "overview", "months", "cities", "events", "counties", "enterprises", "goals", "roster",
    }  # fmt: skip
    assert "chuanhuo build" in data.missing["counties"]
    assert "chuanhuo rank --year 2022" in data.missing["roster"]
    assert data.quality is not None and data.quality.files == 0


def test_a_mart_without_a_contract_column_empties_only_its_own_sections(tiny_warehouse) -> None:
    tiny_warehouse.execute("alter table marts.county_years drop column top_product_name")
    tiny_warehouse.execute("alter table scoring.roster_ledger drop column effective_year")
    data = gather(tiny_warehouse, YEAR)
    assert set(data.missing) == {"counties"}
    assert "marts.county_years 的列与约定不符" in data.missing["counties"]
    assert data.top_counties == []
    # an older ledger without effective_year is still read
    assert [(row.unit_id, row.effective_year) for row in data.roster] == [(CODE_A, None)]
    # A, B and D: 锦江茶社 sold nothing and is not listed
    assert len(data.top_enterprises) == 3


def test_gather_of_a_year_without_events_says_the_plan_is_missing(tiny_warehouse) -> None:
    tiny_warehouse.execute("delete from raw.events")
    data = gather(tiny_warehouse, YEAR)
    assert data.events == []
    assert "没有 2022 年度的活动" in data.missing["events"]


# ---------------------------------------------------------------- a real browser


def _chromium() -> str:
    if Path(CHROMIUM).exists():
        return CHROMIUM
    message = "chromium is not installed: apt-get install chromium fonts-noto-cjk"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def _run_chromium(binary: str, profile: Path, *args: str) -> str:
    command = [
        binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", f"--user-data-dir={profile}",
        # any host name fails to resolve: the page must draw with no network at all
        "--host-resolver-rules=MAP * ~NOTFOUND", "--virtual-time-budget=5000", *args,
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


class _DrawnCharts(HTMLParser):
    """Ids of plotly chart divs that hold at least one drawn svg.main-svg."""

    def __init__(self) -> None:
        super().__init__()
        self.charts: list[str] = []
        self.drawn: set[str] = set()
        self._stack: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag == "div":
            chart = dict(attrs).get("id") if "plotly-graph-div" in classes else None
            if chart:
                self.charts.append(chart)
            self._stack.append(chart)
        elif tag == "svg" and "main-svg" in classes:
            inside = [chart for chart in self._stack if chart]
            if inside:
                self.drawn.add(inside[-1])

    def handle_endtag(self, tag: str) -> None:
        if tag == "div" and self._stack:
            self._stack.pop()


def test_every_chart_draws_in_headless_chromium(report_data: ReportData, tmp_path: Path) -> None:
    binary = _chromium()
    page = render(report_data, tmp_path / "report.html")
    dom = _run_chromium(binary, tmp_path / "profile-dom", "--dump-dom", page.as_uri())
    found = _DrawnCharts()
    found.feed(dom)
    assert len(found.charts) == HAND_MADE_CHARTS
    assert sorted(found.drawn) == sorted(found.charts)
    assert "本节暂无数据" not in dom

    screenshot = tmp_path / "report.png"
    _run_chromium(
        binary,
        tmp_path / "profile-shot",
        f"--screenshot={screenshot}",
        "--window-size=1280,2400",
        page.as_uri(),
    )
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copyfile(screenshot, ARTIFACTS / "report.png")
