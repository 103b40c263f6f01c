"""Where the warehouse lives: the raw folder (原始公开文件), the DuckDB file and the dbt project.

Each is read from the environment once (``WarehouseSettings.from_env``), resolved to an absolute path and
passed down; nothing writes the environment back (dbt gets the warehouse path as a ``--vars`` value, see
``dbt_vars``).  A relative value is taken relative to the repository root (not the working directory), so
``dagster dev``, the CLI and pytest agree.

``BUDGET_RAW_DIR``         the folder of disclosures (``*.txt`` text conversions, ``*.pdf``), default ``data/raw``
``BUDGET_WAREHOUSE``       the DuckDB file, default ``data/warehouse/budget.duckdb``
``BUDGET_DBT_PROJECT_DIR`` the dbt project, default ``dbt`` (read once, when the definitions are imported)
``BUDGET_PUBLISHED``       the read-only copy of the marts published after each successful build (what the
                           dashboard and BI tools open), default ``<warehouse dir>/published/budget_marts.duckdb``

Limits on one document (``extract.pipeline.Limits``; over a limit, the file is quarantined with the reason
code in brackets; docs/reliability.md):

``BUDGET_MAX_FILE_MB``       file size in MB, checked before a byte is read, default 50 (``file_too_large``)
``BUDGET_MAX_PAGES``         pages of a PDF, counted before a page is read, default 500 (``too_many_pages``)
``BUDGET_MAX_FACTS``         table + prose facts of one document, default 20000 (``too_many_facts``)
``BUDGET_MAX_TABLE_REPEATS`` copies of one identical table in one document, default 3 (``repeated_tables``)
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]

DEFAULT_RAW_DIR = "data/raw"
DEFAULT_WAREHOUSE = "data/warehouse/budget.duckdb"
DEFAULT_DBT_PROJECT_DIR = "dbt"
PUBLISHED_DIR = "published"
PUBLISHED_FILE = "budget_marts.duckdb"


def resolve_path(value: str | os.PathLike[str]) -> Path:
    """An absolute path; relative values are relative to the repository root."""
    path = Path(value).expanduser()
    return path if path.is_absolute() else (REPO_ROOT / path).resolve()


@dataclass(frozen=True)
class WarehouseSettings:
    raw_dir: Path
    warehouse_path: Path
    published_path: Path | None = None  # None: beside the warehouse (see ``published_file``)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> WarehouseSettings:
        environ = os.environ if environ is None else environ
        published = environ.get("BUDGET_PUBLISHED")
        return cls(
            raw_dir=resolve_path(environ.get("BUDGET_RAW_DIR") or DEFAULT_RAW_DIR),
            warehouse_path=resolve_path(environ.get("BUDGET_WAREHOUSE") or DEFAULT_WAREHOUSE),
            published_path=resolve_path(published) if published else None,
        )

    @property
    def published_file(self) -> Path:
        """The published copy of the marts: ``BUDGET_PUBLISHED``, else ``<warehouse dir>/published/…``."""
        return self.published_path or self.warehouse_path.parent / PUBLISHED_DIR / PUBLISHED_FILE


def dbt_project_dir(environ: Mapping[str, str] | None = None) -> Path:
    environ = os.environ if environ is None else environ
    return resolve_path(environ.get("BUDGET_DBT_PROJECT_DIR") or DEFAULT_DBT_PROJECT_DIR)


# the dbt variable the profile (dbt/profiles.yml) reads the warehouse path from
WAREHOUSE_VAR = "warehouse_path"


def dbt_vars(warehouse_path: Path) -> list[str]:
    """The ``--vars`` arguments that point dbt's profile at ``warehouse_path`` (absolute)."""
    return ["--vars", json.dumps({WAREHOUSE_VAR: str(Path(warehouse_path).resolve())})]
