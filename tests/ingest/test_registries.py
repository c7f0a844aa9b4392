"""Loading the four registries: validation, reasons, conflicts, counts and re-loads."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
import xlsxwriter

from ingest import bookkeeping
from ingest.registries import RegistryLoad, load_registries, load_registry
from warehouse.errors import InputFileError

FIXTURES = Path(__file__).parent / "fixtures" / "registries"
YEAR_2022 = FIXTURES / "2022"
ENTERPRISES = YEAR_2022 / "企业库_2022.csv"
STORES = YEAR_2022 / "店铺_2022.csv"
PRODUCTS = YEAR_2022 / "四川好物库_2022.csv"
STREAMERS = YEAR_2022 / "直播人才库_2022.csv"
SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples" / "registries"

ENTERPRISE_HEADER = (
    "年度,统一社会信用代码,企业名称,县（市、区）代码,类型,产业带,示范类型,示范起始年度,"
    "首次参加年度,中华老字号,重点培育"
)
# A valid code; its check character worked by hand (GB 32100-2015, weights 3^i mod 31):
# 9 1 5 1 0 1 0 0 M=21 A=10 6 C=12 8 K=19 2 X=29 1 against weights
# 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28 sums to 2564; 2564 mod 31 = 22;
# 31 - 22 = 9, so the 18th character is '9'.
GOOD_CODE = "91510100MA6C8K2X19"
BAD_CODE = "91510100MA6C8K2X1A"


def _rejects(con: duckdb.DuckDBPyConnection, source_file: str) -> list[tuple]:
    return con.execute(
        "select source_row, column_name, reason_code from raw.rejected_rows "
        "where source_file = ? order by source_row, column_name",
        [source_file],
    ).fetchall()


def _reason(con: duckdb.DuckDBPyConnection, source_file: str, row: int) -> str:
    result = con.execute(
        "select reason from raw.rejected_rows where source_file = ? and source_row = ?",
        [source_file, row],
    ).fetchone()
    assert result is not None
    return result[0]


def _counts_add_up(result: RegistryLoad) -> bool:
    return result.rows_read == result.rows_loaded + result.rows_rejected + result.rows_skipped


def test_enterprise_registry_counts_read_as_loaded_rejected_and_skipped(
    con: duckdb.DuckDBPyConnection,
) -> None:
    result = load_registry(con, ENTERPRISES)
    # 13 data rows: 4 good, 7 bad, 1 blank, 1 exact repeat of row 9.
    assert (result.kind, result.years) == ("enterprises", (2022,))
    assert (result.rows_read, result.rows_loaded, result.rows_rejected, result.rows_skipped) == (
        13,
        4,
        7,
        2,
    )
    assert result.skipped["blank"] == 1
    assert result.skipped["duplicate"] == 1
    assert _counts_add_up(result)
    assert con.execute(
        "select kind, layout, rows_read, rows_loaded, rows_rejected, rows_skipped "
        "from raw.loads where load_id = ?",
        [result.load_id],
    ).fetchone() == ("registry", "enterprises", 13, 4, 7, 2)


def test_enterprise_registry_rejects_each_bad_row_with_column_and_reason_code(
    con: duckdb.DuckDBPyConnection,
) -> None:
    load_registry(con, ENTERPRISES)
    assert _rejects(con, ENTERPRISES.name) == [
        (4, "统一社会信用代码", "bad_credit_code"),
        (5, "县（市、区）代码", "statistical_code"),
        (6, "县（市、区）代码", "conflict"),
        (7, "县（市、区）代码", "conflict"),
        (11, "产业带", "unknown_belt"),
        (13, "县（市、区）代码", "ambiguous_county"),
        (14, "类型", "unknown_type"),
    ]


def test_bad_check_character_reason_names_the_expected_character(
    con: duckdb.DuckDBPyConnection,
) -> None:
    load_registry(con, ENTERPRISES)
    reason = _reason(con, ENTERPRISES.name, 4)
    assert BAD_CODE in reason
    assert "should be '9'" in reason


def test_loaded_enterprises_carry_codes_not_chinese_names(
    con: duckdb.DuckDBPyConnection,
) -> None:
    load_registry(con, ENTERPRISES)
    rows = con.execute(
        "select source_row, credit_code, county_code, enterprise_type, belts, "
        "demonstration_kind, demonstration_since, first_year, is_time_honoured, is_focused "
        "from raw.enterprises order by source_row"
    ).fetchall()
    assert rows == [
        (2, GOOD_CODE, "510117", "enterprise", "seasoning", "enterprise", 2020, 2019, False, True),
        (
            3,
            "91515260MA2TH3BJ1E",
            "510117",
            "enterprise",
            "seasoning",
            None,
            None,
            2021,
            True,
            False,
        ),
        (
            9,
            "91516030MAHU49D4HN",
            "511102",
            "enterprise",
            "farm,tea",
            None,
            None,
            2022,
            False,
            False,
        ),
        (12, "91513518MAN2J1K6FY", "511504", "base", "liquor", "base", 2021, 2020, False, True),
    ]


def test_retired_pixian_code_is_loaded_as_pidu_and_reported(
    con: duckdb.DuckDBPyConnection,
) -> None:
    result = load_registry(con, ENTERPRISES)
    assert result.mapped_counties == ["510124 郫县 -> 510117 郫都区 (rows 3)"]


def test_credit_code_in_two_counties_is_a_conflict_not_settled_silently(
    con: duckdb.DuckDBPyConnection, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="ingest.registries"):
        result = load_registry(con, ENTERPRISES)
    [conflict] = result.conflicts
    assert (conflict.key, conflict.values, conflict.rows) == (
        "credit code 91510913MALLJY1JJ9",
        ("510623", "510681"),
        (6, 7),
    )
    assert any(
        "91510913MALLJY1JJ9" in r.message and r.levelname == "WARNING" for r in caplog.records
    )
    assert con.execute(
        "select count(*) from raw.enterprises where credit_code = '91510913MALLJY1JJ9'"
    ).fetchone() == (0,)


def test_store_claimed_by_two_enterprises_is_rejected_on_both_rows(
    con: duckdb.DuckDBPyConnection, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="ingest.registries"):
        result = load_registry(con, STORES)
    [conflict] = result.conflicts
    assert (conflict.key, conflict.field_name, conflict.rows) == (
        "store jd:300001",
        "credit_code",
        (4, 5),
    )
    assert conflict.values == ("91515260MA2TH3BJ1E", "91513518MAN2J1K6FY")
    assert "store jd:300001" in caplog.text
    assert _rejects(con, STORES.name) == [
        (4, "统一社会信用代码", "conflict"),
        (5, "统一社会信用代码", "conflict"),
        (6, "平台", "unknown_platform"),
    ]
    # The same store id on another platform is another store.
    assert con.execute(
        "select platform, store_id from raw.stores order by source_row"
    ).fetchall() == [
        ("tmall", "100001"),
        ("douyin", "2000000000000000123"),
        ("taobao", "300001"),
    ]


def test_loading_the_same_registry_twice_is_a_no_op(con: duckdb.DuckDBPyConnection) -> None:
    first = load_registry(con, STORES)
    second = load_registry(con, STORES)
    assert second.already_loaded
    assert second.load_id == first.load_id
    assert con.execute("select count(*) from raw.loads").fetchone() == (1,)
    assert con.execute("select count(*) from raw.stores").fetchone() == (3,)
    assert con.execute("select count(*) from raw.rejected_rows").fetchone() == (3,)


def test_renamed_copy_of_a_loaded_registry_is_recognised_by_content(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    load_registry(con, STORES)
    copy = tmp_path / "stores_resubmitted.csv"
    copy.write_bytes(STORES.read_bytes())
    assert load_registry(con, copy).already_loaded
    assert con.execute("select count(*) from raw.stores").fetchone() == (3,)


def test_products_load_once_per_year_and_once_per_platform_item(
    con: duckdb.DuckDBPyConnection,
) -> None:
    result = load_registry(con, PRODUCTS)
    assert (result.kind, result.rows_read, result.rows_loaded, result.rows_rejected) == (
        "products",
        6,
        3,
        3,
    )
    assert con.execute(
        "select product_code, belt, origin_county_code, is_gi from raw.products order by 1"
    ).fetchall() == [("SC-0001", "seasoning", "510117", True), ("SC-0002", "farm", "511102", False)]
    assert con.execute(
        "select product_code, platform, store_id, item_id from raw.product_items order by item_id"
    ).fetchall() == [
        ("SC-0001", "tmall", "100001", "6001"),
        ("SC-0001", "douyin", "200001", "6002"),
    ]
    assert _rejects(con, PRODUCTS.name) == [
        (5, "店铺ID", "missing_value"),
        (6, "原产地县代码", "conflict"),
        (7, "原产地县代码", "conflict"),
    ]


def test_streamer_with_bad_agency_code_is_rejected_and_blank_agency_allowed(
    con: duckdb.DuckDBPyConnection,
) -> None:
    result = load_registry(con, STREAMERS)
    assert (result.rows_loaded, result.rows_rejected) == (2, 1)
    assert _rejects(con, STREAMERS.name) == [(4, "所属机构信用代码", "bad_credit_code")]
    assert con.execute(
        "select platform, streamer_id, agency_credit_code from raw.streamers order by 2"
    ).fetchall() == [("douyin", "dy_shuwei", GOOD_CODE), ("kuaishou", "ks_litchi", None)]


def test_gbk_registry_with_county_names_loads(
    con: duckdb.DuckDBPyConnection, write_csv: Callable[..., Path]
) -> None:
    path = write_csv(
        "enterprises.csv",
        [
            ENTERPRISE_HEADER,
            f"2022,{GOOD_CODE},成都蜀味调味品有限公司,郫都,企业,川调味,,,2022,,",
            "2022,91515260MA2TH3BJ1E,北川食品有限公司,北川,企业,川农特,,,2022,否,否",
        ],
        encoding="gbk",
        newline="\r\n",
    )
    result = load_registry(con, path)
    assert (result.rows_loaded, result.rows_rejected) == (2, 0)
    assert con.execute(
        "select county_code, is_time_honoured from raw.enterprises order by source_row"
    ).fetchall() == [("510117", False), ("510726", False)]


def test_xlsx_store_registry_loads_and_keeps_long_ids_as_text(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = tmp_path / "店铺.xlsx"
    workbook = xlsxwriter.Workbook(path)
    sheet = workbook.add_worksheet("店铺")
    rows = [
        ["年度", "平台", "店铺ID", "店铺名称", "统一社会信用代码"],
        [2023, "拼多多", "987654321012345678", "川味拼多多店", GOOD_CODE],
        [2023, "1919", 1919001, "1919酒类直供", "91513518MAN2J1K6FY"],
    ]
    for index, row in enumerate(rows):
        sheet.write_row(index, 0, row)
    workbook.close()
    result = load_registry(con, path)
    assert (result.kind, result.years, result.rows_loaded) == ("stores", (2023,), 2)
    assert con.execute(
        "select year, platform, store_id from raw.stores order by source_row"
    ).fetchall() == [(2023, "pinduoduo", "987654321012345678"), (2023, "1919", "1919001")]


def test_file_named_as_a_registry_but_missing_columns_says_which(
    write_csv: Callable[..., Path], con: duckdb.DuckDBPyConnection
) -> None:
    path = write_csv(
        "企业库_2022.csv",
        ["年度,统一社会信用代码,企业名称,类型", f"2022,{GOOD_CODE},某公司,企业"],
    )
    with pytest.raises(InputFileError, match=r"企业库 file but lacks the columns 县（市、区）代码"):
        load_registry(con, path)


def test_a_failed_load_leaves_nothing_behind(
    con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(bookkeeping, "record_load", fail)
    with pytest.raises(RuntimeError):
        load_registry(con, ENTERPRISES)
    for table in ("enterprises", "rejected_rows", "loads"):
        assert con.execute(f"select count(*) from raw.{table}").fetchone() == (0,)


def test_a_folder_of_registries_loads_every_file_once(con: duckdb.DuckDBPyConnection) -> None:
    results = load_registries(con, FIXTURES)
    assert sorted(result.kind for result in results) == [
        "enterprises",
        "products",
        "stores",
        "streamers",
    ]
    assert all(_counts_add_up(result) for result in results)
    again = load_registries(con, FIXTURES)
    assert all(result.already_loaded for result in again)
    assert con.execute("select count(*) from raw.loads").fetchone() == (4,)


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="no sample registries yet")
def test_sample_registries_load_with_zero_rejects(con: duckdb.DuckDBPyConnection) -> None:
    results = load_registries(con, SAMPLES)
    assert results
    assert [(r.path.name, r.rows_rejected, r.conflicts) for r in results if r.rows_rejected] == []
    assert all(result.rows_loaded > 0 for result in results)


def test_city_title_row_above_the_header_is_not_data(
    con: duckdb.DuckDBPyConnection, write_csv: Callable[..., Path]
) -> None:
    path = write_csv(
        "chengdu.csv",
        [
            "成都市2022年直播人才库,,,,",
            "年度,平台,主播ID,主播昵称,所属机构信用代码",
            f"2022,抖音,dy_rongcheng,蓉城好物推荐官,{GOOD_CODE}",
        ],
    )
    result = load_registry(con, path)
    assert (result.kind, result.rows_read, result.rows_loaded) == ("streamers", 1, 1)
    assert con.execute("select source_row from raw.streamers").fetchone() == (3,)


def test_store_claimed_by_another_citys_file_of_the_same_year_is_a_conflict(
    con: duckdb.DuckDBPyConnection, write_csv: Callable[..., Path]
) -> None:
    header = "年度,平台,店铺ID,店铺名称,统一社会信用代码"
    load_registry(con, STORES)
    other = write_csv(
        "店铺_眉山.csv",
        [
            header,
            "2022,天猫,100001,东坡柑橘旗舰店,91516030MAHU49D4HN",
            "2022,天猫,100001,东坡柑橘旗舰店,91516030MAHU49D4HN",
            "2023,天猫,100001,东坡柑橘旗舰店,91516030MAHU49D4HN",
        ],
    )
    result = load_registry(con, other)
    [conflict] = result.conflicts
    assert (conflict.key, conflict.values, conflict.rows, conflict.elsewhere) == (
        "store tmall:100001",
        ("91516030MAHU49D4HN", GOOD_CODE),
        (2,),
        "店铺_2022.csv row 2",
    )
    # Row 3 repeats row 2 (skipped), 2023 is another year's registry (loaded).
    assert (result.rows_loaded, result.rows_rejected, result.rows_skipped) == (1, 1, 1)
    assert _rejects(con, other.name) == [(2, "统一社会信用代码", "conflict")]


def test_a_corrected_file_of_the_same_name_replaces_rather_than_conflicts(
    con: duckdb.DuckDBPyConnection, write_csv: Callable[..., Path], tmp_path: Path
) -> None:
    header = "年度,平台,店铺ID,店铺名称,统一社会信用代码"
    first = write_csv("店铺.csv", [header, f"2022,天猫,100001,旗舰店,{GOOD_CODE}"])
    load_registry(con, first)
    corrected = write_csv(
        "店铺.csv",
        [header, "2022,天猫,100001,旗舰店,91516030MAHU49D4HN"],
        folder=tmp_path / "resent",
    )
    result = load_registry(con, corrected)
    assert (result.conflicts, result.rows_loaded) == ([], 1)


def test_registry_result_reads_like_a_platform_load_result(
    con: duckdb.DuckDBPyConnection,
) -> None:
    first = load_registry(con, STREAMERS)
    again = load_registry(con, STREAMERS)
    assert (first.source_file, first.layout, first.status) == (
        "直播人才库_2022.csv",
        "streamers",
        "loaded",
    )
    assert (again.status, again.rows_read, again.rows_loaded) == ("duplicate", 3, 2)
