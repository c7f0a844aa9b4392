"""Loading 挂标 (event enrolment): rows checked against the year's plan and 企业库."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from ingest.plan import load_plan, load_plan_into, plan_path
from ingest.registries import load_registries, load_registry
from warehouse.errors import InputFileError

ENTERPRISES = Path(__file__).parent / "fixtures" / "registries" / "2022" / "企业库_2022.csv"
HEADER = "年度,活动编号,统一社会信用代码,平台"
# Loaded from the 企业库 fixture: 成都蜀味 and 乐山嘉州荔枝. 内江开发区食品's code is
# well formed but its 企业库 row was rejected (a statistical county code).
SHUWEI = "91510100MA6C8K2X19"
JIAZHOU = "91516030MAHU49D4HN"
NEIJIANG = "91518301MADD272HDN"
BAD_CODE = "91510100MA6C8K2X1A"

ENROLMENT_LINES = [
    HEADER,
    f"2022,01,{SHUWEI},",  # 2: every platform of event 01
    f"2022,07,{SHUWEI},京东",  # 3: JD only
    f"2022,99,{SHUWEI},",  # 4: no event 99 in the 2022 plan
    f"2022,02,{BAD_CODE},",  # 5: wrong check character
    f"2022,02,{NEIJIANG},",  # 6: not in the 2022 企业库
    f"2022,02,{JIAZHOU},美团",  # 7: no such platform
    f"2022,07,{SHUWEI},京东",  # 8: repeats row 3
    ",,,",  # 9: blank
    f'2022,"=""15a""",{JIAZHOU},抖音',  # 10: id wrapped for Excel
]


@pytest.fixture
def con_2022(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """The in-memory warehouse with the 2022 企业库 fixture and the 2022 plan loaded."""
    load_registry(con, ENTERPRISES)
    load_plan_into(con, load_plan(plan_path(2022)))
    return con


@pytest.fixture
def enrolment_file(write_csv: Callable[..., Path]) -> Path:
    return write_csv("挂标_2022.csv", ENROLMENT_LINES)


def _rejects(con: duckdb.DuckDBPyConnection, source_file: str) -> list[tuple]:
    return con.execute(
        "select source_row, column_name, reason_code from raw.rejected_rows "
        "where source_file = ? order by source_row",
        [source_file],
    ).fetchall()


def test_enrolment_file_counts_read_as_loaded_rejected_and_skipped(
    con_2022: duckdb.DuckDBPyConnection, enrolment_file: Path
) -> None:
    result = load_registry(con_2022, enrolment_file)
    assert (result.kind, result.years) == ("enrolments", (2022,))
    # 9 data rows: rows 2, 3, 10 load; 4, 5, 6, 7 are rejected; 8 (repeat) and 9 skipped.
    assert (result.rows_read, result.rows_loaded, result.rows_rejected, result.rows_skipped) == (
        9,
        3,
        4,
        2,
    )
    assert (result.skipped["blank"], result.skipped["duplicate"]) == (1, 1)


def test_enrolment_naming_an_unknown_event_unit_or_platform_is_rejected_with_its_reason(
    con_2022: duckdb.DuckDBPyConnection, enrolment_file: Path
) -> None:
    load_registry(con_2022, enrolment_file)
    assert _rejects(con_2022, enrolment_file.name) == [
        (4, "活动编号", "unknown_event"),
        (5, "统一社会信用代码", "bad_credit_code"),
        (6, "统一社会信用代码", "unknown_unit"),
        (7, "平台", "unknown_platform"),
    ]
    reason = con_2022.execute(
        "select reason from raw.rejected_rows where source_row = 6 and source_file = ?",
        [enrolment_file.name],
    ).fetchone()
    assert reason is not None and NEIJIANG in reason[0] and "2022 企业库" in reason[0]


def test_enrolments_load_with_platform_codes_and_blank_platform_as_null(
    con_2022: duckdb.DuckDBPyConnection, enrolment_file: Path
) -> None:
    load_registry(con_2022, enrolment_file)
    loaded = con_2022.execute(
        "select source_row, year, event_id, credit_code, platform from raw.enrolments "
        "order by source_row"
    ).fetchall()
    assert loaded == [
        (2, 2022, "01", SHUWEI, None),
        (3, 2022, "07", SHUWEI, "jd"),
        (10, 2022, "15a", JIAZHOU, "douyin"),
    ]


def test_enrolment_before_the_plan_is_loaded_is_checked_against_the_plan_file(
    con: duckdb.DuckDBPyConnection, write_csv: Callable[..., Path]
) -> None:
    load_registry(con, ENTERPRISES)
    path = write_csv("挂标.csv", [HEADER, f"2022,23,{SHUWEI},", f"2022,24,{SHUWEI},"])
    result = load_registry(con, path)
    assert (result.rows_loaded, result.rows_rejected) == (1, 1)
    assert _rejects(con, path.name) == [(3, "活动编号", "unknown_event")]


def test_enrolment_of_a_year_without_plan_rejects_every_event(
    con: duckdb.DuckDBPyConnection, write_csv: Callable[..., Path]
) -> None:
    path = write_csv("挂标.csv", [HEADER, f"2019,01,{SHUWEI},"])
    result = load_registry(con, path)
    assert (result.rows_loaded, result.rows_rejected) == (0, 1)
    reason = con.execute("select reason from raw.rejected_rows").fetchone()
    assert reason is not None and "no plan is loaded" in reason[0]


def test_enrolment_file_is_found_in_a_registry_folder_after_its_enterprises(
    con: duckdb.DuckDBPyConnection, write_csv: Callable[..., Path], tmp_path: Path
) -> None:
    folder = tmp_path / "registries" / "2022"
    write_csv("企业库.csv", ENTERPRISES.read_text(encoding="utf-8").splitlines(), folder=folder)
    write_csv("挂标.csv", [HEADER, f"2022,01,{JIAZHOU},"], folder=folder)
    results = load_registries(con, tmp_path / "registries")
    assert [(result.kind, result.rows_loaded) for result in results] == [
        ("enterprises", 4),
        ("enrolments", 1),
    ]


def test_enrolment_file_without_its_event_column_says_which(
    con: duckdb.DuckDBPyConnection, write_csv: Callable[..., Path]
) -> None:
    path = write_csv("挂标_2022.csv", ["年度,统一社会信用代码,平台", f"2022,{SHUWEI},"])
    with pytest.raises(InputFileError, match="活动编号"):
        load_registry(con, path)
