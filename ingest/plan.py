"""The annual plan of promotion events: read, validate, resolve windows to dates, load.

A plan file (`data/plans/<year>.yaml`) transcribes the year's notice: each event with
its window as worded and as structure (days, a month, a month range, or lunar dates),
its place, platforms and belts, and the values the notice left out marked as inferred.
Lunar windows are turned into dates by lunar_python, so no solar date is ever typed in
by hand. This module must never invent an event or a date the file does not give, and
never leave half a year's events in the warehouse.
"""

from __future__ import annotations

import calendar
import logging
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import yaml
from lunar_python import Lunar

from ingest import bookkeeping
from ingest.divisions import CountyError, county_by_code, resolve_city
from warehouse.errors import RegistryError
from warehouse.paths import PLANS_DIR
from warehouse.vocab import BELTS, PLATFORMS

log = logging.getLogger(__name__)

PRECISIONS = ("day", "month", "month_range", "lunar")
PLACE_KINDS = ("province", "city", "county", "base", "platform", "outside")
INFERABLE_FIELDS = ("id", "window", "place", "city", "county", "platforms", "belts")
_TOP_KEYS = {"year", "source", "aims", "activities"}
_AIM_KEYS = {"min_activities", "months"}
_ACTIVITY_KEYS = {
    "id",
    "number",
    "group",
    "name",
    "window_text",
    "window",
    "place",
    "platforms",
    "belts",
    "inferred",
}
_PLACE_KEYS = {"text", "kind", "city", "county"}


@dataclass(frozen=True)
class Window:
    text: str
    precision: str
    start: date
    end: date

    def overlaps_month(self, year: int, month: int) -> bool:
        first = date(year, month, 1)
        last = date(year, month, calendar.monthrange(year, month)[1])
        return self.start <= last and self.end >= first


@dataclass(frozen=True)
class Place:
    text: str
    kind: str
    city_code: str | None
    county_code: str | None


@dataclass(frozen=True)
class Activity:
    id: str
    number: int
    group: str
    name: str
    window: Window
    place: Place
    platforms: tuple[str, ...]
    belts: tuple[str, ...]
    inferred: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Aims:
    min_activities: int
    months: tuple[int, ...]


@dataclass(frozen=True)
class Plan:
    year: int
    source: str
    aims: Aims
    activities: tuple[Activity, ...]
    path: Path


class _Where:
    """Where in the plan file a problem is, so every error names the activity and key."""

    def __init__(self, path: Path, activity: str | None = None) -> None:
        self.path = path
        self.activity = activity

    def error(self, key: str, problem: str, hint: str | None = None) -> RegistryError:
        where = f"activity {self.activity}" if self.activity else "the plan"
        return RegistryError(
            f"{self.path.name}: {where}, key {key!r}: {problem}",
            hint or "fix the plan file; its header comment describes every key",
        )


def plan_path(year: int) -> Path:
    """The bundled plan file of a year."""
    return PLANS_DIR / f"{year}.yaml"


def load_plan(path: Path | str) -> Plan:
    """Read and validate a plan file; windows resolved to start and end dates."""
    source = Path(path)
    where = _Where(source)
    if not source.is_file():
        raise RegistryError(f"no plan file at {source}", "write data/plans/<year>.yaml")
    try:
        document = yaml.safe_load(source.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise RegistryError(f"{source.name} is not valid YAML: {error}", "fix its syntax") from None
    document = _mapping(where, "(file)", document, required=_TOP_KEYS, allowed=_TOP_KEYS)
    year = _integer(where, "year", document["year"])
    aims = _aims(where, document["aims"])
    entries = document["activities"]
    if not isinstance(entries, list) or not entries:
        raise where.error("activities", "must be a non-empty list of activities")
    activities: list[Activity] = []
    seen: set[str] = set()
    for position, entry in enumerate(entries, start=1):
        activity = _activity(source, position, entry)
        if activity.id in seen:
            raise _Where(source, activity.id).error("id", "is used by an earlier activity")
        seen.add(activity.id)
        activities.append(activity)
    plan = Plan(year, str(document["source"]), aims, tuple(activities), source)
    log.info("read plan %s: %d activities for %d", source.name, len(activities), year)
    return plan


def _mapping(
    where: _Where, key: str, value: Any, *, required: set[str], allowed: set[str]
) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise where.error(key, f"must be a mapping, got {type(value).__name__}")
    missing = sorted(required - value.keys())
    if missing:
        raise where.error(key, f"lacks {', '.join(missing)}")
    unknown = sorted(str(name) for name in value.keys() - allowed)
    if unknown:
        raise where.error(key, f"has unknown keys {', '.join(unknown)}")
    return value


def _integer(where: _Where, key: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise where.error(key, f"must be a whole number, got {value!r}")
    return value


def _text(where: _Where, key: str, value: Any, *, allow_empty: bool = False) -> str:
    if not isinstance(value, str) or (not allow_empty and not value.strip()):
        raise where.error(key, f"must be {'text' if allow_empty else 'non-empty text'}")
    return value.strip()


def _aims(where: _Where, value: Any) -> Aims:
    aims = _mapping(where, "aims", value, required=_AIM_KEYS, allowed=_AIM_KEYS)
    months = aims["months"]
    if not isinstance(months, list) or not all(isinstance(m, int) and 1 <= m <= 12 for m in months):
        raise where.error("aims.months", "must be a list of month numbers 1..12")
    return Aims(_integer(where, "aims.min_activities", aims["min_activities"]), tuple(months))


def _activity(path: Path, position: int, entry: Any) -> Activity:
    where = _Where(path, f"#{position}")
    if isinstance(entry, dict) and isinstance(entry.get("id"), str):
        where = _Where(path, f"{entry['id']} ({entry.get('name', '?')})")
    required = _ACTIVITY_KEYS - {"inferred"}
    fields = _mapping(where, "activity", entry, required=required, allowed=_ACTIVITY_KEYS)
    inferred = fields.get("inferred") or {}
    if not isinstance(inferred, dict):
        raise where.error("inferred", "must map a field name to the reason it was inferred")
    for name, reason in inferred.items():
        if name not in INFERABLE_FIELDS:
            raise where.error("inferred", f"names {name!r}, not one of {INFERABLE_FIELDS}")
        _text(where, f"inferred.{name}", reason)
    window_text = _text(where, "window_text", fields["window_text"], allow_empty=True)
    if not window_text and "window" not in inferred:
        raise where.error("window_text", "is empty but the window is not marked inferred")
    place = _place(where, fields["place"], inferred)
    return Activity(
        id=_text(where, "id", fields["id"]),
        number=_integer(where, "number", fields["number"]),
        group=_text(where, "group", fields["group"]),
        name=_text(where, "name", fields["name"]),
        window=_resolve_window(where, window_text, fields["window"]),
        place=place,
        platforms=_codes(where, "platforms", fields["platforms"], PLATFORMS),
        belts=_codes(where, "belts", fields["belts"], BELTS),
        inferred={str(name): str(reason).strip() for name, reason in inferred.items()},
    )


def _codes(where: _Where, key: str, value: Any, vocabulary: dict[str, str]) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise where.error(key, "must be a list of codes ([] means all)")
    for code in value:
        if str(code) not in vocabulary:
            raise where.error(
                key, f"has unknown code {code!r}", f"use one of {', '.join(vocabulary)}"
            )
    return tuple(str(code) for code in value)


def _place(where: _Where, value: Any, inferred: dict[str, Any]) -> Place:
    place = _mapping(where, "place", value, required=_PLACE_KEYS, allowed=_PLACE_KEYS)
    text = _text(where, "place.text", place["text"], allow_empty=True)
    if not text and "place" not in inferred:
        raise where.error("place.text", "is empty but the place is not marked inferred")
    kind = place["kind"]
    if kind not in PLACE_KINDS:
        raise where.error("place.kind", f"is {kind!r}, not one of {', '.join(PLACE_KINDS)}")
    city_code = None if place["city"] is None else str(place["city"])
    county_code = None if place["county"] is None else str(place["county"])
    if city_code is not None:
        try:
            city_code = resolve_city(city_code).code
        except CountyError as error:
            raise where.error("place.city", error.title) from None
    if county_code is not None:
        county = county_by_code(county_code)
        if county is None:
            raise where.error("place.county", f"{county_code} is not a current county code")
        if city_code is not None and county.city_code != city_code:
            raise where.error(
                "place.county", f"{county_code} {county.name} is not in city {city_code}"
            )
        city_code = county.city_code
    if kind == "city" and city_code is None:
        raise where.error("place.city", "a place of kind city needs its city code")
    if kind == "county" and county_code is None:
        raise where.error("place.county", "a place of kind county needs its county code")
    return Place(text, kind, city_code, county_code)


def _ymd(where: _Where, key: str, value: Any, length: int) -> tuple[int, ...]:
    if (
        not isinstance(value, list)
        or len(value) != length
        or not all(isinstance(part, int) and not isinstance(part, bool) for part in value)
    ):
        shape = "[year, month, day]" if length == 3 else "[year, month]"
        raise where.error(key, f"must be {shape}, got {value!r}")
    return tuple(value)


def _solar(where: _Where, key: str, parts: tuple[int, ...]) -> date:
    try:
        return date(*parts)
    except ValueError as error:
        raise where.error(key, f"{list(parts)} is not a date ({error})") from None


def _lunar(where: _Where, key: str, parts: tuple[int, ...]) -> date:
    """A lunar date (农历 year, month 1..12, day) as its solar date; leap months not used."""
    year, month, day = parts
    if not 1 <= month <= 12 or not 1 <= day <= 30:
        raise where.error(key, f"{list(parts)} is not a lunar month 1..12 and day 1..30")
    try:
        solar = Lunar.fromYmd(year, month, day).getSolar()
    except Exception as error:  # lunar_python raises bare exceptions for impossible days
        raise where.error(key, f"{list(parts)} is not a lunar date ({error})") from None
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


def _resolve_window(where: _Where, text: str, value: Any) -> Window:
    """The window's first and last day, inclusive, from its structured form."""
    if not isinstance(value, dict) or len(value) != 1:
        raise where.error("window", f"must have exactly one of {', '.join(PRECISIONS)}")
    precision, spec = next(iter(value.items()))
    if precision == "month":
        year, month = _ymd(where, "window.month", spec, 2)
        start = _solar(where, "window.month", (year, month, 1))
        end = date(year, month, calendar.monthrange(year, month)[1])
    elif precision in ("day", "lunar", "month_range"):
        key = f"window.{precision}"
        bounds = _mapping(where, key, spec, required={"from", "to"}, allowed={"from", "to"})
        if precision == "month_range":
            first = _ymd(where, f"{key}.from", bounds["from"], 2)
            last = _ymd(where, f"{key}.to", bounds["to"], 2)
            start = _solar(where, f"{key}.from", (*first, 1))
            end_month = _solar(where, f"{key}.to", (*last, 1))
            end = end_month.replace(day=calendar.monthrange(*last)[1])
        else:
            convert = _solar if precision == "day" else _lunar
            start = convert(where, f"{key}.from", _ymd(where, f"{key}.from", bounds["from"], 3))
            end = convert(where, f"{key}.to", _ymd(where, f"{key}.to", bounds["to"], 3))
    else:
        raise where.error("window", f"has {precision!r}, not one of {', '.join(PRECISIONS)}")
    if end < start:
        raise where.error("window", f"ends ({end}) before it starts ({start})")
    return Window(text, str(precision), start, end)


def check_plan(plan: Plan) -> list[str]:
    """Where the plan falls short of its notice's aims; empty when it meets them all."""
    problems: list[str] = []
    if len(plan.activities) < plan.aims.min_activities:
        problems.append(
            f"{plan.year} plan has {len(plan.activities)} activities, "
            f"fewer than the {plan.aims.min_activities} the notice aims for"
        )
    for month in plan.aims.months:
        if not any(a.window.overlaps_month(plan.year, month) for a in plan.activities):
            problems.append(f"{plan.year} plan has no activity in month {month}")
    for problem in problems:
        log.warning("plan %s: %s", plan.path.name, problem)
    return problems


def _event_rows(plan: Plan, load_id: int) -> list[tuple[Any, ...]]:
    rows = []
    for position, activity in enumerate(plan.activities, start=1):
        window, place = activity.window, activity.place
        rows.append(
            (
                load_id,
                plan.path.name,
                position,
                plan.year,
                activity.id,
                activity.name,
                window.text,
                window.precision,
                window.start,
                window.end,
                place.kind,
                place.text,
                place.city_code,
                place.county_code,
                ",".join(activity.platforms),
                ",".join(activity.belts),
                ",".join(activity.inferred) or None,
                "; ".join(f"{k}: {v}" for k, v in activity.inferred.items()) or None,
            )
        )
    return rows


_EVENT_COLUMNS = (
    "load_id, source_file, source_row, year, event_id, event_name, window_text, "
    "window_precision, start_date, end_date, place_kind, place_text, city_code, county_code, "
    "platforms, belts, inferred_fields, inferred_reason"
)


def load_plan_into(con: duckdb.DuckDBPyConnection, plan: Plan) -> int:
    """Replace the plan year's rows of raw.events, in one transaction; returns the load id.

    The plan is small and edited by hand, so a changed file replaces the year's events
    whole. The same bytes loaded again change nothing and return the earlier load id.
    """
    content_hash = bookkeeping.file_hash(plan.path)
    earlier = bookkeeping.already_loaded(con, content_hash)
    if earlier is not None and _events_of_load(con, plan.year, earlier):
        log.info("plan %s already loaded as load %d; nothing to do", plan.path.name, earlier)
        return earlier
    con.execute("begin transaction")
    try:
        load_id = bookkeeping.next_load_id(con)
        rows = _event_rows(plan, load_id)
        con.execute("delete from raw.events where year = ?", [plan.year])
        con.executemany(
            f"insert into raw.events ({_EVENT_COLUMNS}) values ({', '.join('?' * 18)})", rows
        )
        bookkeeping.record_load(
            con,
            load_id=load_id,
            source_path=plan.path,
            content_hash=content_hash,
            kind="plan",
            layout="plan",
            rows_read=len(rows),
            rows_loaded=len(rows),
            rows_rejected=0,
            rows_skipped=0,
            encoding="utf-8",
        )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    log.info("loaded %d events of the %d plan as load %d", len(rows), plan.year, load_id)
    return load_id


def _events_of_load(con: duckdb.DuckDBPyConnection, year: int, load_id: int) -> bool:
    row = con.execute(
        "select count(*) from raw.events where year = ? and load_id = ?", [year, load_id]
    ).fetchone()
    return bool(row and row[0])
