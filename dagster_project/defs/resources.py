"""The resources every run gets, built from ``WarehouseSettings`` (absolute paths).

``duckdb``      dagster-duckdb ``DuckDBResource`` on the warehouse file
``dbt``         ``DbtCliResource`` on the cached ``DbtProject`` (``dbt/``, profiles in ``dbt/``)
``raw_folder``  the folder of disclosures
``published``   the read-only copy of the marts published after each successful build
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from dagster_dbt import DbtCliResource
from dagster_duckdb import DuckDBResource

from dagster_project.defs.marts.project import budget_dbt_project
from dagster_project.defs.publish.resource import PublishedMartsResource
from dagster_project.defs.raw_documents.folder import RawFolderResource
from dagster_project.defs.settings import WarehouseSettings


def build_resources(settings: WarehouseSettings) -> dict[str, object]:
    return {
        "duckdb": DuckDBResource(database=str(settings.warehouse_path)),
        "dbt": DbtCliResource(project_dir=budget_dbt_project()),
        "raw_folder": RawFolderResource(path=str(settings.raw_dir)),
        "published": PublishedMartsResource(path=str(settings.published_file)),
    }


@contextmanager
def warehouse_connection(resource: DuckDBResource) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection that is closed however the block ends.

    (``DuckDBResource.get_connection`` retries while another process holds the file, but leaves the
    connection open when the block raises; an open connection would lock dbt out of the file.)
    """
    Path(resource.database).parent.mkdir(parents=True, exist_ok=True)
    with resource.get_connection() as con:
        try:
            yield con
        finally:
            con.close()


def point_dbt_at_warehouse(resource: DuckDBResource) -> None:
    """dbt's profile reads ``BUDGET_WAREHOUSE``; give it the resource's absolute path."""
    os.environ["BUDGET_WAREHOUSE"] = str(Path(resource.database).resolve())
