"""Where the project's own files are: the dbt project, the bundled data, the default warehouse.

The package is installed editable from its checkout, so these resolve inside it.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
DATA_DIR = PROJECT_ROOT / "data"
SAMPLES_DIR = DATA_DIR / "samples"
PLANS_DIR = DATA_DIR / "plans"
RULES_DIR = DATA_DIR / "rules"

DEFAULT_DB_NAME = "chuanhuo.duckdb"
DB_ENV_VAR = "CHUANHUO_DB"


def default_db_path() -> Path:
    """The warehouse file: $CHUANHUO_DB if set, else ./chuanhuo.duckdb."""
    return Path(os.environ.get(DB_ENV_VAR, DEFAULT_DB_NAME))
