"""What a layout is: the columns it needs (by alias), the raw table it feeds, its rules.

A layout names its source columns by header, never by position, because sellers
tick the columns they export. Each field has a kind that decides how its text is
parsed (and why a cell is rejected); `derive` turns parsed fields into the raw
table's columns following DOMAIN.md; `rules` are the per-row identities the
layout relies on, each with the reason code a breaking row is rejected with.
A layout must never declare a personal-data column (buyer names, phones,
addresses, accounts, messages): what it does not declare is never read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

import polars as pl

from ingest import cells
from ingest.cells import MONEY_DTYPE, normalise_header
from warehouse.vocab import PLATFORMS

Kind = Literal["id", "text", "money", "integer", "timestamp", "date"]

# The columns each raw table receives from a layout (lineage, layout, platform and
# store are added by the loader), with the dtype they are inserted as.
TARGETS: dict[str, dict[str, pl.DataType]] = {
    "order_lines": {
        "order_id": pl.String(),
        "line_id": pl.String(),
        "product_id": pl.String(),
        "product_name": pl.String(),
        "quantity": pl.Int32(),
        "paid_at": pl.Datetime("us"),
        "order_status": pl.String(),
        "refund_status": pl.String(),
        "gmv": MONEY_DTYPE,
        "refund": MONEY_DTYPE,
        "streamer_id": pl.String(),
        "channel": pl.String(),
        "buyer_hash": pl.String(),
    },
    "item_lines": {
        "order_id": pl.String(),
        "line_no": pl.Int32(),
        "product_id": pl.String(),
        "product_name": pl.String(),
        "unit_price": MONEY_DTYPE,
        "quantity": pl.Int32(),
        "order_status": pl.String(),
    },
    "daily_sales": {
        "product_id": pl.String(),
        "product_name": pl.String(),
        "sale_date": pl.Date(),
        "gmv": MONEY_DTYPE,
        "refund": MONEY_DTYPE,
        "quantity": pl.Int32(),
        "buyers": pl.Int32(),
        "streamer_id": pl.String(),
        "channel": pl.String(),
    },
}
# Natural key within one file (store and platform are the same for the whole file).
NATURAL_KEYS: dict[str, tuple[str, ...]] = {
    "order_lines": ("order_id", "line_id"),
    "item_lines": ("order_id", "line_no"),
    "daily_sales": ("product_id", "sale_date"),
}
# Columns the raw table declares `not null`; a row missing one is rejected.
REQUIRED_TARGETS: dict[str, tuple[str, ...]] = {
    "order_lines": ("order_id", "line_id", "gmv", "refund"),
    "item_lines": ("order_id", "line_no"),
    "daily_sales": ("product_id", "sale_date", "gmv", "refund"),
}

_PARSERS: dict[Kind, Callable[[pl.Expr], pl.Expr]] = {
    "id": cells.identifier,
    "text": cells.clean_text,
    "money": cells.money,
    "integer": cells.integer,
    "timestamp": cells.timestamp,
    "date": cells.date,
}
# Why a cell of each kind is rejected: (reason code, what is wrong with it).
_PROBLEMS: dict[Kind, tuple[str, str] | None] = {
    "id": (
        "excel_damaged_id",
        "was turned into a number by Excel and lost digits: export the report again and "
        "send it without opening it in Excel",
    ),
    "text": None,
    "money": ("bad_amount", "is not an amount with at most two decimals"),
    "integer": ("bad_integer", "is not a whole number"),
    "timestamp": ("bad_timestamp", "is not a date and time"),
    "date": ("bad_date", "is not a date"),
}
HAS_TEXT = "_has_"
# Every platform, by Chinese name and by code, to its code (a 平台 cell may hold either).
PLATFORM_CODES: dict[str, str] = {
    **{name: code for code, name in PLATFORMS.items()},
    **{code: code for code in PLATFORMS},
}


@dataclass(frozen=True)
class Field:
    """One source column: its key inside the layout, the header names it goes by, its kind."""

    key: str
    aliases: tuple[str, ...]
    kind: Kind = "text"
    required: bool = False

    def header_in(self, headers: Iterable[str]) -> str | None:
        """The first alias present among the (normalised) headers."""
        present = set(headers)
        for alias in self.aliases:
            name = normalise_header(alias)
            if name in present:
                return name
        return None

    def parsed(self) -> pl.Expr:
        return _PARSERS[self.kind](pl.col(self.key)).alias(self.key)

    def presence(self) -> pl.Expr | None:
        """For kinds that parse: whether the cell held anything (an empty cell is no error)."""
        if self.kind in ("id", "text"):
            return None
        return cells.has_text(pl.col(self.key), self.kind).alias(HAS_TEXT + self.key)

    def problem(self) -> tuple[str, pl.Expr, str] | None:
        """(reason code, expression true on a bad cell, what is wrong) on the parsed frame.

        The parsed frame holds the parsed value under `key` and `presence()` beside it,
        so a cell is bad when it held text that did not parse.
        """
        spec = _PROBLEMS[self.kind]
        if spec is None:
            return None
        code, message = spec
        if self.kind == "id":
            bad = pl.col(self.key).str.contains(cells.EXCEL_DAMAGE).fill_null(False)
        else:
            bad = pl.col(HAS_TEXT + self.key) & pl.col(self.key).is_null()
        return code, bad, message


@dataclass(frozen=True)
class Rule:
    """A per-row identity: `holds` is true on a good row (null counts as holding)."""

    code: str
    columns: str
    message: str
    holds: pl.Expr


@dataclass(frozen=True)
class Layout:
    """A platform export layout: which headers it needs and how its rows become raw rows."""

    name: str
    platforms: tuple[str, ...]
    table: str
    fields: tuple[Field, ...]
    derive: Callable[[pl.DataFrame, frozenset[str]], pl.DataFrame]
    rules: Callable[[frozenset[str]], list[Rule]] = field(default=lambda present: [])
    store_field: str | None = None
    # A field whose rows belong together (an order's lines, next to each other in the
    # file) because `derive` reads them as a group: a big file's batches never split one.
    group_field: str | None = None
    description: str = ""
    # Groups of field keys of which a file must have at least one (商品编号 or 商品名称).
    any_of: tuple[tuple[str, ...], ...] = ()
    # A column naming the platform on each row (the standard template's 平台).
    platform_field: str | None = None

    def __post_init__(self) -> None:
        if self.table not in TARGETS:
            raise ValueError(f"layout {self.name}: unknown raw table {self.table}")
        keys = {item.key for item in self.fields}
        unknown = {key for group in self.any_of for key in group} - keys
        if unknown:
            raise ValueError(f"layout {self.name}: any_of names unknown fields {sorted(unknown)}")

    @property
    def required(self) -> tuple[Field, ...]:
        return tuple(item for item in self.fields if item.required)

    def headers(self) -> set[str]:
        """Every header name this layout may use, normalised."""
        return {normalise_header(alias) for item in self.fields for alias in item.aliases}

    def columns_in(self, headers: Iterable[str]) -> dict[str, str]:
        """key -> header for the fields present among `headers`."""
        names = list(headers)
        found = {item.key: item.header_in(names) for item in self.fields}
        return {key: header for key, header in found.items() if header is not None}

    @property
    def required_count(self) -> int:
        """How many requirements a file must meet: required fields plus any_of groups."""
        return len(self.required) + len(self.any_of)

    def missing(self, headers: Iterable[str]) -> list[str]:
        """The required fields absent from `headers`, each named by its first alias.

        An any_of group none of whose fields is present is named as `A or B`.
        """
        names = list(headers)
        lacking = [item.aliases[0] for item in self.required if item.header_in(names) is None]
        by_key = {item.key: item for item in self.fields}
        for group in self.any_of:
            members = [by_key[key] for key in group]
            if all(member.header_in(names) is None for member in members):
                lacking.append(" or ".join(member.aliases[0] for member in members))
        return lacking


def fill_targets(frame: pl.DataFrame, table: str) -> pl.DataFrame:
    """The raw table's columns in order and dtype; columns the layout has not are null."""
    columns = []
    for name, dtype in TARGETS[table].items():
        if name in frame.columns:
            columns.append(pl.col(name).cast(dtype).alias(name))
        else:
            columns.append(pl.lit(None, dtype=dtype).alias(name))
    return frame.select(columns)


def present_or_null(present: frozenset[str], key: str, dtype: pl.DataType) -> pl.Expr:
    """The parsed column `key`, or a typed null where the file lacks it."""
    return pl.col(key) if key in present else pl.lit(None, dtype=dtype)


def map_values(expr: pl.Expr, mapping: Mapping[str, str]) -> pl.Expr:
    """Replace known values by their codes; unknown values become null."""
    return expr.replace_strict(dict(mapping), default=None, return_dtype=pl.String)


def platform_code(expr: pl.Expr) -> pl.Expr:
    """The platform code a 平台 cell names (天猫 → tmall, tmall → tmall); null if unknown.

    Read as an identifier so that 1919 typed into Excel (read back as `1919.0`) is 1919.
    """
    return map_values(cells.identifier(expr), PLATFORM_CODES)


def share_over_lines(
    frame: pl.DataFrame, amount: str, weight: str, by: str, out: str
) -> pl.DataFrame:
    """Share each group's `amount` over its rows pro rata to `weight`, to the fen.

    Used where an export repeats an order's amount on each of its lines: every row
    of a group carries the same `amount`, and the shares sum to it exactly (each
    share rounded half up in fen, the last row of the group in file order takes the
    remainder). A group whose weights are all zero or empty is shared equally.
    Arithmetic is on integer fen, never float.
    """
    fen = pl.Int128()
    steps = frame.with_columns(
        (pl.col(amount) * 100).cast(fen).alias("_amount_fen"),
        (pl.col(weight) * 100).cast(fen).fill_null(0).alias("_weight_fen"),
    ).with_columns(
        pl.col("_weight_fen").sum().over(by).alias("_total_fen"),
        pl.len().over(by).cast(fen).alias("_lines"),
        (pl.int_range(pl.len()).over(by) == pl.len().over(by) - 1).alias("_is_last"),
    )
    equal = pl.col("_total_fen") == 0
    line_weight = pl.when(equal).then(pl.lit(1, dtype=fen)).otherwise(pl.col("_weight_fen"))
    total_weight = pl.when(equal).then(pl.col("_lines")).otherwise(pl.col("_total_fen"))
    steps = steps.with_columns(
        ((pl.col("_amount_fen") * line_weight * 2 + total_weight) // (total_weight * 2)).alias(
            "_share_fen"
        )
    ).with_columns(pl.col("_share_fen").sum().over(by).alias("_shared_fen"))
    remainder = pl.col("_amount_fen") - (pl.col("_shared_fen") - pl.col("_share_fen"))
    share_fen = pl.when(pl.col("_is_last")).then(remainder).otherwise(pl.col("_share_fen"))
    return steps.with_columns(
        (share_fen.cast(pl.Decimal(38, 2)) / 100).cast(MONEY_DTYPE).alias(out)
    ).drop(
        "_amount_fen",
        "_weight_fen",
        "_total_fen",
        "_lines",
        "_is_last",
        "_share_fen",
        "_shared_fen",
    )
