"""The nightly rebuild: 02:00 Beijing time, every disclosure of the folder, then dbt build."""

import dagster as dg

from dagster_project.defs.jobs import build_warehouse_job
from dagster_project.defs.raw_documents.folder import RawFolderResource
from dagster_project.defs.raw_documents.partitions import sync_disclosure_partitions

NIGHTLY_CRON = "0 2 * * *"
NIGHTLY_TIMEZONE = "Asia/Shanghai"

# the run tags Dagster uses for a run over a range of partitions (as a single-run backfill does)
PARTITION_RANGE_START_TAG = "dagster/asset_partition_range_start"
PARTITION_RANGE_END_TAG = "dagster/asset_partition_range_end"


@dg.schedule(
    name="nightly_build",
    job=build_warehouse_job,
    cron_schedule=NIGHTLY_CRON,
    execution_timezone=NIGHTLY_TIMEZONE,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Every night at 02:00 Asia/Shanghai: register the folder's files as partitions, load all of "
    "them in one run (a partition range), then dbt build.",
)
def nightly_build(context: dg.ScheduleEvaluationContext, raw_folder: RawFolderResource):
    keys = sync_disclosure_partitions(context.instance, [path.name for path in raw_folder.files()])
    if not keys:
        return dg.SkipReason(f"no disclosures in {raw_folder.path}")
    return dg.RunRequest(
        tags={PARTITION_RANGE_START_TAG: keys[0], PARTITION_RANGE_END_TAG: keys[-1]},
    )
