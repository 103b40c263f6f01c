"""``raw_disclosure``: one partition per file of the raw folder, extracted and written to the raw layer.

A run over one partition (the sensor's) or over many (a range: the nightly schedule, ``budget-warehouse
build``) is one batch (``batch``): files whose bytes are loaded already are skipped unread, the others are
extracted on all cores and written by this step alone, through one DuckDB connection, a chunk of documents
per transaction.  A failed step is retried (``LOAD_RETRY``): what earlier attempts committed is skipped.
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
from dagster_project.defs.raw_documents.partitions import disclosures
from dagster_project.defs.resources import warehouse_connection

# a step that failed (the warehouse busy or full, a worker lost) is run again; the batch skips what committed
LOAD_RETRY = dg.RetryPolicy(max_retries=2, delay=5, backoff=dg.Backoff.EXPONENTIAL)
METADATA_ROWS = 100  # outcomes listed in the metadata of a run over many files (the others are counted)


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
    partitions_def=disclosures,
    pool=DUCKDB_WRITER_POOL,
    retry_policy=LOAD_RETRY,
    group_name="raw",
    kinds={"python", "duckdb"},
    description=(
        "One disclosure (部门预算/单位预算) extracted with extract.extract_file and written to the raw schema "
        "(raw.documents, raw.tables, raw.table_facts, raw.prose_facts, raw.extraction_warnings), or recorded "
        "in raw.quarantine with the reason.  A quarantined document is a successful materialization.  A file "
        "whose bytes are loaded already (by this extractor version) is skipped without being read."
    ),
)
def raw_disclosure(
    context: dg.AssetExecutionContext,
    duckdb: DuckDBResource,
    raw_folder: RawFolderResource,
    load_listener: dg.ResourceParam[LoadListener],
) -> dg.MaterializeResult:
    keys = context.partition_keys
    files = [raw_folder.file_for(key) for key in keys]
    whole_folder = set(keys) >= {path.name for path in raw_folder.files()}

    def on_done(index: int, total: int, outcome: LoadOutcome) -> None:
        log = context.log.warning if outcome.status != LOADED else context.log.info
        log(f"[{index}/{total}] {outcome.file_name}: {outcome.summary()}")
        load_listener.file_done(index, total, outcome)

    # the build lock (re-entrant: free inside `budget-warehouse build`; a run of `dagster dev` while a CLI
    # build runs fails at once with BuildBusy instead of writing under it)
    with warehouse_lock(Path(duckdb.database)), warehouse_connection(duckdb) as con:
        plan = plan_batch(con, files, whole_folder)
        load_listener.planned(plan)
        with BatchWriter(con, plan, extract_workers(), on_done) as writer:
            for path in plan.to_read:
                stage_file(writer, path)
        unchanged = stored_outcomes(con, plan.unchanged, plan.ids)
    counters = writer.counters
    context.log.info(counters.line())
    outcomes = sorted(writer.outcomes + unchanged, key=lambda o: o.file_name)
    load_listener.finished(counters, outcomes)
    return dg.MaterializeResult(metadata=outcome_metadata(outcomes, counters))


def outcome_metadata(
    outcomes: list[LoadOutcome], counters: Counters | None = None
) -> dict[str, dg.MetadataValue]:
    """One file: its own figures.  Many files: the counters and a table of the files not simply loaded
    (the metadata is recorded with every partition of the run: it stays small)."""
    if len(outcomes) == 1:
        return {key: _metadata_value(value) for key, value in outcomes[0].as_dict().items()}
    notable = [o for o in outcomes if o.status != LOADED]
    lines = ["| file | status | reason |", "|---|---|---|"]
    lines += [f"| {o.file_name} | {o.status} | {o.reason} |" for o in notable[:METADATA_ROWS]]
    if len(notable) > METADATA_ROWS:
        lines.append(f"| … {len(notable) - METADATA_ROWS} more | | |")
    metadata = {
        "status": dg.MetadataValue.text("range"),
        "documents_loaded": dg.MetadataValue.int(sum(o.status == LOADED for o in outcomes)),
        "documents_quarantined": dg.MetadataValue.int(sum(o.status == QUARANTINED for o in outcomes)),
        "not_loaded": dg.MetadataValue.md("\n".join(lines)),
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


def _metadata_value(value: object) -> dg.MetadataValue:
    if isinstance(value, int):
        return dg.MetadataValue.int(value)
    return dg.MetadataValue.text(str(value))
