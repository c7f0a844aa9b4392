"""The events view of a year: the annual plan month by month, and how each event did.

`events_view(con, year)` reads the plan as loaded (raw.events), the 挂标 enrolments
(raw.enrolments), the year's plan file for the notice's aims (ingest.plan.check_plan),
and, once the marts are built, each event's sales against the same number of days
before it (marts.event_results) and each enrolled unit's sales in it
(marts.event_sales). Before a build the view still shows the plan and who enrolled,
with `has_sales` False. Money stays exact Decimal yuan; 万元 is the renderer's business.
This module only reads: it never writes to the warehouse and never decides who joined
an event (dbt does, in event_sales).
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

import duckdb

from ingest.plan import check_plan, load_plan, plan_path
from warehouse.db import table_exists
from warehouse.errors import NoDataError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EventResult:
    """An event's sales as marts.event_results counts them (see its yml for the rules)."""

    window_days: int
    gmv: Decimal
    net_sales: Decimal
    enterprise_count: int
    store_count: int
    baseline_start: dt.date
    baseline_end: dt.date
    baseline_net_sales: Decimal
    net_sales_change_rate: Decimal | None
    enrolled_count: int
    joined_count: int
    enrolled_net_sales: Decimal


@dataclass(frozen=True)
class EnrolledUnit:
    """A unit enrolled (挂标) in an event; no platforms = all the event's platforms.

    `net_sales` is what counts for the event on its enrolled platforms; None before the
    marts are built.
    """

    credit_code: str
    unit_name: str | None
    platforms: tuple[str, ...]
    net_sales: Decimal | None


@dataclass(frozen=True)
class EventLine:
    """One event of the plan: as worded, as resolved, and (with sales) as it did."""

    event_id: str
    event_name: str
    window_text: str
    window_precision: str
    start_date: dt.date
    end_date: dt.date
    place_kind: str
    place_text: str
    city_code: str | None
    county_code: str | None
    platforms: tuple[str, ...]
    belts: tuple[str, ...]
    inferred_fields: tuple[str, ...]
    inferred_reason: str | None
    enrolled: tuple[EnrolledUnit, ...]
    result: EventResult | None


@dataclass(frozen=True)
class PlanMonth:
    """A month of the plan's year: the events whose window touches it."""

    month: int
    is_aim: bool
    event_ids: tuple[str, ...]


@dataclass(frozen=True)
class EventsView:
    """Everything `chuanhuo events --year` shows, as plain values.

    `plan_problems` is None when the year has no plan file to read the aims from.
    """

    year: int
    events: tuple[EventLine, ...]
    months: tuple[PlanMonth, ...]
    aims_min_activities: int | None
    plan_problems: tuple[str, ...] | None
    has_sales: bool

    def to_dict(self) -> dict[str, Any]:
        """The view as JSON-ready values: dates ISO, money as strings of yuan."""
        return _jsonable(asdict(self))


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if isinstance(value, Decimal | dt.date):
        return str(value)
    return value


def _codes(text: str | None) -> tuple[str, ...]:
    return tuple(part for part in (text or "").split(",") if part)


def events_view(con: duckdb.DuckDBPyConnection, year: int) -> EventsView:
    """The year's events view; NoDataError when no plan of that year is loaded."""
    if not table_exists(con, "raw", "events"):
        raise _no_plan(year)
    rows = con.execute(
        """
        select
            event_id, event_name, window_text, window_precision, start_date, end_date,
            place_kind, place_text, city_code, county_code, platforms, belts,
            inferred_fields, inferred_reason
        from raw.events
        where year = ?
        qualify row_number() over (partition by event_id order by load_id desc) = 1
        order by start_date, source_row
        """,
        [year],
    ).fetchall()
    if not rows:
        raise _no_plan(year)
    has_sales = table_exists(con, "marts", "event_results")
    results = _results(con, year) if has_sales else {}
    enrolled = _enrolled(con, year, with_sales=has_sales)
    events = tuple(
        EventLine(
            event_id=row[0],
            event_name=row[1],
            window_text=row[2],
            window_precision=row[3],
            start_date=row[4],
            end_date=row[5],
            place_kind=row[6],
            place_text=row[7],
            city_code=row[8],
            county_code=row[9],
            platforms=_codes(row[10]),
            belts=_codes(row[11]),
            inferred_fields=_codes(row[12]),
            inferred_reason=row[13],
            enrolled=enrolled.get(row[0], ()),
            result=results.get(row[0]),
        )
        for row in rows
    )
    aims_min, aim_months, problems = _plan_check(year)
    months = tuple(
        PlanMonth(
            month=month,
            is_aim=month in aim_months,
            event_ids=tuple(event.event_id for event in events if _touches(event, year, month)),
        )
        for month in range(1, 13)
    )
    log.info(
        "events view of %d: %d events, %d enrolments, sales %s",
        year,
        len(events),
        sum(len(event.enrolled) for event in events),
        "built" if has_sales else "not built yet",
    )
    return EventsView(
        year=year,
        events=events,
        months=months,
        aims_min_activities=aims_min,
        plan_problems=problems,
        has_sales=has_sales,
    )


def _no_plan(year: int) -> NoDataError:
    return NoDataError(
        f"no events of {year} in the warehouse",
        f"write data/plans/{year}.yaml and load it with chuanhuo registries <folder>",
    )


def _touches(event: EventLine, year: int, month: int) -> bool:
    first = dt.date(year, month, 1)
    last = dt.date(year, month, calendar.monthrange(year, month)[1])
    return event.start_date <= last and event.end_date >= first


def _plan_check(year: int) -> tuple[int | None, frozenset[int], tuple[str, ...] | None]:
    """The notice's aims and where the plan file falls short of them."""
    path = plan_path(year)
    if not path.is_file():
        log.warning("no plan file %s: the events view cannot check the notice's aims", path)
        return None, frozenset(), None
    plan = load_plan(path)
    return plan.aims.min_activities, frozenset(plan.aims.months), tuple(check_plan(plan))


def _results(con: duckdb.DuckDBPyConnection, year: int) -> dict[str, EventResult]:
    rows = con.execute(
        """
        select
            event_id, window_days, gmv, net_sales, enterprise_count, store_count,
            baseline_start, baseline_end, baseline_net_sales, net_sales_change_rate,
            enrolled_count, joined_count, enrolled_net_sales
        from marts.event_results
        where event_year = ?
        """,
        [year],
    ).fetchall()
    return {row[0]: EventResult(*row[1:]) for row in rows}


def _enrolled(
    con: duckdb.DuckDBPyConnection, year: int, *, with_sales: bool
) -> dict[str, tuple[EnrolledUnit, ...]]:
    """Who enrolled in each event, with the unit's name and (built) its sales in it.

    A blank platform enrols the unit on all the event's platforms and outweighs its
    single-platform rows, as in dbt's int_enrolments_deduplicated.
    """
    if not table_exists(con, "raw", "enrolments"):
        return {}
    rows = con.execute(
        """
        with names as (
            select credit_code, enterprise_name
            from raw.enterprises
            where year = ?
            qualify row_number() over (
                partition by credit_code order by load_id desc, source_row desc
            ) = 1
        )
        select
            enrolments.event_id,
            enrolments.credit_code,
            any_value(names.enterprise_name),
            bool_or(enrolments.platform is null),
            list(distinct enrolments.platform order by enrolments.platform)
                filter (where enrolments.platform is not null)
        from raw.enrolments as enrolments
        left join names on enrolments.credit_code = names.credit_code
        where enrolments.year = ?
        group by enrolments.event_id, enrolments.credit_code
        order by enrolments.event_id, enrolments.credit_code
        """,
        [year, year],
    ).fetchall()
    sales: dict[tuple[str, str], Decimal] = {}
    if with_sales and table_exists(con, "marts", "event_sales"):
        found = con.execute(
            """
            select event_id, credit_code, sum(net_sales)
            from marts.event_sales
            where event_year = ? and is_enrolled
            group by event_id, credit_code
            """,
            [year],
        ).fetchall()
        sales = {(event_id, code): amount for event_id, code, amount in found}
    zero = Decimal("0.00")
    enrolled: dict[str, list[EnrolledUnit]] = {}
    for event_id, code, name, every_platform, platforms in rows:
        enrolled.setdefault(event_id, []).append(
            EnrolledUnit(
                credit_code=code,
                unit_name=name,
                platforms=() if every_platform else tuple(platforms or ()),
                net_sales=sales.get((event_id, code), zero) if with_sales else None,
            )
        )
    return {event_id: tuple(units) for event_id, units in enrolled.items()}
