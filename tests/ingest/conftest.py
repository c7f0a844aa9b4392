"""Shared setup for ingest tests: an in-memory warehouse and a writer of small export files."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import duckdb
import pytest

from warehouse.schema import create_raw_schema

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def real_exports() -> Path:
    """Copies of the three real seller exports (Taobao 2017 order and item reports, Tmall 2020).

    Byte-identical to /work/shared/real-exports: buyers were anonymised at the source.
    """
    return FIXTURES / "real"


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


@pytest.fixture
def fixture_file() -> Callable[[str], Path]:
    """A committed fixture export, by its path under tests/ingest/fixtures/."""

    def find(relative: str) -> Path:
        return FIXTURES / relative

    return find


@pytest.fixture
def inbox(tmp_path: Path) -> Callable[[Path, str, str], Path]:
    """Copy a file into <tmp>/inbox/<platform>/<store_id>/ and return its new path."""

    def place(source: Path, platform: str, store_id: str) -> Path:
        target = tmp_path / "inbox" / platform / store_id / source.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        return target

    return place
