"""Watch the raw folder: when its listing changed, one arrival partition and one load run for it
(``raw_folder_sensor``); once those loads are done, one ``build_marts`` run (``marts_after_loads``)."""

import dagster as dg
from dagster._core.storage.dagster_run import RunsFilter

from dagster_project.defs.jobs import build_marts_job, build_warehouse_job, load_disclosures_job
from dagster_project.defs.raw_documents.folder import RawFolderResource
from dagster_project.defs.raw_documents.partitions import arrival_key, arrivals
from extract.readers.registry import supported_suffixes


@dg.sensor(
    job=load_disclosures_job,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="When the listing of the raw folder changed (an entry added, removed, resized or touched: a "
    "stat per entry, no byte read), adds one 'arrivals' partition and requests its load — which loads "
    "whatever the folder holds that the raw layer does not (the readers read "
    f"{', '.join('*' + s for s in supported_suffixes())}; any other entry is quarantined with its reason) "
    "and removes the documents of files that left.",
)
def raw_folder_sensor(
    context: dg.SensorEvaluationContext, raw_folder: RawFolderResource
) -> dg.SensorResult | dg.SkipReason:
    listing = raw_folder.listing_digest()
    if listing == context.cursor:
        return dg.SkipReason("the listing of the raw folder is unchanged")
    if context.cursor is None and not raw_folder.files():
        return dg.SensorResult(skip_reason=dg.SkipReason(f"no entries in {raw_folder.path}"), cursor=listing)
    key = arrival_key(context.instance)
    return dg.SensorResult(
        run_requests=[dg.RunRequest(partition_key=key, run_key=key)],
        dynamic_partitions_requests=[arrivals.build_add_request([key])],
        cursor=listing,
    )


# runs that have not finished yet (a load still queued or running: the marts wait for it)
_UNFINISHED = [
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
]
_MARTS_JOBS = (build_marts_job.name, build_warehouse_job.name)


@dg.sensor(
    job=build_marts_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="After the sensor's loads: once no load_disclosures run is queued or running and a load "
    "succeeded after the marts were last built, requests one build_marts run (dbt build + publish) — the "
    "marts do not wait for 02:00.  At most one dbt build at a time (run key per load; the duckdb_writer pool).",
)
def marts_after_loads(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
    instance = context.instance
    loads_running = instance.get_run_records(
        filters=RunsFilter(job_name=load_disclosures_job.name, statuses=_UNFINISHED), limit=1
    )
    if loads_running:
        return dg.SkipReason("loads are still queued or running")
    [latest_load] = instance.get_run_records(
        filters=RunsFilter(job_name=load_disclosures_job.name, statuses=[dg.DagsterRunStatus.SUCCESS]),
        limit=1,
    ) or [None]
    if latest_load is None:
        return dg.SkipReason("no load has succeeded yet")
    for job_name in _MARTS_JOBS:
        marts = instance.get_run_records(filters=RunsFilter(job_name=job_name), limit=1)
        if marts and marts[0].dagster_run.status in _UNFINISHED:
            return dg.SkipReason(f"a {job_name} run is queued or running")
        if (
            marts
            and marts[0].create_timestamp.timestamp() > latest_load.end_time
            and marts[0].dagster_run.status == dg.DagsterRunStatus.SUCCESS
        ):
            return dg.SkipReason("the marts were built after the latest load")
    return dg.SensorResult(
        run_requests=[dg.RunRequest(run_key=f"after-load-{latest_load.dagster_run.run_id}")]
    )
