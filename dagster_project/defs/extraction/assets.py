"""``raw_disclosure``: one partition per file of the raw folder, extracted and written to the raw layer."""

from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from dagster_project.defs.build_lock import warehouse_lock
from dagster_project.defs.extraction.loading import LOADED, QUARANTINED, LoadOutcome, load_disclosure_file
from dagster_project.defs.pools import DUCKDB_WRITER_POOL
from dagster_project.defs.raw_documents.folder import RawFolderResource
from dagster_project.defs.raw_documents.partitions import disclosures
from dagster_project.defs.resources import warehouse_connection


@dg.asset(
    partitions_def=disclosures,
    pool=DUCKDB_WRITER_POOL,
    group_name="raw",
    kinds={"python", "duckdb"},
    description=(
        "One disclosure (部门预算/单位预算) extracted with extract.extract_file and written to the raw schema "
        "(raw.documents, raw.tables, raw.table_facts, raw.prose_facts, raw.extraction_warnings), or recorded "
        "in raw.quarantine with the reason.  A quarantined document is a successful materialization."
    ),
)
def raw_disclosure(
    context: dg.AssetExecutionContext, duckdb: DuckDBResource, raw_folder: RawFolderResource
) -> dg.MaterializeResult:
    outcomes: list[LoadOutcome] = []
    # the build lock (re-entrant: free inside `budget-warehouse build`; a run of `dagster dev` while a CLI
    # build runs fails at once with BuildBusy instead of writing under it)
    with warehouse_lock(Path(duckdb.database)), warehouse_connection(duckdb) as con:
        for partition_key in context.partition_keys:
            outcome = load_disclosure_file(con, raw_folder.file_for(partition_key))
            log = context.log.warning if outcome.status != LOADED else context.log.info
            log(f"{partition_key}: {outcome.summary()}")
            outcomes.append(outcome)
    return dg.MaterializeResult(metadata=outcome_metadata(outcomes))


def outcome_metadata(outcomes: list[LoadOutcome]) -> dict[str, dg.MetadataValue]:
    """One file: its own figures.  A range of files (the nightly build): counts and a table of outcomes."""
    if len(outcomes) == 1:
        return {key: _metadata_value(value) for key, value in outcomes[0].as_dict().items()}
    lines = ["| file | status | unit | year | facts | reason |", "|---|---|---|---|---|---|"]
    for o in outcomes:
        facts = o.table_fact_count + o.prose_fact_count
        lines.append(
            f"| {o.file_name} | {o.status} | {o.unit_name} | {o.fiscal_year or ''} | {facts} | {o.reason} |"
        )
    return {
        "status": dg.MetadataValue.text("range"),
        "documents_loaded": dg.MetadataValue.int(sum(o.status == LOADED for o in outcomes)),
        "documents_quarantined": dg.MetadataValue.int(sum(o.status == QUARANTINED for o in outcomes)),
        "outcomes": dg.MetadataValue.md("\n".join(lines)),
    }


def _metadata_value(value: object) -> dg.MetadataValue:
    if isinstance(value, int):
        return dg.MetadataValue.int(value)
    return dg.MetadataValue.text(str(value))
