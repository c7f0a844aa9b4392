"""Shared setup for ingest tests: an in-memory warehouse and a writer of small export files."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import duckdb
import pytest

from warehouse.schema import create_raw_schema

REAL_EXPORTS = Path("/work/shared/real-exports")


@pytest.fixture
def real_exports() -> Path:
    """The three real seller exports (Taobao 2017 order and item reports, Tmall 2020)."""
    if not REAL_EXPORTS.is_dir():
        pytest.skip(f"{REAL_EXPORTS} is not on this machine")
    return REAL_EXPORTS


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory warehouse with the raw schema."""
    connection = duckdb.connect(":memory:")
    create_raw_schema(connection)
    yield connection
    connection.close()


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[..., Path]:
    """Write rows as a CSV export: `lines` are raw text lines, joined with CRLF or LF."""

    def write(
        name: str,
        lines: Sequence[str],
        *,
        encoding: str = "utf-8",
        newline: str = "\n",
        folder: Path | None = None,
    ) -> Path:
        target = (folder or tmp_path) / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes((newline.join(lines) + newline).encode(encoding))
        return target

    return write
