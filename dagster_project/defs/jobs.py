"""The three jobs: load an arrival, rebuild the marts (and publish them), or both."""

import dagster as dg

from dagster_project.defs.extraction.assets import raw_disclosure
from dagster_project.defs.marts.assets import budget_warehouse_dbt
from dagster_project.defs.marts.checks import document_quality
from dagster_project.defs.publish.assets import published_marts

# the dbt assets with their tests, plus the per-document quality check that reads marts.quality_issues,
# then the read-only copy of the marts for readers (skipped when dbt build fails)
_marts = (
    dg.AssetSelection.assets(budget_warehouse_dbt)
    | dg.AssetSelection.checks(document_quality)
    | dg.AssetSelection.assets(published_marts)
)

# raw_disclosure and its checks, one arrival partition per run — what the sensor and the CLI build launch
load_disclosures_job = dg.define_asset_job(
    "load_disclosures",
    selection=dg.AssetSelection.assets(raw_disclosure),
    description="Load an arrival (partition = when it was found): every file of the raw folder that the raw "
    "layer does not hold is extracted (or quarantined), the documents of files that left are removed.",
)

# dbt build — seeds, staging, marts and their tests — over whatever the raw layer holds
build_marts_job = dg.define_asset_job(
    "build_marts",
    selection=_marts,
    description="dbt build (seeds, staging, marts, tests) over the raw layer, then publish the marts.",
)

# everything, for one arrival partition (the nightly schedule's run)
build_warehouse_job = dg.define_asset_job(
    "build_warehouse",
    selection=dg.AssetSelection.assets(raw_disclosure) | _marts,
    description="Load an arrival (what the raw folder holds that the raw layer does not), then dbt build, "
    "then publish the marts.",
)
