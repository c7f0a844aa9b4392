"""The loader: idempotence, store and platform identity, transactions, directories."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from ingest import bookkeeping
from ingest.loader import load_directory, load_file
from warehouse.errors import InputFileError

Fixture = Callable[[str], Path]
Inbox = Callable[[Path, str, str], Path]
TAOBAO = "taobao/ExportOrderList202206020800_valid.csv"
TAOBAO_BAD = "taobao/ExportOrderList202206020800_invalid.csv"
DOUYIN = "douyin/1654131600_sub_orders_valid.csv"
TABLES = ("loads", "rejected_rows", "order_lines", "item_lines", "daily_sales")


def _counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return {
        table: con.execute(f"select count(*) from raw.{table}").fetchall()[0][0] for table in TABLES
    }


def test_loading_the_same_file_twice_changes_nothing(
    con: duckdb.DuckDBPyConnection, fixture_file: Fixture, tmp_path: Path
) -> None:
    first = load_file(con, fixture_file(TAOBAO), platform="taobao", store_id="s1")
    before = _counts(con)
    renamed = tmp_path / "renamed_copy.csv"
    shutil.copyfile(fixture_file(TAOBAO), renamed)
    again = load_file(con, fixture_file(TAOBAO), platform="taobao", store_id="s1")
    copy = load_file(con, renamed, platform="taobao", store_id="s1")
    assert _counts(con) == before
    assert (again.status, again.load_id) == ("duplicate", first.load_id)
    assert (copy.status, copy.rows_loaded) == ("duplicate", 0)


def test_read_rows_equal_loaded_plus_rejected_plus_skipped_in_the_loads_table(
    con: duckdb.DuckDBPyConnection, fixture_file: Fixture
) -> None:
    load_file(con, fixture_file(TAOBAO_BAD), platform="taobao", store_id="s1")
    row = con.execute(
        "select rows_read, rows_loaded, rows_rejected, rows_skipped, skipped_detail from raw.loads"
    ).fetchall()
    assert row == [(8, 1, 5, 2, '{"blank": 1, "repeated_header": 0, "total": 1}')]


def test_store_and_platform_come_from_the_inbox_folder(
    con: duckdb.DuckDBPyConnection, fixture_file: Fixture, inbox: Inbox
) -> None:
    result = load_file(con, inbox(fixture_file(TAOBAO), "tmall", "tm7"))
    assert (result.platform, result.store_id) == ("tmall", "tm7")
    stored = con.execute("select distinct platform, store_id from raw.order_lines").fetchall()
    assert stored == [("tmall", "tm7")]


def test_store_argument_disagreeing_with_the_folder_is_an_error(
    con: duckdb.DuckDBPyConnection, fixture_file: Fixture, inbox: Inbox
) -> None:
    path = inbox(fixture_file(TAOBAO), "taobao", "s1")
    with pytest.raises(InputFileError, match="argument says 's2', folder says 's1'"):
        load_file(con, path, store_id="s2")
    assert _counts(con)["loads"] == 0


def test_platform_argument_that_the_layout_does_not_serve_is_an_error(
    con: duckdb.DuckDBPyConnection, fixture_file: Fixture
) -> None:
    with pytest.raises(InputFileError, match="douyin_order_export"):
        load_file(con, fixture_file(TAOBAO), platform="douyin", store_id="s1")


def test_unknown_file_names_the_closest_layout_and_its_missing_columns(
    con: duckdb.DuckDBPyConnection, write_csv: Callable[..., Path]
) -> None:
    path = write_csv("odd.csv", ["订单编号,总金额,订单状态", "1,2,交易成功"])
    with pytest.raises(InputFileError) as caught:
        load_file(con, path, platform="taobao", store_id="s1")
    message = str(caught.value)
    assert "closest is taobao_order_report" in message
    assert "买家实际支付金额, 订单付款时间" in message


def test_forced_layout_is_used_and_its_missing_columns_reported(
    con: duckdb.DuckDBPyConnection, fixture_file: Fixture
) -> None:
    with pytest.raises(InputFileError, match="支付完成时间, 订单应付金额"):
        load_file(con, fixture_file(TAOBAO), store_id="s1", layout="douyin_order_export")


def test_a_failure_inside_the_transaction_leaves_no_trace(
    con: duckdb.DuckDBPyConnection, fixture_file: Fixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(bookkeeping, "record_load", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        load_file(con, fixture_file(TAOBAO_BAD), platform="taobao", store_id="s1")
    assert _counts(con) == dict.fromkeys(TABLES, 0)


def test_directory_load_skips_readme_and_hidden_files_and_a_bad_file_fails_alone(
    con: duckdb.DuckDBPyConnection, fixture_file: Fixture, inbox: Inbox, tmp_path: Path
) -> None:
    good = inbox(fixture_file(DOUYIN), "douyin", "dy1")
    inbox(fixture_file(TAOBAO), "taobao", "s1")
    (good.parent / "README.md").write_text("where these files come from", encoding="utf-8")
    (good.parent / ".partial.csv").write_text("half a download", encoding="utf-8")
    bad = good.parent / "notes.csv"
    bad.write_text("名字,年龄\n张三,3\n", encoding="utf-8")
    archive = tmp_path / "done"

    results = load_directory(con, tmp_path / "inbox", move_to=archive)

    assert [(r.source_file, r.status) for r in results] == [
        ("1654131600_sub_orders_valid.csv", "loaded"),
        ("notes.csv", "failed"),
        ("ExportOrderList202206020800_valid.csv", "loaded"),
    ]
    assert (archive / "rejected" / "douyin" / "dy1" / "notes.csv").is_file()
    assert (archive / "archive" / "taobao" / "s1" / TAOBAO.split("/")[1]).is_file()
    assert (good.parent / "README.md").is_file()
    assert not good.exists()


def test_two_copies_of_a_file_in_one_directory_load_once(
    con: duckdb.DuckDBPyConnection, fixture_file: Fixture, inbox: Inbox, tmp_path: Path
) -> None:
    # The second copy is read ahead while the first is still being written: it must
    # still be found a duplicate when its turn comes.
    first = inbox(fixture_file(DOUYIN), "douyin", "dy1")
    shutil.copyfile(first, first.parent / "z_same_bytes_again.csv")

    results = load_directory(con, tmp_path / "inbox")

    assert [(r.source_file, r.status) for r in results] == [
        ("1654131600_sub_orders_valid.csv", "loaded"),
        ("z_same_bytes_again.csv", "duplicate"),
    ]
    assert results[1].load_id == results[0].load_id
    assert con.execute("select count(*) from raw.loads").fetchall() == [(1,)]


def test_a_missing_file_is_an_input_file_error_naming_it(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    with pytest.raises(InputFileError, match=r"gone\.csv: cannot be read"):
        load_file(con, tmp_path / "gone.csv", platform="taobao", store_id="s1")


@pytest.mark.parametrize(
    ("relative", "platform"),
    [
        (TAOBAO, "taobao"),
        (TAOBAO_BAD, "tmall"),
        ("taobao/ExportOrderDetailList202206020800_valid.csv", "taobao"),
        (DOUYIN, None),
        ("douyin/1654218000_main_orders_valid.csv", None),
        ("douyin/1654304400_sub_orders_invalid.csv", None),
    ],
)
def test_every_fixture_accounts_for_each_row_read(
    con: duckdb.DuckDBPyConnection, fixture_file: Fixture, relative: str, platform: str | None
) -> None:
    result = load_file(con, fixture_file(relative), platform=platform, store_id="s1")
    assert result.rows_read == result.rows_loaded + result.rows_rejected + result.rows_skipped
    stored = con.execute(
        "select (select count(*) from raw.order_lines) + (select count(*) from raw.item_lines), "
        "(select count(*) from raw.rejected_rows)"
    ).fetchall()
    assert stored == [(result.rows_loaded, result.rows_rejected)]
