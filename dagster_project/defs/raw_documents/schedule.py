"""The nightly rebuild: 02:00 Beijing time, one arrival partition loading whatever the folder holds that the
raw layer does not, then dbt build."""

import dagster as dg

from dagster_project.defs.jobs import build_warehouse_job
from dagster_project.defs.raw_documents.folder import RawFolderResource
from dagster_project.defs.raw_documents.partitions import add_arrival

NIGHTLY_CRON = "0 2 * * *"
NIGHTLY_TIMEZONE = "Asia/Shanghai"


@dg.schedule(
    name="nightly_build",
    job=build_warehouse_job,
    cron_schedule=NIGHTLY_CRON,
    execution_timezone=NIGHTLY_TIMEZONE,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Every night at 02:00 Asia/Shanghai: add an 'arrivals' partition, load whatever the folder "
    "holds that the raw layer does not in one run (unchanged files are skipped unread), then dbt build.",
)
def nightly_build(context: dg.ScheduleEvaluationContext, raw_folder: RawFolderResource):
    if not raw_folder.files():
        return dg.SkipReason(f"no disclosures in {raw_folder.path}")
    return dg.RunRequest(partition_key=add_arrival(context.instance))
