"""generate_docs: the lineage site of the tiny warehouse, written without any network."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from warehouse.dbt import generate_docs
from warehouse.errors import NoDataError


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to open a connection fails the test instead of reaching a host."""

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("generate_docs tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_docs_are_written_offline_with_the_marts_and_their_lineage(
    built_warehouse, tmp_path: Path, no_network
):
    db_path, _ = built_warehouse
    index = generate_docs(db_path, tmp_path / "docs")
    assert index == tmp_path / "docs" / "index.html"
    for name in ("index.html", "catalog.json", "manifest.json", "static_index.html"):
        assert (tmp_path / "docs" / name).stat().st_size > 0, name
    manifest = json.loads((tmp_path / "docs" / "manifest.json").read_text(encoding="utf-8"))
    parents = manifest["parent_map"]["model.chuanhuo.county_years"]
    assert "model.chuanhuo.fct_sales" in parents
    catalog = json.loads((tmp_path / "docs" / "catalog.json").read_text(encoding="utf-8"))
    columns = catalog["nodes"]["model.chuanhuo.city_years"]["columns"]
    assert {"city_code", "year", "gmv", "refund", "net_sales"} <= set(columns)


def test_docs_of_a_missing_warehouse_is_no_data_error(tmp_path: Path):
    with pytest.raises(NoDataError, match="no warehouse at"):
        generate_docs(tmp_path / "absent.duckdb", tmp_path / "docs")
