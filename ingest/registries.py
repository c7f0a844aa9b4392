"""Loading the registries cities submit: 企业库, 店铺, 四川好物库, 直播人才库 and 挂标.

A registry file is one year's snapshot of one registry, CSV or Excel with Chinese
headers (README "Registries"). Its kind is read from the header, or else from the
file name. Rows are validated with pandera (lazily, so every problem of a file is
reported at once); a bad row goes to raw.rejected_rows with its row number, column,
reason code and a reason a person can act on. Chinese names become the warehouse's
codes, a county written by name or by a retired code becomes today's county code.

Two rows that disagree about the same thing (one credit code in two counties, one
store claimed by two enterprises) are never settled here: both are rejected with
reason code 'conflict', logged as a WARNING and returned, so a person decides.
Every file is loaded whole in one transaction or not at all; a file seen before
(same bytes) changes nothing.

挂标 (event enrolment) rows name things loaded elsewhere: an event of the year's plan
and a unit of the year's 企业库. A row naming an event or unit the warehouse does not
know is rejected ('unknown_event', 'unknown_unit'), never loaded on trust.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandera.polars as pa
import polars as pl

from ingest import bookkeeping, cells, credit_code
from ingest.cells import normalise_header
from ingest.divisions import CountyError, resolve_county
from ingest.plan import load_plan, plan_path
from ingest.reader import EXCEL_SUFFIXES, SOURCE_ROW, RawTable, read_table
from warehouse.errors import InputFileError
from warehouse.vocab import (
    BELTS,
    DEMONSTRATION_KINDS,
    ENTERPRISE_TYPES,
    PLATFORMS,
    code_for_name,
)

log = logging.getLogger(__name__)

REGISTRY_SUFFIXES = frozenset({".csv", *EXCEL_SUFFIXES})
_BELT_SEPARATORS = re.compile(r"[、,，;；/／\s]+")
_YEAR = re.compile(r"^(19|20)\d{2}$")
_TRUE = frozenset({"是", "Y", "y", "yes", "true", "1"})
_FALSE = frozenset({"否", "N", "n", "no", "false", "0"})

Problem = tuple[str, str]  # (reason code, reason)
Mappings = dict[str, list[int]]  # retired county -> today's, with the rows that gave it


# What each kind of cell may hold: a checker returns None or (reason code, what is wrong).


def _year_problem(text: str) -> Problem | None:
    if _YEAR.match(text):
        return None
    return "bad_year", f"{text!r} is not a four-digit year"


def _credit_code_problem(text: str) -> Problem | None:
    problem = credit_code.problem(text)
    return None if problem is None else ("bad_credit_code", problem)


def _county_problem(text: str) -> Problem | None:
    try:
        resolve_county(text)
    except CountyError as error:
        return error.reason_code, error.title
    return None


def _vocabulary_problem(vocabulary: dict[str, str], what: str) -> Callable[[str], Problem | None]:
    def check(text: str) -> Problem | None:
        if code_for_name(vocabulary, text) is not None:
            return None
        return f"unknown_{what}", (
            f"{what} {text!r} is unknown; use one of {'/'.join(vocabulary.values())}"
        )

    return check


def _belts_problem(text: str) -> Problem | None:
    unknown = [part for part in _split_belts(text) if code_for_name(BELTS, part) is None]
    if not unknown:
        return None
    return "unknown_belt", (
        f"belt {'、'.join(unknown)} is unknown; use {'/'.join(BELTS.values())}, joined by 、"
    )


def _boolean_problem(text: str) -> Problem | None:
    if text in _TRUE or text in _FALSE:
        return None
    return "bad_boolean", f"{text!r} is not 是 or 否"


def _split_belts(text: str) -> list[str]:
    return [part for part in _BELT_SEPARATORS.split(text) if part]


@dataclass(frozen=True)
class Column:
    """One registry column: the field it fills, its header names, what its cells may hold."""

    key: str
    headers: tuple[str, ...]
    required: bool = True
    check: Callable[[str], Problem | None] | None = None
    identifier: bool = False

    def header_in(self, headers: Iterable[str]) -> str | None:
        present = set(headers)
        for name in self.headers:
            if normalise_header(name) in present:
                return normalise_header(name)
        return None


@dataclass(frozen=True)
class RegistryKind:
    """One of the registries: its columns, the raw table it feeds, its name hints."""

    kind: str
    label: str
    table: str
    name_hints: tuple[str, ...]
    columns: tuple[Column, ...]

    def missing(self, headers: Iterable[str]) -> list[str]:
        names = list(headers)
        return [column.headers[0] for column in self.columns if column.header_in(names) is None]


_YEAR_COLUMN = Column("year", ("年度",), check=_year_problem, identifier=True)
_PLATFORM_COLUMN = Column("platform", ("平台",), check=_vocabulary_problem(PLATFORMS, "platform"))

KINDS: dict[str, RegistryKind] = {
    "enterprises": RegistryKind(
        kind="enterprises",
        label="企业库",
        table="enterprises",
        name_hints=("企业库", "enterprise"),
        columns=(
            _YEAR_COLUMN,
            Column("credit_code", ("统一社会信用代码",), check=_credit_code_problem),
            Column("enterprise_name", ("企业名称",)),
            Column(
                "county",
                ("县（市、区）代码", "县（市、区）", "县区代码", "县代码", "所在县"),
                check=_county_problem,
                identifier=True,
            ),
            Column(
                "enterprise_type",
                ("类型", "企业类型"),
                check=_vocabulary_problem(ENTERPRISE_TYPES, "type"),
            ),
            Column("belts", ("产业带",), required=False, check=_belts_problem),
            Column(
                "demonstration_kind",
                ("示范类型",),
                required=False,
                check=_vocabulary_problem(DEMONSTRATION_KINDS, "demonstration_kind"),
            ),
            Column(
                "demonstration_since",
                ("示范起始年度",),
                required=False,
                check=_year_problem,
                identifier=True,
            ),
            Column("first_year", ("首次参加年度",), check=_year_problem, identifier=True),
            # Cities leave 否 blank more often than not: a blank flag reads as 否.
            Column("is_time_honoured", ("中华老字号",), required=False, check=_boolean_problem),
            Column("is_focused", ("重点培育",), required=False, check=_boolean_problem),
        ),
    ),
    "stores": RegistryKind(
        kind="stores",
        label="店铺",
        table="stores",
        name_hints=("店铺", "store"),
        columns=(
            _YEAR_COLUMN,
            _PLATFORM_COLUMN,
            Column("store_id", ("店铺ID", "店铺编号"), identifier=True),
            Column("store_name", ("店铺名称",)),
            Column("credit_code", ("统一社会信用代码",), check=_credit_code_problem),
        ),
    ),
    "products": RegistryKind(
        kind="products",
        label="四川好物库",
        table="products",
        name_hints=("好物", "product"),
        columns=(
            _YEAR_COLUMN,
            Column("product_code", ("商品编号",), identifier=True),
            Column("product_name", ("商品名称",)),
            Column("belt", ("产业带",), check=_vocabulary_problem(BELTS, "belt")),
            Column(
                "origin_county",
                ("原产地县代码", "原产地县", "原产地"),
                check=_county_problem,
                identifier=True,
            ),
            Column("is_gi", ("地理标志",), required=False, check=_boolean_problem),
            Column("credit_code", ("统一社会信用代码",), check=_credit_code_problem),
            # A product may be listed before it has an item on any platform: the three
            # item columns are all given or all blank (checked per row).
            Column(
                "platform",
                ("平台",),
                required=False,
                check=_vocabulary_problem(PLATFORMS, "platform"),
            ),
            Column("store_id", ("店铺ID", "店铺编号"), required=False, identifier=True),
            Column("item_id", ("平台商品ID", "商品ID"), required=False, identifier=True),
        ),
    ),
    "streamers": RegistryKind(
        kind="streamers",
        label="直播人才库",
        table="streamers",
        name_hints=("直播人才", "主播", "streamer"),
        columns=(
            _YEAR_COLUMN,
            _PLATFORM_COLUMN,
            Column("streamer_id", ("主播ID", "主播账号"), identifier=True),
            Column("streamer_name", ("主播昵称",)),
            Column(
                "agency_credit_code",
                ("所属机构信用代码", "所属机构统一社会信用代码"),
                required=False,
                check=_credit_code_problem,
            ),
        ),
    ),
    # 挂标: a unit enrolled in an event; a blank 平台 means all the event's platforms.
    "enrolments": RegistryKind(
        kind="enrolments",
        label="挂标",
        table="enrolments",
        name_hints=("挂标", "enrolment"),
        columns=(
            _YEAR_COLUMN,
            Column("event_id", ("活动编号",), identifier=True),
            Column("credit_code", ("统一社会信用代码",), check=_credit_code_problem),
            Column(
                "platform",
                ("平台",),
                required=False,
                check=_vocabulary_problem(PLATFORMS, "platform"),
            ),
        ),
    ),
}
_ITEM_COLUMNS = ("platform", "store_id", "item_id")


@dataclass(frozen=True)
class Conflict:
    """Rows that disagree about the same key; this file's rows among them are rejected.

    `elsewhere` names the already loaded row of another file of the same year that the
    rows disagree with, when the conflict is between files.
    """

    registry: str
    year: int
    key: str
    field_name: str
    column: str
    values: tuple[str, ...]
    rows: tuple[int, ...]
    elsewhere: str | None = None

    def describe(self) -> str:
        rows = ", ".join(str(row) for row in self.rows)
        where = f"on rows {rows}"
        if self.elsewhere:
            where += f" and in {self.elsewhere}"
        return (
            f"{self.registry} {self.year}: {self.key} has {len(self.values)} different "
            f"{self.column} ({' / '.join(self.values)}) {where}"
        )


@dataclass
class RegistryLoad:
    """What loading one registry file did; `already_loaded` means it was a no-op."""

    path: Path
    kind: str
    load_id: int
    already_loaded: bool = False
    years: tuple[int, ...] = ()
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_skipped: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    conflicts: list[Conflict] = field(default_factory=list)
    # retired county codes or names met, each with today's county and the rows
    mapped_counties: list[str] = field(default_factory=list)

    # The same face as a platform export's LoadResult, for the CLI's table of loads.
    @property
    def source_file(self) -> str:
        return self.path.name

    @property
    def layout(self) -> str:
        return self.kind

    @property
    def status(self) -> str:
        return "duplicate" if self.already_loaded else "loaded"

    @property
    def skipped_detail(self) -> dict[str, int]:
        return self.skipped


def known_headers() -> set[str]:
    """Every header name any registry may use (for finding the header row)."""
    return {name for spec in KINDS.values() for column in spec.columns for name in column.headers}


def detect_kind(path: Path, headers: Sequence[str]) -> RegistryKind:
    """The registry whose columns are all in the header; the file name settles the rest."""
    complete = [spec for spec in KINDS.values() if not spec.missing(headers)]
    if len(complete) > 1:
        # 四川好物库 has every column of 店铺 but 店铺名称; the fuller match wins.
        complete.sort(key=lambda spec: len(spec.columns), reverse=True)
    if complete:
        return complete[0]
    named = [spec for spec in KINDS.values() if any(hint in path.name for hint in spec.name_hints)]
    if len(named) == 1:
        spec = named[0]
        raise InputFileError(
            path,
            f"looks like a {spec.label} file but lacks the columns "
            + ", ".join(spec.missing(headers)),
            "add the missing columns (README 'Registries' lists them) or rename the headers",
        )
    raise InputFileError(
        path,
        "is not a registry file: its header matches none of "
        + ", ".join(spec.label for spec in KINDS.values()),
        "check the header row against README 'Registries', or pass the kind explicitly",
    )


def _text_frame(spec: RegistryKind, frame: pl.DataFrame, headers: Sequence[str]) -> pl.DataFrame:
    """Only the registry's columns, renamed to their keys, cleaned; absent optional ones null."""
    columns = [pl.col(SOURCE_ROW)]
    for column in spec.columns:
        header = column.header_in(headers)
        if header is None:
            columns.append(pl.lit(None, dtype=pl.String).alias(column.key))
            continue
        cleaner = cells.identifier if column.identifier else cells.clean_text
        columns.append(cleaner(pl.col(header)).str.normalize("NFKC").alias(column.key))
    return frame.select(columns)


def _schema(spec: RegistryKind) -> pa.DataFrameSchema:
    columns = {}
    for column in spec.columns:
        checks = []
        if column.check is not None:
            checker = column.check
            checks.append(
                pa.Check(
                    lambda value, checker=checker: checker(value) is None,
                    element_wise=True,
                    name=column.key,
                )
            )
        columns[column.key] = pa.Column(str, nullable=not column.required, checks=checks)
    return pa.DataFrameSchema(columns, strict=False, name=spec.label)


def _original(row: dict[str, Any]) -> str:
    """The row's text for the reject table (registries hold no personal data)."""
    return json.dumps({k: v for k, v in row.items() if k != SOURCE_ROW}, ensure_ascii=False)


def _validate(path: Path, spec: RegistryKind, frame: pl.DataFrame) -> list[dict[str, Any]]:
    """One reject per bad cell: pandera finds them all, each column's checker says why."""
    try:
        _schema(spec).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        failures = errors.failure_cases
    else:
        return []
    checkers = {column.key: column.check for column in spec.columns}
    labels = {column.key: column.headers[0] for column in spec.columns}
    rejects = []
    for failure in failures.iter_rows(named=True):
        if failure["index"] is None:
            raise InputFileError(
                path,
                f"{spec.label} file failed a whole-file check: {failure['check']}",
                "check the header row against README 'Registries'",
            )
        row = frame.row(int(failure["index"]), named=True)
        key = failure["column"]
        if failure["check"] == "not_nullable":
            code, reason = "missing_value", f"{labels[key]} is blank but required"
        else:
            checker = checkers[key]
            problem = checker(str(failure["failure_case"])) if checker else None
            code, reason = problem or ("invalid", f"{labels[key]} failed {failure['check']}")
        rejects.append(_reject(row, labels[key], code, reason))
    return rejects


_REJECT_SCHEMA = {
    "source_row": pl.Int64,
    "column_name": pl.String,
    "reason_code": pl.String,
    "reason": pl.String,
    "original_row": pl.String,
}


def _reject(row: dict[str, Any], column: str | None, code: str, reason: str) -> dict[str, Any]:
    return {
        "source_row": row[SOURCE_ROW],
        "column_name": column,
        "reason_code": code,
        "reason": reason,
        "original_row": _original(row),
    }


def _flag(text: str | None) -> bool:
    return text is not None and text in _TRUE


def _county_code(text: str, row: int, mapped: Mappings) -> str:
    """Today's code; a retired code or name is noted in `mapped` with the row."""
    match = resolve_county(text)
    if match.mapped_from:
        note = "" if match.mapping_verified else " (mapping unverified)"
        mapped.setdefault(f"{match.mapped_from} -> {match.code} {match.name}{note}", []).append(row)
    return match.code


def _convert(spec: RegistryKind, row: dict[str, Any], mapped: Mappings) -> dict[str, Any]:
    """A validated text row as the raw table's values: codes, booleans, years."""
    source_row = row[SOURCE_ROW]
    values: dict[str, Any] = {SOURCE_ROW: source_row, "year": int(row["year"])}
    if spec.kind == "enterprises":
        since = row["demonstration_since"]
        values |= {
            "credit_code": row["credit_code"].upper(),
            "enterprise_name": row["enterprise_name"],
            "county_code": _county_code(row["county"], source_row, mapped),
            "enterprise_type": code_for_name(ENTERPRISE_TYPES, row["enterprise_type"]),
            "belts": ",".join(
                str(code_for_name(BELTS, part)) for part in _split_belts(row["belts"] or "")
            ),
            "demonstration_kind": (
                code_for_name(DEMONSTRATION_KINDS, row["demonstration_kind"])
                if row["demonstration_kind"]
                else None
            ),
            "demonstration_since": int(since) if since else None,
            "first_year": int(row["first_year"]),
            "is_time_honoured": _flag(row["is_time_honoured"]),
            "is_focused": _flag(row["is_focused"]),
        }
    elif spec.kind == "stores":
        values |= {
            "platform": code_for_name(PLATFORMS, row["platform"]),
            "store_id": row["store_id"],
            "store_name": row["store_name"],
            "credit_code": row["credit_code"].upper(),
        }
    elif spec.kind == "products":
        platform = row["platform"]
        values |= {
            "product_code": row["product_code"],
            "product_name": row["product_name"],
            "belt": code_for_name(BELTS, row["belt"]),
            "origin_county_code": _county_code(row["origin_county"], source_row, mapped),
            "is_gi": _flag(row["is_gi"]),
            "credit_code": row["credit_code"].upper(),
            "platform": code_for_name(PLATFORMS, platform) if platform else None,
            "store_id": row["store_id"],
            "item_id": row["item_id"],
        }
    elif spec.kind == "enrolments":
        platform = row["platform"]
        values |= {
            "event_id": row["event_id"],
            "credit_code": row["credit_code"].upper(),
            "platform": code_for_name(PLATFORMS, platform) if platform else None,
        }
    else:
        agency = row["agency_credit_code"]
        values |= {
            "platform": code_for_name(PLATFORMS, row["platform"]),
            "streamer_id": row["streamer_id"],
            "streamer_name": row["streamer_name"],
            "agency_credit_code": agency.upper() if agency else None,
        }
    return values


def _partial_items(frame: pl.DataFrame) -> list[dict[str, Any]]:
    """四川好物库 rows that give some but not all of 平台, 店铺ID, 平台商品ID."""
    given = [pl.col(key).is_not_null().cast(pl.Int8) for key in _ITEM_COLUMNS]
    partial = frame.filter(pl.sum_horizontal(given).is_between(1, 2))
    labels = {"platform": "平台", "store_id": "店铺ID", "item_id": "平台商品ID"}
    rejects = []
    for row in partial.iter_rows(named=True):
        blank = [labels[key] for key in _ITEM_COLUMNS if row[key] is None]
        rejects.append(
            _reject(
                row,
                blank[0],
                "missing_value",
                f"{'、'.join(blank)} blank while the row names a platform item; "
                "give all of 平台, 店铺ID, 平台商品ID or none",
            )
        )
    return rejects


# Header names of the converted fields, for messages (county_code came from 县（市、区）代码).
_LABELS: dict[str, dict[str, str]] = {
    kind: {
        {"county": "county_code", "origin_county": "origin_county_code"}.get(
            column.key, column.key
        ): column.headers[0]
        for column in spec.columns
    }
    for kind, spec in KINDS.items()
}

# For each registry: (what the rows are about, its key fields, the fields that must agree).
_IDENTITIES: dict[str, list[tuple[str, tuple[str, ...], tuple[str, ...]]]] = {
    "enterprises": [
        (
            "credit code",
            ("credit_code",),
            (
                "county_code",
                "enterprise_name",
                "enterprise_type",
                "belts",
                "demonstration_kind",
                "demonstration_since",
                "first_year",
                "is_time_honoured",
                "is_focused",
            ),
        )
    ],
    "stores": [("store", ("platform", "store_id"), ("credit_code", "store_name"))],
    "products": [
        (
            "product",
            ("product_code",),
            ("product_name", "belt", "origin_county_code", "is_gi", "credit_code"),
        ),
        ("platform item", ("platform", "store_id", "item_id"), ("product_code",)),
    ],
    "streamers": [
        ("streamer", ("platform", "streamer_id"), ("streamer_name", "agency_credit_code")),
    ],
    # An enrolment has nothing to disagree about: a repeat is a duplicate, another
    # platform is another enrolment.
    "enrolments": [],
}


def _conflicts(spec: RegistryKind, rows: list[dict[str, Any]]) -> tuple[list[Conflict], set[int]]:
    """Keys whose rows disagree, and the row numbers involved (all of them are rejected)."""
    conflicts: list[Conflict] = []
    involved: set[int] = set()
    for about, key_fields, agreeing in _IDENTITIES[spec.kind]:
        groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
        for row in rows:
            key = tuple(row[name] for name in key_fields)
            if any(part is None for part in key):
                continue
            groups.setdefault((row["year"], *key), []).append(row)
        for (year, *key), members in groups.items():
            for name in agreeing:
                values = list(dict.fromkeys(str(member[name]) for member in members))
                if len(values) < 2:
                    continue
                conflict = Conflict(
                    registry=spec.label,
                    year=year,
                    key=f"{about} {':'.join(str(part) for part in key)}",
                    field_name=name,
                    column=_LABELS[spec.kind].get(name, name),
                    values=tuple(values),
                    rows=tuple(member[SOURCE_ROW] for member in members),
                )
                conflicts.append(conflict)
                involved.update(conflict.rows)
                break
    return conflicts, involved


# Keys that must agree across all files of a year (cities may each send a file):
# registry -> (what, raw table, key fields, the field that must agree).
_ACROSS_FILES: dict[str, tuple[str, str, tuple[str, ...], str]] = {
    "enterprises": ("credit code", "enterprises", ("credit_code",), "county_code"),
    "stores": ("store", "stores", ("platform", "store_id"), "credit_code"),
}


def _conflicts_with_loaded(
    con: duckdb.DuckDBPyConnection, spec: RegistryKind, source_file: str, rows: list[dict]
) -> tuple[list[Conflict], set[int]]:
    """Rows that disagree with another, already loaded file of the same year.

    A file of the same name is taken as an earlier version of this one (it is being
    replaced), so only other files count. The loaded row stays; this file's row is rejected.
    """
    if spec.kind not in _ACROSS_FILES or not rows:
        return [], set()
    about, table, key_fields, agreeing = _ACROSS_FILES[spec.kind]
    keys = ", ".join(key_fields)
    years = sorted({row["year"] for row in rows})
    loaded = con.execute(
        f"""
        select year, {keys}, {agreeing}, source_file, source_row
        from raw.{table}
        where source_file <> ? and year in ({", ".join("?" * len(years))})
        qualify row_number() over (partition by year, {keys} order by load_id desc) = 1
        """,
        [source_file, *years],
    ).fetchall()
    width = len(key_fields) + 1
    known = {tuple(found[:width]): found[width:] for found in loaded}
    conflicts: list[Conflict] = []
    involved: set[int] = set()
    for row in rows:
        key = (row["year"], *(row[name] for name in key_fields))
        if key not in known or known[key][0] == row[agreeing]:
            continue
        value, other_file, other_row = known[key]
        conflicts.append(
            Conflict(
                registry=spec.label,
                year=row["year"],
                key=f"{about} {':'.join(str(part) for part in key[1:])}",
                field_name=agreeing,
                column=_LABELS[spec.kind].get(agreeing, agreeing),
                values=(str(row[agreeing]), str(value)),
                rows=(row[SOURCE_ROW],),
                elsewhere=f"{other_file} row {other_row}",
            )
        )
        involved.add(row[SOURCE_ROW])
    return conflicts, involved


def _plan_event_ids(con: duckdb.DuckDBPyConnection, year: int) -> set[str]:
    """The event ids of a year's plan: as loaded, else as the bundled plan file gives them.

    Registries are loaded before the plans (pipeline.load_reference_data), so on a fresh
    warehouse the year's plan file is the only word on which events exist.
    """
    loaded = con.execute(
        "select distinct event_id from raw.events where year = ?", [year]
    ).fetchall()
    if loaded:
        return {event_id for (event_id,) in loaded}
    path = plan_path(year)
    if not path.is_file():
        return set()
    return {activity.id for activity in load_plan(path).activities}


def _unknown_references(
    con: duckdb.DuckDBPyConnection, rows: list[dict[str, Any]], originals: dict[int, Any]
) -> list[dict[str, Any]]:
    """挂标 rows naming an event not in the year's plan or a unit not in the year's 企业库."""
    rejects = []
    events: dict[int, set[str]] = {}
    units: dict[int, set[str]] = {}
    for row in rows:
        year = row["year"]
        if year not in events:
            events[year] = _plan_event_ids(con, year)
            found = con.execute(
                "select distinct credit_code from raw.enterprises where year = ?", [year]
            ).fetchall()
            units[year] = {code for (code,) in found}
        original = originals[row[SOURCE_ROW]]
        if row["event_id"] not in events[year]:
            known = ", ".join(sorted(events[year])) or "none: no plan is loaded for that year"
            rejects.append(
                _reject(
                    original,
                    "活动编号",
                    "unknown_event",
                    f"event {row['event_id']!r} is not in the {year} plan (its ids: {known}); "
                    f"use an id of data/plans/{year}.yaml",
                )
            )
        elif row["credit_code"] not in units[year]:
            rejects.append(
                _reject(
                    original,
                    "统一社会信用代码",
                    "unknown_unit",
                    f"{row['credit_code']} is not in the {year} 企业库; register the unit "
                    "in 企业库 first, or correct the code",
                )
            )
    return rejects


def _duplicates(rows: list[dict[str, Any]]) -> set[int]:
    """Rows repeating an earlier row exactly: skipped as 'duplicate', nothing is lost."""
    seen: set[tuple[Any, ...]] = set()
    repeated: set[int] = set()
    for row in rows:
        content = tuple((k, v) for k, v in sorted(row.items()) if k != SOURCE_ROW)
        if content in seen:
            repeated.add(row[SOURCE_ROW])
        seen.add(content)
    return repeated


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    if frame.height == 0:
        return
    con.register("_registry_rows", frame)
    try:
        names = ", ".join(frame.columns)
        con.execute(f"insert into raw.{table} ({names}) select {names} from _registry_rows")
    finally:
        con.unregister("_registry_rows")


_LINEAGE: dict[str, pl.DataType] = {
    "load_id": pl.Int64(),
    "source_file": pl.String(),
    SOURCE_ROW: pl.Int64(),
    "year": pl.Int32(),
}
# The columns each registry fills in its raw table(s), in the raw schema's order.
_TABLE_COLUMNS: dict[str, dict[str, pl.DataType]] = {
    "enterprises": {
        "credit_code": pl.String(),
        "enterprise_name": pl.String(),
        "county_code": pl.String(),
        "enterprise_type": pl.String(),
        "belts": pl.String(),
        "demonstration_kind": pl.String(),
        "demonstration_since": pl.Int32(),
        "first_year": pl.Int32(),
        "is_time_honoured": pl.Boolean(),
        "is_focused": pl.Boolean(),
    },
    "stores": {
        "platform": pl.String(),
        "store_id": pl.String(),
        "store_name": pl.String(),
        "credit_code": pl.String(),
    },
    "products": {
        "product_code": pl.String(),
        "product_name": pl.String(),
        "belt": pl.String(),
        "origin_county_code": pl.String(),
        "is_gi": pl.Boolean(),
        "credit_code": pl.String(),
    },
    "product_items": {
        "product_code": pl.String(),
        "platform": pl.String(),
        "store_id": pl.String(),
        "item_id": pl.String(),
    },
    "streamers": {
        "platform": pl.String(),
        "streamer_id": pl.String(),
        "streamer_name": pl.String(),
        "agency_credit_code": pl.String(),
    },
    "enrolments": {
        "event_id": pl.String(),
        "credit_code": pl.String(),
        "platform": pl.String(),
    },
}


def _frame(table: str, rows: list[dict[str, Any]], load_id: int, source_file: str) -> pl.DataFrame:
    schema = {**_LINEAGE, **_TABLE_COLUMNS[table]}
    lineage = {"load_id": load_id, "source_file": source_file}
    records = [{**lineage, **{name: row[name] for name in schema if name in row}} for row in rows]
    return pl.DataFrame(records, schema=schema)


def _tables(
    spec: RegistryKind, rows: list[dict[str, Any]], load_id: int, source_file: str
) -> dict[str, pl.DataFrame]:
    """The raw tables' rows; 四川好物库 gives one product per year and one item per row."""
    if spec.kind != "products":
        return {spec.table: _frame(spec.table, rows, load_id, source_file)}
    products: dict[tuple[int, str], dict[str, Any]] = {}
    for row in rows:
        products.setdefault((row["year"], row["product_code"]), row)
    items = [row for row in rows if row["item_id"] is not None]
    return {
        "products": _frame("products", list(products.values()), load_id, source_file),
        "product_items": _frame("product_items", items, load_id, source_file),
    }


def _earlier(con: duckdb.DuckDBPyConnection, path: Path, load_id: int) -> RegistryLoad:
    """The result of the earlier load of the same bytes, as raw.loads recorded it."""
    row = con.execute(
        "select layout, rows_read, rows_loaded, rows_rejected, rows_skipped from raw.loads "
        "where load_id = ?",
        [load_id],
    ).fetchone()
    kind, read, loaded, rejected, skipped = row or ("", 0, 0, 0, 0)
    return RegistryLoad(
        path=path,
        kind=kind,
        load_id=load_id,
        already_loaded=True,
        rows_read=read,
        rows_loaded=loaded,
        rows_rejected=rejected,
        rows_skipped=skipped,
    )


@dataclass
class _Checked:
    """A registry file after validation: the rows to load and everything set aside."""

    rows: list[dict[str, Any]]
    rejects: list[dict[str, Any]]
    skipped: dict[str, int]
    conflicts: list[Conflict]
    mapped: Mappings


def _check(
    con: duckdb.DuckDBPyConnection, source: Path, spec: RegistryKind, table: RawTable
) -> _Checked:
    """Validate cells, convert names to codes, set aside repeats and conflicting rows."""
    frame = _text_frame(spec, table.frame, table.headers)
    rejects = _validate(source, spec, frame)
    if spec.kind == "products":
        rejects += _partial_items(frame)
    bad_rows = {reject["source_row"] for reject in rejects}
    mapped: Mappings = {}
    originals = {row[SOURCE_ROW]: row for row in frame.iter_rows(named=True)}
    good = [
        _convert(spec, row, mapped) for number, row in originals.items() if number not in bad_rows
    ]
    repeated = _duplicates(good)
    good = [row for row in good if row[SOURCE_ROW] not in repeated]
    conflicts, in_file = _conflicts(spec, good)
    good = [row for row in good if row[SOURCE_ROW] not in in_file]
    across, across_files = _conflicts_with_loaded(con, spec, source.name, good)
    conflicts += across
    if spec.kind == "enrolments":
        unknown = _unknown_references(con, good, originals)
        rejects += unknown
        across_files |= {reject["source_row"] for reject in unknown}
    for conflict in conflicts:
        log.warning("%s: conflict, rows rejected: %s", source.name, conflict.describe())
        reason = conflict.describe() + "; correct the wrong row and load the file again"
        rejects += [
            _reject(originals[row], conflict.column, "conflict", reason) for row in conflict.rows
        ]
    skipped = {**table.skipped}
    if repeated:
        skipped["duplicate"] = len(repeated)
    return _Checked(
        rows=[row for row in good if row[SOURCE_ROW] not in across_files],
        rejects=rejects,
        skipped=skipped,
        conflicts=conflicts,
        mapped=mapped,
    )


def load_registry(
    con: duckdb.DuckDBPyConnection, path: Path | str, *, kind: str | None = None
) -> RegistryLoad:
    """Validate and load one registry file in one transaction; a file seen before is a no-op.

    `kind` (enterprises, stores, products, streamers, enrolments) overrides detection from
    the header. 挂标 is checked against the year's plan and 企业库: load them first.
    """
    source = Path(path)
    if kind is not None and kind not in KINDS:
        raise InputFileError(source, f"unknown registry kind {kind!r}", f"use one of {list(KINDS)}")
    if not source.is_file():
        raise InputFileError(source, "no such file", "check the path")
    content_hash = bookkeeping.file_hash(source)
    earlier = bookkeeping.already_loaded(con, content_hash)
    if earlier is not None:
        log.info("%s was loaded before as load %d; nothing to do", source.name, earlier)
        return _earlier(con, source, earlier)

    table = read_table(source, known_headers())
    spec = KINDS[kind] if kind else detect_kind(source, table.headers)
    missing = spec.missing(table.headers)
    if missing:
        raise InputFileError(
            source,
            f"{spec.label} file lacks the columns {', '.join(missing)}",
            "add them (README 'Registries' lists every column) or fix the header names",
        )
    checked = _check(con, source, spec, table)
    result = RegistryLoad(
        path=source,
        kind=spec.kind,
        load_id=0,
        years=tuple(sorted({row["year"] for row in checked.rows})),
        rows_read=table.rows_read,
        rows_loaded=len(checked.rows),
        rows_rejected=len({reject["source_row"] for reject in checked.rejects}),
        rows_skipped=sum(checked.skipped.values()),
        skipped=checked.skipped,
        conflicts=checked.conflicts,
        mapped_counties=[
            f"{mapping} (rows {', '.join(map(str, rows))})"
            for mapping, rows in checked.mapped.items()
        ],
    )
    con.execute("begin transaction")
    try:
        result.load_id = bookkeeping.next_load_id(con)
        for name, rows in _tables(spec, checked.rows, result.load_id, source.name).items():
            _insert(con, name, rows)
        rejects = pl.DataFrame(checked.rejects, schema=_REJECT_SCHEMA)
        bookkeeping.record_rejects(con, result.load_id, source.name, rejects)
        bookkeeping.record_load(
            con,
            load_id=result.load_id,
            source_path=source,
            content_hash=content_hash,
            kind="registry",
            layout=spec.kind,
            encoding=table.encoding,
            rows_read=result.rows_read,
            rows_loaded=result.rows_loaded,
            rows_rejected=result.rows_rejected,
            rows_skipped=result.rows_skipped,
            skipped_detail=result.skipped,
        )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    for note in result.mapped_counties:
        level = logging.WARNING if "unverified" in note else logging.INFO
        log.log(level, "%s: retired county code mapped to today's: %s", source.name, note)
    log.info(
        "loaded %d of %d rows of %s (%s) as load %d: %d rejected, %d skipped",
        result.rows_loaded,
        result.rows_read,
        source.name,
        spec.label,
        result.load_id,
        result.rows_rejected,
        result.rows_skipped,
    )
    return result


def registry_files(folder: Path | str) -> list[Path]:
    """The registry files of a folder tree, in path order; Excel's lock files left out."""
    root = Path(folder)
    if not root.is_dir():
        raise InputFileError(root, "is not a folder", "point at a folder of registry files")
    return sorted(
        path
        for path in root.rglob("*")
        if path.is_file()
        and path.suffix.lower() in REGISTRY_SUFFIXES
        and not path.name.startswith(("~$", "."))
    )


def load_registries(con: duckdb.DuckDBPyConnection, folder: Path | str) -> list[RegistryLoad]:
    """Load every registry file under `folder`; each row's year comes from its 年度."""
    results = []
    for path in registry_files(folder):
        result = load_registry(con, path)
        folder_year = path.parent.name
        if folder_year.isdigit() and result.years and result.years != (int(folder_year),):
            log.warning(
                "%s sits in folder %s but its rows are for %s; 年度 was used",
                path,
                folder_year,
                ", ".join(str(year) for year in result.years),
            )
        results.append(result)
    return results
