"""``raw_disclosure``: the raw folder loaded into the raw layer, one partition per arrival batch.

A partition is an arrival (``defs.raw_documents.partitions.arrivals``: a build, a sensor tick that saw the
folder change, a nightly run), not a file.  Materialising one is one batch (``batch``) over the whole folder:
files whose bytes are loaded already are skipped unread, new and changed files are extracted on all cores and
written by this step alone, through one DuckDB connection, a chunk of documents per transaction, and the
documents of files that left the folder go.  Re-materialising an old arrival therefore loads what is new now
(usually nothing).  A failed step is retried (``LOAD_RETRY``): what earlier attempts committed is skipped.
"""

from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from dagster_project.defs.build_lock import warehouse_lock
from dagster_project.defs.extraction.batch import (
    BatchWriter,
    Counters,
    Plan,
    extract_workers,
    plan_batch,
    stage_file,
    stored_outcomes,
)
from dagster_project.defs.extraction.loading import LOADED, QUARANTINED, LoadOutcome
from dagster_project.defs.pools import DUCKDB_WRITER_POOL
from dagster_project.defs.raw_documents.folder import RawFolderResource
from dagster_project.defs.raw_documents.partitions import arrivals
from dagster_project.defs.resources import warehouse_connection

# a step that failed (the warehouse busy or full, a worker lost) is run again; the batch skips what committed
LOAD_RETRY = dg.RetryPolicy(max_retries=2, delay=5, backoff=dg.Backoff.EXPONENTIAL)
METADATA_ROWS = 100  # files listed in the metadata of a materialization (the others are counted)


class LoadListener:
    """Told what a ``raw_disclosure`` step does (``budget-warehouse build`` shows it as progress); the
    default tells nobody.  A resource (``load_listener``)."""

    def planned(self, plan: Plan) -> None:
        pass

    def file_done(self, index: int, total: int, outcome: LoadOutcome) -> None:
        pass

    def finished(self, counters: Counters, outcomes: list[LoadOutcome]) -> None:
        pass


@dg.asset(
    partitions_def=arrivals,
    pool=DUCKDB_WRITER_POOL,
    retry_policy=LOAD_RETRY,
    group_name="raw",
    kinds={"python", "duckdb"},
    description=(
        "The disclosures (部门预算/单位预算) of the raw folder, extracted with extract.extract_file and written "
        "to the raw schema (raw.documents, raw.tables, raw.table_facts, raw.prose_facts, "
        "raw.extraction_warnings), or recorded in raw.quarantine with the reason.  One partition per arrival "
        "batch: a materialization loads whatever the folder holds that the raw layer does not — files whose "
        "bytes are loaded already (by this extractor version) are skipped without being read — and removes "
        "the documents of files that left.  A quarantined document is a successful load."
    ),
)
def raw_disclosure(
    context: dg.AssetExecutionContext,
    duckdb: DuckDBResource,
    raw_folder: RawFolderResource,
    load_listener: dg.ResourceParam[LoadListener],
) -> dg.MaterializeResult:
    files = raw_folder.files()

    def on_done(index: int, total: int, outcome: LoadOutcome) -> None:
        log = context.log.warning if outcome.status != LOADED else context.log.info
        log(f"[{index}/{total}] {outcome.file_name}: {outcome.summary()}")
        load_listener.file_done(index, total, outcome)

    # the build lock (re-entrant: free inside `budget-warehouse build`; a run of `dagster dev` while a CLI
    # build runs fails at once with BuildBusy instead of writing under it)
    with warehouse_lock(Path(duckdb.database)), warehouse_connection(duckdb) as con:
        plan = plan_batch(con, files, whole_folder=True)
        load_listener.planned(plan)
        with BatchWriter(con, plan, extract_workers(), on_done) as writer:
            for path in plan.to_read:
                stage_file(writer, path)
        unchanged = stored_outcomes(con, plan.unchanged, plan.ids)
    counters = writer.counters
    context.log.info(counters.line())
    outcomes = sorted(writer.outcomes + unchanged, key=lambda o: o.file_name)
    load_listener.finished(counters, outcomes)
    return dg.MaterializeResult(metadata=outcome_metadata(writer.outcomes, counters, plan.removed_files))


def outcome_metadata(
    read: list[LoadOutcome], counters: Counters | None = None, removed: list[str] | tuple[str, ...] = ()
) -> dict[str, dg.MetadataValue]:
    """What a batch did: the counters, the files it read (loaded, quarantined or missing) and the files whose
    documents it removed — at most ``METADATA_ROWS`` of each listed, the rest counted.  Unchanged files (not
    read) are only counted: the metadata stays small however large the folder."""
    lines = ["| file | status | unit | year | facts | reason |", "|---|---|---|---|---|---|"]
    for o in read[:METADATA_ROWS]:
        facts = o.table_fact_count + o.prose_fact_count if o.status == LOADED else ""
        cells = (o.file_name, o.status, o.unit_name, o.fiscal_year or "", facts, o.reason)
        lines.append("| " + " | ".join(str(cell).replace("|", "\\|") for cell in cells) + " |")
    if len(read) > METADATA_ROWS:
        lines.append(f"| … {len(read) - METADATA_ROWS} more | | | | | |")
    gone = [f"- {name}" for name in removed[:METADATA_ROWS]]
    if len(removed) > METADATA_ROWS:
        gone.append(f"- … {len(removed) - METADATA_ROWS} more")
    metadata = {
        "documents_loaded": dg.MetadataValue.int(sum(o.status == LOADED for o in read)),
        "documents_quarantined": dg.MetadataValue.int(sum(o.status == QUARANTINED for o in read)),
        "read_files": dg.MetadataValue.md("\n".join(lines) if read else "none"),
        "removed_files": dg.MetadataValue.md("\n".join(gone) or "none"),
    }
    if counters is not None:
        metadata.update(
            {
                f"files_{key}": dg.MetadataValue.int(value)
                for key, value in counters.as_dict().items()
                if isinstance(value, int)
            }
        )
    return metadata
