"""Where the warehouse lives: the raw folder (原始公开文件), the DuckDB file and the dbt project.

Each is read from the environment and resolved to an absolute path; a relative value is taken relative to
the repository root (not the working directory), so ``dagster dev``, the CLI and pytest agree.

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

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]

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


def extraction_limits(environ: Mapping[str, str] | None = None):
    """The per-document limits (``BUDGET_MAX_FILE_MB``, ``BUDGET_MAX_PAGES``, ``BUDGET_MAX_FACTS``,
    ``BUDGET_MAX_TABLE_REPEATS``) — read again at every load, so a change needs no restart."""
    from extract.pipeline import Limits

    return Limits.from_env(environ)


def dbt_project_dir() -> Path:
    return resolve_path(os.environ.get("BUDGET_DBT_PROJECT_DIR") or DEFAULT_DBT_PROJECT_DIR)
