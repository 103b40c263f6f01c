"""The dbt project as Dagster assets: ``dbt build`` (seeds, staging, marts and their tests)."""

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets
from dagster_duckdb import DuckDBResource

from dagster_project.defs.extraction.loading import forget_departed_documents
from dagster_project.defs.marts.project import budget_dbt_project
from dagster_project.defs.marts.translator import BudgetDbtTranslator
from dagster_project.defs.pools import DUCKDB_WRITER_POOL
from dagster_project.defs.raw_documents.folder import RawFolderResource
from dagster_project.defs.resources import point_dbt_at_warehouse, warehouse_connection

budget_project = budget_dbt_project()


@dbt_assets(
    manifest=budget_project.manifest_path,
    project=budget_project,
    dagster_dbt_translator=BudgetDbtTranslator(),
    name="budget_warehouse_dbt",
    pool=DUCKDB_WRITER_POOL,
)
def budget_warehouse_dbt(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    duckdb: DuckDBResource,
    raw_folder: RawFolderResource,
):
    """Mirror the folder (drop documents whose file left it), then ``dbt build`` into the same DuckDB file."""
    with warehouse_connection(duckdb) as con:
        gone = forget_departed_documents(con, raw_folder.files())
    if gone:
        context.log.info(f"removed {len(gone)} document(s) whose file left the raw folder: {', '.join(gone)}")
    point_dbt_at_warehouse(duckdb)
    invocation = dbt.cli(["build"], context=context)
    try:
        yield from invocation.stream()
    finally:
        # if the stream stopped early (an error on our side), don't leave dbt holding the DuckDB file
        if invocation.process.poll() is None:
            invocation.process.terminate()
            invocation.process.wait(timeout=60)
