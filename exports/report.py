"""The yearly HTML report: read what the warehouse holds for a year, then draw one page.

`gather` reads the marts (fct_sales, county_years, enterprise_years), the annual plan
(raw.events), scoring's roster ledger and the load bookkeeping (raw.loads,
raw.rejected_rows); `render` (exports.report_html) writes one self-contained HTML file.
A source that is not built yet leaves its section empty with the reason in
`ReportData.missing`, so a half-built warehouse still gets a page that says what is
missing. This module only reads: it never writes to the warehouse, never ranks or
grades (the top lists here are by net sales, not the award lists).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

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
from exports.report_html import render
from warehouse.db import table_exists
from warehouse.vocab import PLATFORMS, code_for_name

__all__ = ["SECTION_TITLES", "ReportData", "gather", "render", "write_report"]

log = logging.getLogger(__name__)

TOP_N = 20

# The notice's 千百十 programme (3-5 years): over a thousand enterprises selling online,
# a hundred enterprises and brands focused on, "数十家" (tens of) enterprises doubling
# their sales; tens is read as at least ten. These are the notice's facts, not policy.
GOAL_PARTICIPANTS = 1000
GOAL_FOCUSED = 100
GOAL_DOUBLED = 10

_PLATFORM_SEPARATORS = re.compile(r"[,，、;；/\s]+")
_ZERO = Decimal("0.00")


def _missing_text(table: str, hint: str) -> str:
    return f"仓库中没有 {table}：{hint}"


_BUILD_HINT = "先装载销售文件并运行 chuanhuo build 生成数据集市"


def gather(con: duckdb.DuckDBPyConnection, year: int, *, top: int = TOP_N) -> ReportData:
    """Read everything the report of `year` shows; never raises for a missing source."""
    data = ReportData(year=year)
    names = _division_names(con)
    sales_keys = ("overview", "months", "cities", "events")
    has_sales = False
    with _reading(data, sales_keys, "marts.fct_sales"):
        has_sales = table_exists(con, "marts", "fct_sales") and _has_rows(
            con, "select count(*) from marts.fct_sales where year = ?", [year]
        )
        if not has_sales:
            reason = (
                f"marts.fct_sales 中没有 {year} 年度的销售：{_BUILD_HINT}"
                if table_exists(con, "marts", "fct_sales")
                else _missing_text("marts.fct_sales", _BUILD_HINT)
            )
            for key in sales_keys:
                data.missing[key] = reason
    if has_sales:
        with _reading(data, ("overview",), "marts.fct_sales"):
            data.totals = _totals(con, year)
        with _reading(data, ("months",), "marts.fct_sales"):
            data.month_belts = _month_belts(con, year)
        with _reading(data, ("cities",), "marts.fct_sales"):
            data.cities = _cities(con, year, names)
        with _reading(data, ("events",), "raw.events / marts.fct_sales"):
            _fill_events(con, data, names)

    with _reading(data, ("counties",), "marts.county_years"):
        if table_exists(con, "marts", "county_years"):
            data.top_counties = _top_counties(con, year, top)
        else:
            data.missing["counties"] = _missing_text("marts.county_years", _BUILD_HINT)

    with _reading(data, ("enterprises", "goals"), "marts.enterprise_years"):
        if table_exists(con, "marts", "enterprise_years"):
            data.top_enterprises = _top_enterprises(con, year, top)
            data.goals = _goals(con, year)
        else:
            reason = _missing_text("marts.enterprise_years", _BUILD_HINT)
            data.missing["enterprises"] = reason
            data.missing["goals"] = reason

    with _reading(data, ("roster",), "scoring.roster_ledger"):
        if table_exists(con, "scoring", "roster_ledger"):
            data.roster = _roster(con, year)
        else:
            data.missing["roster"] = _missing_text(
                "scoring.roster_ledger", f"先运行 chuanhuo rank --year {year} 生成评价与名录"
            )

    with _reading(data, ("quality",), "raw.loads"):
        if table_exists(con, "raw", "loads"):
            data.quality = _quality(con, year, has_sales)
        else:
            data.missing["quality"] = _missing_text("raw.loads", "先用 chuanhuo ingest 装载文件")

    log.info(
        "gathered the %d report: %d counties, %d enterprises, %d events, %d roster lines; "
        "%d sections without a source",
        year,
        len(data.top_counties),
        len(data.top_enterprises),
        len(data.events),
        len(data.roster),
        len(data.missing),
    )
    return data


@contextmanager
def _reading(data: ReportData, keys: tuple[str, ...], table: str) -> Iterator[None]:
    """A source whose columns are not the contract's (a mart built by an older or newer
    model) empties its sections with the reason, instead of failing the whole report."""
    try:
        yield
    except (duckdb.BinderException, duckdb.CatalogException) as error:
        detail = str(error).splitlines()[0]
        log.warning(
            "report of %d: %s does not match the marts contract: %s", data.year, table, detail
        )
        for key in keys:
            data.missing[key] = (
                f"{table} 的列与约定不符（{detail}）：重新运行 chuanhuo build 或 chuanhuo rank"
            )


def write_report(con: duckdb.DuckDBPyConnection, year: int, path: Path) -> Path:
    """Gather the year's report and write it as one HTML file at `path`."""
    return render(gather(con, year), path)


def _has_rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> bool:
    row = con.execute(sql, params).fetchone()
    return bool(row and row[0])


def _money(value: Any) -> Decimal:
    """A SUM over no rows is NULL; the report shows it as zero yuan."""
    return _ZERO if value is None else Decimal(value)


def _division_names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """City and county names by code: the divisions seed, else what the marts carry."""
    if table_exists(con, "reference", "divisions"):
        rows = con.execute("select code, name from reference.divisions").fetchall()
        return {str(code): str(name) for code, name in rows}
    names: dict[str, str] = {}
    if table_exists(con, "marts", "county_years") and {
        "county_code",
        "county_name",
        "city_code",
        "city_name",
    } <= _columns(con, "marts", "county_years"):
        for county_code, county_name, city_code, city_name in con.execute(
            "select distinct county_code, county_name, city_code, city_name from marts.county_years"
        ).fetchall():
            names[county_code] = county_name
            if city_code is not None:
                names[city_code] = city_name
    return names


def _totals(con: duckdb.DuckDBPyConnection, year: int) -> Totals:
    gmv, refund, net_sales = con.execute(
        "select sum(gmv), sum(refund), sum(net_sales) from marts.fct_sales where year = ?",
        [year],
    ).fetchone() or (None, None, None)
    return Totals(gmv=_money(gmv), refund=_money(refund), net_sales=_money(net_sales))


def _month_belts(con: duckdb.DuckDBPyConnection, year: int) -> list[MonthBelt]:
    rows = con.execute(
        """
        select month, belt, sum(net_sales)
        from marts.fct_sales
        where year = ?
        group by month, belt
        order by month, belt nulls last
        """,
        [year],
    ).fetchall()
    return [MonthBelt(month=month, belt=belt, net_sales=_money(net)) for month, belt, net in rows]


def _cities(con: duckdb.DuckDBPyConnection, year: int, names: dict[str, str]) -> list[CitySales]:
    rows = con.execute(
        """
        select city_code, sum(gmv), sum(refund), sum(net_sales) as net_sales
        from marts.fct_sales
        where year = ?
        group by city_code
        order by net_sales desc, city_code nulls last
        """,
        [year],
    ).fetchall()
    return [
        CitySales(
            city_code=code,
            city_name=names.get(code, code) if code is not None else "未归属县域",
            gmv=_money(gmv),
            refund=_money(refund),
            net_sales=_money(net),
        )
        for code, gmv, refund, net in rows
    ]


def _top_counties(con: duckdb.DuckDBPyConnection, year: int, top: int) -> list[TopUnit]:
    rows = con.execute(
        """
        select county_code, county_name, city_name, net_sales, top_product_name
        from marts.county_years
        where year = ? and net_sales > 0
        order by net_sales desc, county_code
        limit ?
        """,
        [year, top],
    ).fetchall()
    return [
        TopUnit(
            unit_id=code,
            name=name,
            place=city or "",
            net_sales=_money(net),
            note=f"百品：{product}" if product else "",
        )
        for code, name, city, net, product in rows
    ]


def _top_enterprises(con: duckdb.DuckDBPyConnection, year: int, top: int) -> list[TopUnit]:
    rows = con.execute(
        """
        select credit_code, enterprise_name, city_name, county_name, net_sales
        from marts.enterprise_years
        where year = ? and net_sales > 0
        order by net_sales desc, credit_code
        limit ?
        """,
        [year, top],
    ).fetchall()
    return [
        TopUnit(
            unit_id=code,
            name=name,
            place=f"{city or ''}{county or ''}",
            net_sales=_money(net),
        )
        for code, name, city, county, net in rows
    ]


def _event_platforms(text: str | None) -> list[str]:
    """Platform codes of an event; empty means every platform."""
    codes: list[str] = []
    for token in _PLATFORM_SEPARATORS.split(text or ""):
        if not token:
            continue
        code = code_for_name(PLATFORMS, token)
        if code is None:
            log.warning("event platform %r is not a known platform; it matches no sales", token)
            code = token
        codes.append(code)
    return codes


def _fill_events(con: duckdb.DuckDBPyConnection, data: ReportData, names: dict[str, str]) -> None:
    """Each event's net sales in its window, within its platforms and place, against the
    same number of days just before it. The belts an event names are not used to narrow
    it: the plan infers many of them, and a belt festival still lifts the other belts."""
    if not table_exists(con, "raw", "events"):
        data.missing["events"] = _missing_text("raw.events", "先装载年度活动计划")
        return
    events = con.execute(
        """
        select event_id, event_name, start_date, end_date, platforms, city_code, county_code
        from raw.events
        where year = ?
        order by start_date, event_id
        """,
        [data.year],
    ).fetchall()
    if not events:
        data.missing["events"] = f"raw.events 中没有 {data.year} 年度的活动：先装载年度活动计划"
        return
    first_sale = con.execute("select min(sale_date) from marts.fct_sales").fetchone()
    coverage_start: dt.date | None = first_sale[0] if first_sale else None
    for event_id, name, start, end, platforms, city_code, county_code in events:
        codes = _event_platforms(platforms)
        days = (end - start).days + 1
        before_start = start - dt.timedelta(days=days)
        filters = ["sale_date between ? and ?"]
        day_before = start - dt.timedelta(days=1)
        # the two sums' windows, then the where clause's span over both
        params: list[Any] = [start, end, before_start, day_before, before_start, end]
        scope = ["平台：" + ("、".join(PLATFORMS.get(code, code) for code in codes) or "全部")]
        if codes:
            filters.append("list_contains(?, platform)")
            params.append(codes)
        if county_code:
            filters.append("county_code = ?")
            params.append(county_code)
            scope.append("地点：" + names.get(county_code, county_code))
        elif city_code:
            filters.append("city_code = ?")
            params.append(city_code)
            scope.append("地点：" + names.get(city_code, city_code))
        window, before = con.execute(
            f"""
            select
                sum(net_sales) filter (where sale_date between ? and ?),
                sum(net_sales) filter (where sale_date between ? and ?)
            from marts.fct_sales
            where {" and ".join(filters)}
            """,
            params,
        ).fetchone() or (None, None)
        data.events.append(
            EventSales(
                event_id=event_id,
                event_name=name,
                start_date=start,
                end_date=end,
                scope="；".join(scope),
                window_net_sales=_money(window),
                before_net_sales=_money(before),
                before_covered=coverage_start is not None and coverage_start <= before_start,
            )
        )


def _columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> set[str]:
    rows = con.execute(
        "select column_name from information_schema.columns "
        "where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchall()
    return {name for (name,) in rows}


def _roster(con: duckdb.DuckDBPyConnection, year: int) -> list[RosterChange]:
    """The ledger's lines for `year`; effective_year and registry_next_year are read when
    scoring writes them (they came after the first contract)."""
    present = _columns(con, "scoring", "roster_ledger")
    effective = "effective_year" if "effective_year" in present else "null"
    registry = "registry_next_year" if "registry_next_year" in present else "null"
    rows = con.execute(
        f"""
        select
            unit_id, unit_name, status_before, status_after, rule, reason,
            {effective}, {registry}
        from scoring.roster_ledger
        where year = ?
        order by rule, unit_id
        """,
        [year],
    ).fetchall()
    return [
        RosterChange(
            unit_id=str(unit_id),
            unit_name=str(unit_name or ""),
            status_before=str(before or ""),
            status_after=str(after or ""),
            rule=str(rule or ""),
            reason=str(reason or ""),
            effective_year=effective_year,
            registry_note=str(registry_text or ""),
        )
        for (unit_id, unit_name, before, after, rule, reason, effective_year, registry_text) in rows
    ]


def _goals(con: duckdb.DuckDBPyConnection, year: int) -> list[GoalProgress]:
    """The 千百十 goals. Taking part = in the year's registry with sales (gmv > 0);
    doubled = the year's net sales at least twice those of the enterprise's first year in
    the programme (首次参加年度), which must be in the warehouse with net sales > 0."""
    registered, selling, focused = con.execute(
        """
        select
            count(*),
            count(*) filter (where gmv > 0),
            count(*) filter (where is_focused)
        from marts.enterprise_years
        where year = ?
        """,
        [year],
    ).fetchone() or (0, 0, 0)
    doubled, no_baseline = con.execute(
        """
        with this_year as (

            select credit_code, first_year, net_sales
            from marts.enterprise_years
            where year = ? and first_year < year

        ),

        first_years as (

            select credit_code, year, net_sales
            from marts.enterprise_years

        )

        select
            count(*) filter (
                where first_years.net_sales > 0
                and this_year.net_sales >= 2 * first_years.net_sales
            ),
            count(*) filter (
                where first_years.net_sales is null or first_years.net_sales <= 0
            )
        from this_year
        left join first_years
            on first_years.credit_code = this_year.credit_code
            and first_years.year = this_year.first_year
        """,
        [year],
    ).fetchone() or (0, 0)
    return [
        GoalProgress(
            key="participants",
            title="上千家企业线上销售",
            target=GOAL_PARTICIPANTS,
            actual=int(selling),
            note=f"企业库登记 {registered} 家，其中本年度有销售 {selling} 家",
        ),
        GoalProgress(
            key="focused",
            title="重点培育上百家企业和品牌",
            target=GOAL_FOCUSED,
            actual=int(focused),
            note="企业库中标注为重点培育的企业",
        ),
        GoalProgress(
            key="doubled",
            title="数十家企业电商销量翻倍",
            target=GOAL_DOUBLED,
            actual=int(doubled),
            note=f"与首次参加年度相比净销售额翻倍；{no_baseline} 家首年无销售数据，未计入",
        ),
    ]


def _quality(con: duckdb.DuckDBPyConnection, year: int, has_sales: bool) -> DataQuality:
    files, read, loaded, rejected, skipped = con.execute(
        """
        select
            count(*),
            coalesce(sum(rows_read), 0),
            coalesce(sum(rows_loaded), 0),
            coalesce(sum(rows_rejected), 0),
            coalesce(sum(rows_skipped), 0)
        from raw.loads
        """
    ).fetchone() or (0, 0, 0, 0, 0)
    reasons: list[tuple[str, int]] = []
    if table_exists(con, "raw", "rejected_rows"):
        reasons = [
            (str(code), int(count))
            for code, count in con.execute(
                """
                select reason_code, count(*) as rows
                from raw.rejected_rows
                group by reason_code
                order by rows desc, reason_code
                """
            ).fetchall()
        ]
    net_sales, unattributed = _ZERO, _ZERO
    if has_sales:
        total, outside = con.execute(
            """
            select sum(net_sales), sum(net_sales) filter (where not is_attributed)
            from marts.fct_sales
            where year = ?
            """,
            [year],
        ).fetchone() or (None, None)
        net_sales, unattributed = _money(total), _money(outside)
    return DataQuality(
        files=int(files),
        rows_read=int(read),
        rows_loaded=int(loaded),
        rows_rejected=int(rejected),
        rows_skipped=int(skipped),
        rejects_by_reason=reasons,
        net_sales=net_sales,
        unattributed_net_sales=unattributed,
    )
