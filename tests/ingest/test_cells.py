"""Cell cleaners: each quirk of the platforms' cells, one claim each."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

import polars as pl
import pytest

from ingest import cells


def _apply(function: Callable[[pl.Expr], pl.Expr], values: list[str | None]) -> list[object]:
    frame = pl.DataFrame({"cell": values}, schema={"cell": pl.String})
    return frame.select(function(pl.col("cell"))).to_series().to_list()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('="10000000000000001"', "10000000000000001"),
        ("\t6900000000000000001", "6900000000000000001"),
        ("'13800000001", "13800000001"),
        ("007", "007"),
        ("600000000000001.0", "600000000000001"),
        ("-", None),
        ('=""', None),
    ],
)
def test_identifier_unwraps_excel_protection_and_keeps_leading_zeros(
    text: str, expected: str | None
) -> None:
    assert _apply(cells.identifier, [text]) == [expected]


def test_excel_scientific_notation_in_an_id_is_detected() -> None:
    assert _apply(cells.identifier_is_damaged, ["2.50623E+14", "250623000000000", None]) == [
        True,
        False,
        False,
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,234.56", Decimal("1234.56")),
        ("¥12.5", Decimal("12.50")),
        ("￥１２", Decimal("12.00")),
        ("0元", Decimal("0.00")),
        ("1.500", Decimal("1.50")),
        ("-", None),
        ("", None),
    ],
)
def test_money_reads_the_platforms_amount_spellings_exactly(
    text: str, expected: Decimal | None
) -> None:
    assert _apply(cells.money, [text]) == [expected]


def test_money_never_rounds_a_third_decimal_or_reads_scientific_notation() -> None:
    assert _apply(cells.money, ["1.005", "1e3"]) == [None, None]
    assert _apply(cells.money_is_bad, ["1.005", "1e3", "-", "2.00"]) == [True, True, False, False]


def test_percent_becomes_a_fraction() -> None:
    assert _apply(cells.percent, ["12.34%", "-"]) == [Decimal("0.123400"), None]


def test_counts_accept_separators_and_excel_point_zero() -> None:
    assert _apply(cells.integer, ["1,234", "3.0", "2.5"]) == [1234, 3, None]


def test_timestamps_in_dash_slash_and_minute_forms() -> None:
    assert _apply(cells.timestamp, ["2017-07-08 00:42:39", "2022/6/1 10:00", "-"]) == [
        datetime(2017, 7, 8, 0, 42, 39),
        datetime(2022, 6, 1, 10, 0),
        None,
    ]


@pytest.mark.parametrize(
    ("function", "plain", "odd"),
    [
        (
            cells.money,
            [("1,034.47", Decimal("1034.47")), ("5", Decimal("5.00")), ("", None), (None, None)],
            [("¥12.3", Decimal("12.30")), (" 7.10 ", Decimal("7.10")), ("-", None)],
        ),
        (
            cells.integer,
            [("1,200", 1200), ("3", 3), ("", None)],
            [("4.0", 4), ("５", 5), ("--", None)],
        ),
        (
            cells.identifier,
            [('="0012"', "0012"), ("A-7_x", "A-7_x"), ("", None)],
            [("'0013", "0013"), ("88.0", "88"), ("nan", None)],
        ),
        (
            cells.timestamp,
            [("2022-06-01 10:00:00", datetime(2022, 6, 1, 10)), ("", None)],
            [
                ("2022/6/2 9:05", datetime(2022, 6, 2, 9, 5)),
                ("\t2022-06-03 00:00:00", datetime(2022, 6, 3)),
                ("-", None),
            ],
        ),
    ],
)
def test_plain_cells_read_the_same_alone_as_beside_cells_that_need_cleaning(
    function: Callable[[pl.Expr], pl.Expr],
    plain: list[tuple[str | None, object]],
    odd: list[tuple[str | None, object]],
) -> None:
    # A column of plainly spelled cells takes a short path; one odd cell sends the whole
    # column through the full cleaners. Both must read every cell alike.
    alone = _apply(function, [text for text, _ in plain])
    mixed = _apply(function, [text for text, _ in plain + odd])
    assert alone == [value for _, value in plain]
    assert mixed == [value for _, value in plain + odd]
