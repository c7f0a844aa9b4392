"""Cell cleaners: turning the text the platforms print into values, as polars expressions.

Every cleaner takes and returns a polars expression so a whole column is cleaned
at once; none of them loops over rows in Python. Parsers return null for text
they cannot read, and each has a matching `*_is_bad` test so the caller can
reject the row with a reason instead of losing the value silently. Money is
parsed from its text straight to Decimal(18, 2): never through float, never
rounded (a third decimal other than zero is bad, not truncated).
"""

from __future__ import annotations

import logging
import unicodedata

import polars as pl

log = logging.getLogger(__name__)

MONEY_DTYPE = pl.Decimal(18, 2)

# Cells that mean "nothing here" in the platforms' exports.
EMPTY_MARKERS: tuple[str, ...] = ("", "-", "--", "—", "nan", "NaN", "null", "NULL", "None")

# Excel turns long numeric IDs into 2.50623E+14: the digits are gone for good.
EXCEL_DAMAGE = r"^[0-9](\.[0-9]+)?[eE]\+?[0-9]+$"
_MONEY_TEXT = r"^[+-]?[0-9]+(\.[0-9]{0,2}0*)?$"
_INTEGER_TEXT = r"^[+-]?[0-9]+(\.0*)?$"
_NON_ASCII = r"[^\x00-\x7f]"
# How nearly every cell of a clean export spells an amount and a count (thousands
# separators included). A column whose cells all do is read in a few passes; any other
# spelling sends the column through the cleaners' full path.
_PLAIN_MONEY = r"^[0-9][0-9,]*(\.[0-9]{1,2})?$"
_PLAIN_INTEGER = r"^[0-9][0-9,]*$"
_INT32_LIMIT = 2**31
_PLAIN_TIMESTAMP = r"^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$"
# An ID as platforms print it, bare or in Excel's ="…" (empty markers are checked apart).
_PLAIN_ID = r'^(="[0-9A-Za-z_-]+"|[0-9A-Za-z_-]+)$'

# Every accepted spelling is first rewritten to this one, then parsed once.
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"


def normalise_header(name: object) -> str:
    """A header name as layouts spell it: NFKC, no Excel wrappers, quotes, tabs or edges.

    Taobao's headers carry trailing spaces (`订单付款时间 `), other files full-width
    brackets or a BOM; all of that is noise for matching.
    """
    text = "" if name is None else str(name)
    text = unicodedata.normalize("NFKC", text).replace("\ufeff", "")
    text = text.strip()
    if text.startswith("="):
        text = text[1:]
    return text.strip().strip("\"'").strip()


def clean_text(expr: pl.Expr) -> pl.Expr:
    """Unwrap `="…"`, a leading tab or apostrophe, trim, and turn empty markers into null."""
    return expr.cast(pl.String).map_batches(
        _clean_text_series, return_dtype=pl.String, is_elementwise=True
    )


def _clean_text_series(cells: pl.Series) -> pl.Series:
    # Literal prefix/suffix tests, not a capturing regex: ten times faster on IDs. Each
    # step after the first trim runs only if some cell of the column needs it: in a clean
    # export only the ID columns are wrapped and no cell starts with an apostrophe.
    text = cells.str.strip_chars()
    is_wrapped = (text.str.starts_with('="') & text.str.ends_with('"')).fill_null(False)
    if is_wrapped.any():
        unwrapped = text.str.strip_prefix('="').str.strip_suffix('"').str.strip_chars()
        text = text.zip_with(~is_wrapped, unwrapped)
    if text.str.starts_with("'").any():
        text = text.str.strip_chars_start("'").str.strip_chars()
    return text.set(text.is_in(EMPTY_MARKERS).fill_null(False), None)


def _nfkc(text: pl.Expr) -> pl.Expr:
    """NFKC of the cells that have a non-ASCII character; ASCII text is NFKC already.

    NFKC costs more than every other step of a cleaner together, and the cells it
    changes (full-width digits, ￥, full-width brackets) are rare, so only they are
    normalised: a plain ASCII column (IDs, amounts, times) pays for one scan.
    """
    return text.map_batches(_nfkc_series, return_dtype=pl.String, is_elementwise=True)


def _nfkc_series(text: pl.Series) -> pl.Series:
    needs = text.str.contains(_NON_ASCII).fill_null(False)
    if not needs.any():
        return text
    rows = needs.arg_true()
    return text.clone().scatter(rows, text.gather(rows).str.normalize("NFKC"))


def _number_text(expr: pl.Expr) -> pl.Expr:
    """Clean text of an amount: full-width digits folded, ¥ ￥ 元 and separators removed."""
    return _nfkc(clean_text(expr)).map_batches(
        _without_number_marks, return_dtype=pl.String, is_elementwise=True
    )


def _without_number_marks(text: pl.Series) -> pl.Series:
    # ¥ and 元 are not ASCII, and ASCII whitespace inside an amount is rare: a column
    # with neither needs only its commas removed, a literal pass a third the regex's cost.
    if text.str.contains(r"[^\x00-\x7f]|\s").any():
        return text.str.replace_all(r"[¥元,\s]", "")
    return text.str.replace_all(",", "", literal=True)


def _matching(text: pl.Expr, pattern: str) -> pl.Expr:
    """`text` where it matches `pattern`, else null; the text is computed once."""
    # In `when(text matches).then(text)` polars builds the text twice: half the cost.
    return text.map_batches(
        lambda cells: cells.clone().set(~cells.str.contains(pattern).fill_null(False), None),
        return_dtype=pl.String,
        is_elementwise=True,
    )


def _all_plain(cells: pl.Series, pattern: str) -> bool:
    """Whether every cell is null, empty or spelled as `pattern` says."""
    return bool((cells.str.contains(pattern) | (cells.str.len_bytes() == 0)).all())


def _empty_as_null(cells: pl.Series) -> pl.Series:
    """A quoted empty cell reads as ""; it holds nothing, as a missing one."""
    empty = cells.str.len_bytes() == 0
    return cells.set(empty, None) if empty.any() else cells


def _without_commas(cells: pl.Series) -> pl.Series:
    if cells.str.contains(",", literal=True).any():
        return cells.str.replace_all(",", "", literal=True)
    return cells


def _full_path(cells: pl.Series, cleaner: pl.Expr) -> pl.Series:
    return cells.to_frame("cell").select(cleaner).to_series()


def money(expr: pl.Expr) -> pl.Expr:
    """An amount in yuan as Decimal(18, 2), null where empty or unreadable."""
    return expr.cast(pl.String).map_batches(
        _money_series, return_dtype=MONEY_DTYPE, is_elementwise=True
    )


def _money_series(cells: pl.Series) -> pl.Series:
    if _all_plain(cells, _PLAIN_MONEY):
        # Not strict: an amount too big for Decimal(18, 2) reads as null, which the
        # caller rejects as a bad amount, as the full path does.
        return _without_commas(_empty_as_null(cells)).cast(MONEY_DTYPE, strict=False)
    text = _number_text(pl.col("cell"))
    return _full_path(cells, _matching(text, _MONEY_TEXT).cast(MONEY_DTYPE, strict=False))


def money_is_bad(expr: pl.Expr) -> pl.Expr:
    """True where the cell holds something but not an amount with at most two decimals."""
    text = _number_text(expr)
    return text.is_not_null() & ~text.str.contains(_MONEY_TEXT).fill_null(False)


def integer(expr: pl.Expr) -> pl.Expr:
    """A count (件数, 买家数) as Int64; `1,234` and `3.0` read, null where empty or unreadable."""
    return expr.cast(pl.String).map_batches(
        _integer_series, return_dtype=pl.Int64, is_elementwise=True
    )


def _integer_series(cells: pl.Series) -> pl.Series:
    if _all_plain(cells, _PLAIN_INTEGER):
        counts = _without_commas(_empty_as_null(cells)).cast(pl.Int64, strict=False)
    else:
        whole = _matching(_number_text(pl.col("cell")), _INTEGER_TEXT).map_batches(
            _without_point_zero_end, return_dtype=pl.String, is_elementwise=True
        )
        counts = _full_path(cells, whole.cast(pl.Int64, strict=False))
    # The warehouse keeps counts as INTEGER: a bigger one is unreadable, not loadable.
    return counts.set(~counts.is_between(-_INT32_LIMIT, _INT32_LIMIT - 1).fill_null(True), None)


def has_text(expr: pl.Expr, kind: str) -> pl.Expr:
    """Whether the cell holds anything once cleaned (`-`, blanks, `=""` hold nothing).

    A column whose cells are all spelled plainly for its kind (numbers, timestamps)
    holds text exactly where it is not null: one pass instead of the cleaner's.
    """
    plain = {
        "money": _PLAIN_MONEY,
        "integer": _PLAIN_INTEGER,
        "timestamp": _PLAIN_TIMESTAMP,
        "date": _PLAIN_TIMESTAMP,
    }.get(kind)

    def present(cells: pl.Series) -> pl.Series:
        if plain is not None and _all_plain(cells, plain):
            return _empty_as_null(cells).is_not_null()
        return _full_path(cells, clean_text(pl.col("cell")).is_not_null())

    return expr.cast(pl.String).map_batches(present, return_dtype=pl.Boolean, is_elementwise=True)


def _without_point_zero_end(text: pl.Series) -> pl.Series:
    if not text.str.contains(".", literal=True).any():
        return text
    return text.str.replace(r"\.0*$", "")


def integer_is_bad(expr: pl.Expr) -> pl.Expr:
    text = _number_text(expr)
    return text.is_not_null() & ~text.str.contains(_INTEGER_TEXT).fill_null(False)


def percent(expr: pl.Expr) -> pl.Expr:
    """`12.34%` as the fraction 0.1234 (Decimal(18, 6)); a bare number is taken as a percent."""
    text = _number_text(expr).str.replace(r"%$", "")
    valid = text.str.contains(r"^[+-]?[0-9]+(\.[0-9]{0,4}0*)?$")
    hundredths = pl.when(valid).then(text).cast(pl.Decimal(18, 6), strict=False)
    return hundredths / 100


def identifier(expr: pl.Expr) -> pl.Expr:
    """An ID as text: wrappers removed, leading zeros kept, `123.0` from Excel trimmed."""
    return expr.cast(pl.String).map_batches(
        _identifier_series, return_dtype=pl.String, is_elementwise=True
    )


def _identifier_series(cells: pl.Series) -> pl.Series:
    if _all_plain(cells, _PLAIN_ID) and not cells.is_in(EMPTY_MARKERS).any():
        cells = _empty_as_null(cells)
        if cells.str.starts_with("=").any():
            return cells.str.strip_prefix('="').str.strip_suffix('"')
        return cells
    text = _nfkc(clean_text(pl.col("cell"))).str.strip_chars()
    return _full_path(
        cells,
        text.map_batches(_without_point_zero, return_dtype=pl.String, is_elementwise=True),
    )


def _without_point_zero(text: pl.Series) -> pl.Series:
    # The regex pass costs eight times the literal test, and most ID columns have no point.
    if not text.str.contains(".", literal=True).any():
        return text
    return text.str.replace(r"^([0-9]+)\.0+$", "$1")


def identifier_is_damaged(expr: pl.Expr) -> pl.Expr:
    """True where Excel printed the ID in scientific notation (its digits are lost)."""
    return identifier(expr).str.contains(EXCEL_DAMAGE).fill_null(False)


def timestamp(expr: pl.Expr) -> pl.Expr:
    """A local (Beijing) timestamp, no zone, from the spellings the exports use.

    `2022-06-01 10:00:00`, `2022/6/1 10:00`, `2022-06-01T10:00:00`, `20220601` and a
    bare date (midnight) are rewritten to one form and parsed in a single pass. The
    usual spelling is parsed first as it stands; only the cells it does not read
    take the rewrites (five regex passes), so a clean column never pays for them.
    """
    return expr.cast(pl.String).map_batches(
        _timestamp_series, return_dtype=pl.Datetime("us"), is_elementwise=True
    )


def _timestamp_series(cells: pl.Series) -> pl.Series:
    plain = _all_plain(cells, _PLAIN_TIMESTAMP)
    text = _empty_as_null(cells) if plain else _full_path(cells, clean_text(pl.col("cell")))
    parsed = text.str.to_datetime(TIMESTAMP_FORMAT, strict=False, time_unit="us")
    unread = (parsed.is_null() & text.is_not_null()).fill_null(False)
    if not unread.any():
        return parsed
    rows = unread.arg_true()
    rewritten = text.gather(rows).to_frame("text").select(_rewritten_timestamp(pl.col("text")))
    return parsed.scatter(rows, rewritten.to_series())


def _rewritten_timestamp(text: pl.Expr) -> pl.Expr:
    """Every accepted spelling rewritten to TIMESTAMP_FORMAT, then parsed."""
    rewritten = (
        text.str.replace_all("/", "-")
        .str.replace(r"^([0-9]{4})([0-9]{2})([0-9]{2})$", "$1-$2-$3")
        .str.replace("T", " ")
        .str.replace(r"^([0-9]{4}-[0-9]{1,2}-[0-9]{1,2})$", "$1 00:00:00")
        .str.replace(r"( [0-9]{1,2}:[0-9]{2})$", "$1:00")
    )
    return rewritten.str.to_datetime(TIMESTAMP_FORMAT, strict=False, time_unit="us")


def timestamp_is_bad(expr: pl.Expr) -> pl.Expr:
    return clean_text(expr).is_not_null() & timestamp(expr).is_null()


def date(expr: pl.Expr) -> pl.Expr:
    """A calendar date; a timestamp cell (Excel dates read as `2022-06-02 00:00:00`) gives a day."""
    return timestamp(expr).dt.date()


def date_is_bad(expr: pl.Expr) -> pl.Expr:
    return timestamp_is_bad(expr)
