"""The Dagster code location ``budget_warehouse`` (``dagster dev`` loads ``defs`` from here).

    raw folder ──sensor / nightly schedule──▶ raw_disclosure (one partition per arrival) ──▶ dbt: staging ─▶ marts
        ──▶ published_marts (read-only copy for the dashboard and BI tools)
    the sensor's loads ──marts_after_loads──▶ build_marts (dbt build + publish, once the loads are done)

``build_definitions(settings)`` binds the resources to explicit paths; the CLI and the tests call it after
reading the environment, ``defs`` is built from the environment at import.
"""

from __future__ import annotations

import dagster as dg

from dagster_project.defs.extraction.assets import LoadListener, raw_disclosure
from dagster_project.defs.extraction.checks import (
    amounts_not_null,
    document_rows_present,
    no_duplicate_documents,
)
from dagster_project.defs.jobs import build_marts_job, build_warehouse_job, load_disclosures_job
from dagster_project.defs.marts.assets import budget_warehouse_dbt
from dagster_project.defs.marts.checks import document_quality
from dagster_project.defs.publish.assets import published_marts
from dagster_project.defs.raw_documents.schedule import nightly_build
from dagster_project.defs.raw_documents.sensor import marts_after_loads, raw_folder_sensor
from dagster_project.defs.resources import build_resources
from dagster_project.defs.settings import WarehouseSettings


def build_definitions(
    settings: WarehouseSettings | None = None, load_listener: LoadListener | None = None
) -> dg.Definitions:
    """The definitions on ``settings``' paths; ``load_listener`` is told what the raw load does (the CLI's
    progress)."""
    return dg.Definitions(
        assets=[raw_disclosure, budget_warehouse_dbt, published_marts],
        asset_checks=[document_rows_present, no_duplicate_documents, amounts_not_null, document_quality],
        jobs=[load_disclosures_job, build_marts_job, build_warehouse_job],
        schedules=[nightly_build],
        sensors=[raw_folder_sensor, marts_after_loads],
        resources={
            **build_resources(settings or WarehouseSettings.from_env()),
            "load_listener": load_listener or LoadListener(),
        },
        # steps of a run one after the other: they share one DuckDB file
        executor=dg.in_process_executor,
    )


defs = build_definitions()
