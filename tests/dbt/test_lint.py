"""The models' SQL keeps the project's style: sqlfluff (duckdb dialect, dbt_project/.sqlfluff)."""

from __future__ import annotations

import json
import subprocess
import sys

from warehouse.paths import DBT_PROJECT_DIR


def test_sqlfluff_finds_no_violation_in_the_models():
    linted = subprocess.run(
        [sys.executable, "-m", "sqlfluff", "lint", "models", "--nofail", "--format", "json"],
        cwd=DBT_PROJECT_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    files = json.loads(linted.stdout)
    # every model was read (a file sqlfluff cannot template would be missing)
    assert len(files) == len(list((DBT_PROJECT_DIR / "models").rglob("*.sql")))
    violations = [
        f"{found['filepath']}:{item['start_line_no']}: {item['code']} {item['description']}"
        for found in files
        for item in found["violations"]
    ]
    assert violations == []
