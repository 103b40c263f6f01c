"""The resources every run gets, built from ``WarehouseSettings`` (absolute paths).

``duckdb``      ``WarehouseResource`` (a dagster-duckdb ``DuckDBResource``) on the warehouse file: while another
                process holds the file it waits a few seconds, then fails naming the holder (never ~100 s of
                retries)
``dbt``         ``DbtCliResource`` on the cached ``DbtProject`` (``dbt/``, profiles in ``dbt/``), started through
                ``marts/dbt_child`` so that dbt dies with the build; each command names its warehouse file
                (``dbt_warehouse_args``: ``--vars``, which the profile reads)
``raw_folder``  the folder of disclosures
``published``   the read-only copy of the marts published after each successful build
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from dagster_dbt import DbtCliResource
from dagster_duckdb import DuckDBResource

from dagster_project.defs.build_lock import connect_writer
from dagster_project.defs.marts.project import budget_dbt_project
from dagster_project.defs.publish.resource import PublishedMartsResource
from dagster_project.defs.raw_documents.folder import RawFolderResource
from warehouse.settings import WarehouseSettings, dbt_vars

# dbt started with the parent-death signal set: a build killed with SIGKILL takes its dbt with it
DBT_CHILD = Path(__file__).resolve().parent / "marts" / "dbt_child"


class WarehouseResource(DuckDBResource):
    """``DuckDBResource`` whose connection waits at most ``build_lock.LOCK_RETRY_SECONDS`` for another process to
    let go of the file, then raises ``WarehouseBusy`` with the holder's pid and command line."""

    @contextmanager
    def get_connection(self):
        con = connect_writer(Path(self.database))
        try:
            yield con
        finally:
            con.close()


def build_resources(settings: WarehouseSettings) -> dict[str, object]:
    return {
        "duckdb": WarehouseResource(database=str(settings.warehouse_path)),
        "dbt": DbtCliResource(project_dir=budget_dbt_project(), dbt_executable=str(DBT_CHILD)),
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


def dbt_warehouse_args(resource: DuckDBResource | Path) -> list[str]:
    """The arguments that point a dbt command at the resource's (or the path's) warehouse file: dbt's profile
    reads it from ``--vars`` (``warehouse.settings.dbt_vars``); nothing is written to the environment."""
    database = resource if isinstance(resource, Path) else Path(resource.database)
    return dbt_vars(database)
