"""Watch the raw folder: a partition per new file, a load run per new or changed file."""

import dagster as dg

from dagster_project.defs.jobs import load_disclosures_job
from dagster_project.defs.raw_documents.folder import RawFolderResource, document_id_for
from dagster_project.defs.raw_documents.partitions import disclosures
from extract.readers.registry import supported_suffixes


@dg.sensor(
    job=load_disclosures_job,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Adds a 'disclosures' partition per new entry of the raw folder and requests its load (the "
    f"readers read {', '.join('*' + s for s in supported_suffixes())}; any other entry is quarantined with its "
    "reason); removes the partitions of files that left.",
)
def raw_folder_sensor(context: dg.SensorEvaluationContext, raw_folder: RawFolderResource) -> dg.SensorResult:
    files = raw_folder.files()
    names = [path.name for path in files]
    known = set(context.instance.get_dynamic_partitions(disclosures.name))
    new = [name for name in names if name not in known]
    gone = sorted(known - set(names))
    # the run key carries the content hash: an unchanged file is loaded once, an edited one again
    run_requests = [
        dg.RunRequest(partition_key=path.name, run_key=f"{path.name}@{document_id_for(path)}")
        for path in files
    ]
    requests = []
    if new:
        requests.append(disclosures.build_add_request(new))
    if gone:
        requests.append(disclosures.build_delete_request(gone))
    return dg.SensorResult(run_requests=run_requests, dynamic_partitions_requests=requests)
