"""The settings live in ``warehouse.settings`` (the contract package below dagster_project and dashboard);
re-exported here so existing imports keep working."""

from __future__ import annotations

from collections.abc import Mapping

from warehouse.settings import (  # noqa: F401
    DEFAULT_DBT_PROJECT_DIR,
    DEFAULT_RAW_DIR,
    DEFAULT_WAREHOUSE,
    PUBLISHED_DIR,
    PUBLISHED_FILE,
    REPO_ROOT,
    WAREHOUSE_VAR,
    WarehouseSettings,
    dbt_project_dir,
    dbt_vars,
    resolve_path,
)


def extraction_limits(environ: Mapping[str, str] | None = None):
    """The per-document limits (``BUDGET_MAX_FILE_MB``, ``BUDGET_MAX_PAGES``, ``BUDGET_MAX_FACTS``,
    ``BUDGET_MAX_TABLE_REPEATS``) — read again at every load, so a change needs no restart."""
    from extract.pipeline import Limits

    return Limits.from_env(environ)
