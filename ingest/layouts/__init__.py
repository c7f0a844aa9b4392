"""The platform export layouts and how a file's header picks one.

A layout is chosen from the normalised header alone, never by column position:
every layout whose required columns are all present is a candidate, the one that
recognises most columns wins (on a tie, the one with more requirements). A file
no layout accepts is an InputFileError that names the closest layout and the
required columns the file lacks.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

import polars as pl

from ingest.layouts import (
    douyin_orders,
    jd_orders,
    pinduoduo_orders,
    standard_template,
    sycm_daily,
    taobao_items,
    taobao_orders,
)
from ingest.layouts.base import Field, Layout, Rule, platform_code
from warehouse.errors import InputFileError

log = logging.getLogger(__name__)

LAYOUTS: dict[str, Layout] = {
    layout.name: layout
    for module in (
        taobao_orders,
        taobao_items,
        douyin_orders,
        sycm_daily,
        jd_orders,
        pinduoduo_orders,
        standard_template,
    )
    for layout in module.LAYOUTS
}

__all__ = [
    "LAYOUTS",
    "Field",
    "Layout",
    "Rule",
    "all_headers",
    "detect_layout",
    "platform_in_file",
]


def all_headers() -> set[str]:
    """Every header name any layout knows: what the reader looks for to find the header row."""
    return set().union(*(layout.headers() for layout in LAYOUTS.values()))


def detect_layout(
    headers: Iterable[str],
    path: Path | str,
    *,
    layout: str | None = None,
    platform: str | None = None,
) -> Layout:
    """The layout of a file with these (normalised) headers; `layout` or `platform` narrow it."""
    names = list(headers)
    if layout is not None:
        if layout not in LAYOUTS:
            raise InputFileError(
                path, f"unknown layout {layout!r}", "known layouts: " + ", ".join(sorted(LAYOUTS))
            )
        candidates = [LAYOUTS[layout]]
    else:
        candidates = [
            item for item in LAYOUTS.values() if platform is None or platform in item.platforms
        ]
        if not candidates:
            raise InputFileError(
                path,
                f"no layout is known for platform {platform!r}",
                "platforms with layouts: "
                + ", ".join(sorted({p for item in LAYOUTS.values() for p in item.platforms})),
            )
    complete = [item for item in candidates if not item.missing(names)]
    if complete:
        # On a tie the layout with more requirements is the more specific one.
        return max(complete, key=lambda item: (len(item.columns_in(names)), item.required_count))
    closest = max(
        _hint_candidates(candidates, names),
        key=lambda item: (
            item.required_count - len(item.missing(names)),
            -len(item.missing(names)),
        ),
    )
    lacking = closest.missing(names)
    raise InputFileError(
        path,
        f"not a known export layout; closest is {closest.name} ({closest.description}), "
        f"which needs {', '.join(lacking)}",
        "export the report with those columns ticked, or pass --layout if it is another "
        "known layout",
    )


def _hint_candidates(candidates: list[Layout], headers: list[str]) -> list[Layout]:
    """The layouts worth naming as closest to a file no layout accepts.

    The standard template serves every platform, so it would be the closest match of
    many a platform export; it is named only for files that have its 平台 column.
    """
    fitting = [
        item
        for item in candidates
        if item.platform_field is None or item.columns_in(headers).get(item.platform_field)
    ]
    return fitting or candidates


def platform_in_file(
    layout: Layout, columns: dict[str, str], frame: pl.DataFrame, path: Path | str
) -> str | None:
    """The platform code the layout's platform column names, None if it has no such column.

    For the loader, as one more source of the file's platform beside --platform and
    the inbox folder. Unknown names are left to the layout's row rules; a file that
    names two known platforms belongs to no single store and is refused.
    """
    if layout.platform_field is None or layout.platform_field not in columns:
        return None
    header = columns[layout.platform_field]
    codes = sorted(
        frame.select(platform_code(pl.col(header)).alias("code"))
        .get_column("code")
        .drop_nulls()
        .unique()
        .to_list()
    )
    if len(codes) > 1:
        raise InputFileError(
            path,
            f"column {header} names several platforms ({', '.join(codes)})",
            "a file belongs to one store: fill in one file per store",
        )
    return codes[0] if codes else None
