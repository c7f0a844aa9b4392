"""The inbox batch: every file loaded, then archived or rejected beside its report."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

import cli
from ingest import inbox as inbox_module
from ingest import reader, transcode
from ingest.inbox import load_inbox
from warehouse.errors import ExitCode
from warehouse.schema import create_raw_schema

Fixture = Callable[[str], Path]
Inbox = Callable[[Path, str, str], Path]
TAOBAO = "taobao/ExportOrderList202206020800_valid.csv"
TAOBAO_BAD = "taobao/ExportOrderList202206020800_invalid.csv"
DOUYIN = "douyin/1654131600_sub_orders_valid.csv"
# Personal data printed in the fixtures' buyer columns.
PERSONAL = ("张秘密", "13912345678", "秘密路", "buyer_secret_nick", "secret@example.invalid")


@pytest.fixture
def inbox_root(tmp_path: Path) -> Path:
    return tmp_path / "inbox"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "warehouse.duckdb"


def _ingest(db: Path, inbox_root: Path) -> tuple[int, str]:
    outcome = CliRunner().invoke(cli.app, ["ingest", "--db", str(db), "--inbox", str(inbox_root)])
    return outcome.exit_code, outcome.output


def _remaining(inbox_root: Path) -> list[str]:
    return sorted(
        path.relative_to(inbox_root).as_posix()
        for path in inbox_root.rglob("*")
        if path.is_file() and path.relative_to(inbox_root).parts[0] not in ("archive", "rejected")
    )


def test_a_clean_inbox_is_archived_with_reports_and_exits_zero(
    db: Path, inbox_root: Path, inbox: Inbox, fixture_file: Fixture
) -> None:
    inbox(fixture_file(TAOBAO), "taobao", "s1")
    inbox(fixture_file(DOUYIN), "douyin", "dy1")

    code, _ = _ingest(db, inbox_root)

    assert code == ExitCode.OK
    assert _remaining(inbox_root) == []
    archived = inbox_root / "archive" / "taobao" / "s1" / Path(TAOBAO).name
    assert archived.is_file()
    report = archived.with_name(archived.name + ".report.txt").read_text(encoding="utf-8")
    # The valid Taobao fixture: 4 orders, no blank, header or total line.
    assert "status: loaded" in report
    assert "rows read: 4\nrows loaded: 4\nrows rejected: 0\nrows skipped: 0\n" in report
    assert (inbox_root / "archive" / "douyin" / "dy1" / Path(DOUYIN).name).is_file()


def test_a_file_with_rejected_rows_is_archived_and_its_report_names_each_row(
    db: Path, inbox_root: Path, inbox: Inbox, fixture_file: Fixture
) -> None:
    inbox(fixture_file(TAOBAO_BAD), "tmall", "s1")

    code, _ = _ingest(db, inbox_root)

    assert code == ExitCode.ROWS_REJECTED
    archived = inbox_root / "archive" / "tmall" / "s1" / Path(TAOBAO_BAD).name
    report = archived.with_name(archived.name + ".report.txt").read_text(encoding="utf-8")
    # 8 rows read: 1 loaded, 5 rejected (rows 3-7), a blank and a total line skipped.
    assert "rows read: 8\nrows loaded: 1\nrows rejected: 5\n" in report
    assert "rows skipped: 2 (blank 1, total 1)" in report
    for row, code_name in [
        (3, "paid_plus_refund_is_total"),
        (4, "bad_amount"),
        (5, "excel_damaged_id"),
        (6, "refund_without_payment"),
        (7, "duplicate_in_file"),
    ]:
        assert f"row {row}: " in report and f": {code_name}: " in report
    assert not any(secret in report for secret in PERSONAL)


def test_a_file_that_fails_whole_goes_to_rejected_and_the_run_exits_two(
    db: Path, inbox_root: Path, inbox: Inbox, fixture_file: Fixture, tmp_path: Path
) -> None:
    inbox(fixture_file(TAOBAO), "taobao", "s1")
    stray = tmp_path / "notes.csv"
    stray.write_text("名字,电话\n张秘密,13912345678\n", encoding="utf-8")
    inbox(stray, "taobao", "s1")

    code, _ = _ingest(db, inbox_root)

    assert code == ExitCode.BAD_INPUT
    rejected = inbox_root / "rejected" / "taobao" / "s1" / "notes.csv"
    assert rejected.is_file()
    report = rejected.with_name("notes.csv.report.txt").read_text(encoding="utf-8")
    assert "status: failed" in report and "error: " in report
    assert not any(secret in report for secret in PERSONAL)
    assert (inbox_root / "archive" / "taobao" / "s1" / Path(TAOBAO).name).is_file()


def test_the_same_name_arriving_again_is_archived_beside_the_first_with_a_suffix(
    db: Path, inbox_root: Path, inbox: Inbox, fixture_file: Fixture
) -> None:
    inbox(fixture_file(TAOBAO), "taobao", "s1")
    assert _ingest(db, inbox_root)[0] == ExitCode.OK
    inbox(fixture_file(TAOBAO), "taobao", "s1")

    code, _ = _ingest(db, inbox_root)

    assert code == ExitCode.OK
    folder = inbox_root / "archive" / "taobao" / "s1"
    stem, suffix = Path(TAOBAO).stem, Path(TAOBAO).suffix
    assert sorted(path.name for path in folder.iterdir()) == sorted(
        [
            f"{stem}{suffix}",
            f"{stem}{suffix}.report.txt",
            f"{stem}-2{suffix}",
            f"{stem}-2{suffix}.report.txt",
        ]
    )
    second = (folder / f"{stem}-2{suffix}.report.txt").read_text(encoding="utf-8")
    assert "status: duplicate" in second
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*) from raw.order_lines").fetchall() == [(4,)]


def test_archive_and_rejected_folders_are_not_loaded_again(
    inbox_root: Path, inbox: Inbox, fixture_file: Fixture
) -> None:
    inbox(fixture_file(TAOBAO), "taobao", "s1")
    con = duckdb.connect(":memory:")
    create_raw_schema(con)

    first = load_inbox(con, inbox_root)
    second = load_inbox(con, inbox_root)

    assert [entry.result.status for entry in first] == ["loaded"]
    assert second == []
    assert con.execute("select count(*) from raw.loads").fetchall() == [(1,)]
    con.close()


def test_inbox_and_file_arguments_together_are_refused(db: Path, inbox_root: Path) -> None:
    inbox_root.mkdir()
    outcome = CliRunner().invoke(
        cli.app, ["ingest", "--db", str(db), "--inbox", str(inbox_root), "x.csv"]
    )
    assert outcome.exit_code != 0
    assert "--inbox" in outcome.output


def test_a_file_taken_away_before_it_is_filed_does_not_stop_the_others(
    inbox_root: Path,
    inbox: Inbox,
    fixture_file: Fixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = inbox(fixture_file(TAOBAO), "taobao", "s1")
    inbox(fixture_file(DOUYIN), "douyin", "s2")
    real_load = inbox_module.load_file

    def load_then_take_away(con: duckdb.DuckDBPyConnection, path: Path, **options: object):
        result = real_load(con, path, **options)
        if path == first:
            path.unlink()  # someone moved it away while its load committed
        return result

    monkeypatch.setattr(inbox_module, "load_file", load_then_take_away)
    con = duckdb.connect(":memory:")
    create_raw_schema(con)

    filed = load_inbox(con, inbox_root)

    by_file = {entry.relative_path.name: entry for entry in filed}
    assert [entry.result.status for entry in filed] == ["loaded", "loaded"]
    assert by_file[first.name].report is None
    assert not by_file[first.name].moved_to.exists()
    assert (inbox_root / "archive" / "douyin" / "s2" / Path(DOUYIN).name).is_file()
    archived = inbox_root / "archive" / "taobao" / "s1"
    assert not archived.exists() or not any(archived.iterdir())  # no report of a lost file
    con.close()


def test_a_file_that_fails_for_want_of_disk_stays_in_the_inbox(
    db: Path,
    inbox_root: Path,
    inbox: Inbox,
    fixture_file: Fixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A big GBK file needs a UTF-8 copy in TMPDIR; a full disk is not the file's fault.
    monkeypatch.setattr(reader, "STREAM_BYTES", 0)

    def full_disk(source: Path, target: Path, **options: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(target.parent))

    monkeypatch.setattr(transcode, "widen", full_disk)
    placed = inbox(fixture_file(TAOBAO), "taobao", "s1")

    code, output = _ingest(db, inbox_root)

    assert code == ExitCode.FAILED
    assert "cannot write the UTF-8 copy" in output and "No space left on device" in output
    assert placed.is_file()
    assert not (inbox_root / "rejected").exists()
