"""Scoring's copy of the marts contract and the test marts agree column for column."""

from __future__ import annotations

import pytest

from scoring.marts import UNIT_KINDS
from tests.scoring.conftest import (
    COUNTY_COLUMNS,
    ENTERPRISE_COLUMNS,
    STORE_COLUMNS,
    STREAMER_COLUMNS,
)


@pytest.mark.parametrize(
    ("kind", "columns"),
    [
        ("enterprise", ENTERPRISE_COLUMNS),
        ("store", STORE_COLUMNS),
        ("county", COUNTY_COLUMNS),
        ("streamer", STREAMER_COLUMNS),
    ],
)
def test_test_marts_have_exactly_the_contract_columns(kind: str, columns: dict[str, str]) -> None:
    assert UNIT_KINDS[kind].columns == frozenset(columns)
