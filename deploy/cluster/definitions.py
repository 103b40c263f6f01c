"""The code location for a cluster (docs/scaling.md, "Past one machine"): the same assets as
``dagster_project.definitions``, with the raw layer and the marts in a DuckLake and the load's steps on celery
workers.

    raw folder (shared) ──▶ raw_disclosure (one partition per arrival batch, as in ``dagster_project``; the step
        on a celery worker, extracting on its cores, each document one DuckLake commit; pool lake_writer)
        ──▶ dbt build on the ducklake target (pool dbt: one)

Needs the optional group ``cluster`` (``uv sync --group cluster``: dagster-celery, dagster-postgres), a broker
(``DAGSTER_CELERY_BROKER_URL``, e.g. ``pyamqp://…`` or ``redis://…``), and on every host the lake's variables
(``BUDGET_DUCKLAKE_CATALOG=postgres:…``, ``BUDGET_DUCKLAKE_DATA``) and ``BUDGET_RAW_DIR`` on a shared folder.
Check it with ``make validate-cluster`` (``dagster definitions validate -m deploy.cluster.definitions``).
"""

import multiprocessing
import os
from pathlib import Path

import dagster as dg
from dagster_celery import celery_executor
from dagster_dbt import DbtCliResource, dbt_assets

from dagster_project.defs.extraction.assets import outcome_metadata
from dagster_project.defs.extraction.batch import Counters, extract_workers, plan_batch, prepare_all
from dagster_project.defs.extraction.loading import LOADED, MISSING, QUARANTINED, prepare_file
from dagster_project.defs.marts.project import budget_dbt_project
from dagster_project.defs.marts.translator import BudgetDbtTranslator
from dagster_project.defs.raw_documents.folder import RawFolderResource
from dagster_project.defs.raw_documents.partitions import arrivals
from dagster_project.defs.settings import WarehouseSettings
from warehouse.ducklake import (
    DBT_TARGET,
    EXTENSIONS_ENV,
    LakeSettings,
    commit_prepared,
    ensure_raw_schema,
    extension_directory,
    lake,
    remove_documents,
)

LAKE_WRITER_POOL = "lake_writer"  # extraction + one commit per document: as many at once as workers allow
DBT_POOL = "dbt"  # one dbt build of the marts at a time
RUN_POOL_TAG = "budget/pool"  # read by the run coordinator's tag limits (deploy/cluster/dagster.yaml)

# dbt's ducklake target loads the extensions from the folder the duckdb-ext-* packages installed
os.environ.setdefault(EXTENSIONS_ENV, str(extension_directory()))

budget_project = budget_dbt_project()


class LakeResource(dg.ConfigurableResource):
    """The DuckLake the raw layer lives in: ``BUDGET_DUCKLAKE_CATALOG`` and ``BUDGET_DUCKLAKE_DATA``."""

    catalog: str
    data_path: str

    def settings(self) -> LakeSettings:
        return LakeSettings(self.catalog, Path(self.data_path))


@dg.asset(
    name="raw_disclosure",
    partitions_def=arrivals,
    pool=LAKE_WRITER_POOL,
    group_name="raw",
    kinds={"python", "ducklake"},
    retry_policy=dg.RetryPolicy(max_retries=2, delay=10, backoff=dg.Backoff.EXPONENTIAL),
    description="The raw folder loaded into the DuckLake's raw layer, one partition per arrival batch: what the "
    "lake does not hold is extracted (on the worker's cores) and committed, one transaction per document, or "
    "quarantined with its reason; the documents of files that left are removed.",
)
def lake_disclosure(
    context: dg.AssetExecutionContext, lake_storage: LakeResource, raw_folder: RawFolderResource
) -> dg.MaterializeResult:
    files = raw_folder.files()
    with lake(lake_storage.settings()) as con:
        ensure_raw_schema(con)
        plan = plan_batch(con, files, whole_folder=True)
        counters = Counters(seen=len(files), unchanged=len(plan.unchanged))
        outcomes = []
        # a daemonic worker process (celery's prefork pool) may not start processes: extract in it then
        workers = 1 if multiprocessing.current_process().daemon else extract_workers()
        for path, prepared in prepare_all(plan.to_read, workers):
            if not prepared.still_current(path):  # replaced or removed since the worker read it
                prepared = prepare_file(path)
            replaced = plan.replaced.get(path.name, set())
            outcome = commit_prepared(con, prepared, replaced)
            (context.log.info if outcome.status == LOADED else context.log.warning)(
                f"{path.name}: {outcome.summary()}"
            )
            counters.extracted += outcome.status != MISSING
            counters.loaded += outcome.status == LOADED
            counters.quarantined += outcome.status == QUARANTINED
            counters.missing += outcome.status == MISSING
            counters.replaced += len(replaced)
            outcomes.append(outcome)
        remove_documents(con, plan.removed)
        counters.removed = len(plan.removed)
    context.log.info(counters.line())
    return dg.MaterializeResult(metadata=outcome_metadata(outcomes, counters, plan.removed_files))


@dbt_assets(
    manifest=budget_project.manifest_path,
    project=budget_project,
    dagster_dbt_translator=BudgetDbtTranslator(),
    name="budget_lake_dbt",
    pool=DBT_POOL,
)
def budget_lake_dbt(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    """``dbt build`` on the ``ducklake`` target: seeds, staging, marts and their tests, in the lake."""
    yield from dbt.cli(["build"], context=context).stream()


cluster_executor = celery_executor.configured(
    {"broker": {"env": "DAGSTER_CELERY_BROKER_URL"}, "backend": {"env": "DAGSTER_CELERY_BACKEND_URL"}},
    name="budget_celery_executor",
)

load_disclosures_cluster = dg.define_asset_job(
    "load_disclosures_cluster",
    selection=dg.AssetSelection.assets(lake_disclosure),
    executor_def=cluster_executor,
    tags={RUN_POOL_TAG: "writer"},
    description="Load an arrival (what the shared raw folder holds that the lake does not) on a celery worker, "
    "one DuckLake commit per document.",
)

build_marts_cluster = dg.define_asset_job(
    "build_marts_cluster",
    selection=dg.AssetSelection.assets(budget_lake_dbt),
    executor_def=dg.in_process_executor,
    tags={RUN_POOL_TAG: "dbt"},
    description="dbt build of the marts from the lake (one at a time).",
)


def build_cluster_definitions() -> dg.Definitions:
    settings = WarehouseSettings.from_env()
    return dg.Definitions(
        assets=[lake_disclosure, budget_lake_dbt],
        jobs=[load_disclosures_cluster, build_marts_cluster],
        resources={
            "lake_storage": LakeResource(
                catalog=dg.EnvVar("BUDGET_DUCKLAKE_CATALOG"), data_path=dg.EnvVar("BUDGET_DUCKLAKE_DATA")
            ),
            "raw_folder": RawFolderResource(path=str(settings.raw_dir)),
            "dbt": DbtCliResource(project_dir=budget_project, target=DBT_TARGET),
        },
    )


defs = build_cluster_definitions()
