"""Checks beside ``raw_disclosure``: what the load wrote is there, unique and complete.

They run after each load (in the same run) and can be re-run alone from the UI.  They read DuckDB, so
they take the ``duckdb_writer`` pool like every other step that opens the file.
"""

import dagster as dg
from dagster_duckdb import DuckDBResource

from dagster_project.defs.extraction.assets import raw_disclosure
from dagster_project.defs.pools import DUCKDB_WRITER_POOL
from dagster_project.defs.raw_documents.folder import RawFolderResource, document_id_for
from dagster_project.defs.resources import warehouse_connection
from extract.load import ensure_raw_schema


def _files_in_scope(context: dg.AssetCheckExecutionContext, raw_folder: RawFolderResource):
    """The run's partitions (files), or the whole folder when the check runs on its own."""
    op_context = context.op_execution_context
    if op_context.has_partition_key or op_context.has_partition_key_range:
        return [raw_folder.file_for(key) for key in op_context.partition_keys]
    return raw_folder.files()


@dg.asset_check(
    asset=raw_disclosure,
    pool=DUCKDB_WRITER_POOL,
    description="每份文件: facts loaded, or quarantined with a reason",
)
def document_rows_present(
    context: dg.AssetCheckExecutionContext, duckdb: DuckDBResource, raw_folder: RawFolderResource
) -> dg.AssetCheckResult:
    """Every file in scope is either in raw.documents with table facts or prose facts, or in raw.quarantine."""
    problems: list[str] = []
    checked = 0
    with warehouse_connection(duckdb) as con:
        ensure_raw_schema(con)
        for path in _files_in_scope(context, raw_folder):
            if not path.is_file():
                continue
            checked += 1
            document_id = document_id_for(path)
            quarantined = con.execute(
                "SELECT count(*) FROM raw.quarantine WHERE document_id = ?", [document_id]
            ).fetchone()[0]
            if quarantined:
                continue
            loaded, facts = con.execute(
                """
                SELECT
                    (SELECT count(*) FROM raw.documents WHERE document_id = $id),
                    (SELECT count(*) FROM raw.table_facts WHERE document_id = $id)
                  + (SELECT count(*) FROM raw.prose_facts WHERE document_id = $id)
                """,
                {"id": document_id},
            ).fetchone()
            if not loaded:
                problems.append(
                    f"{path.name} ({document_id}): neither in raw.documents nor in raw.quarantine"
                )
            elif not facts:
                problems.append(f"{path.name} ({document_id}): loaded without any table or prose fact")
    return dg.AssetCheckResult(
        passed=not problems,
        metadata={
            "files_checked": checked,
            "problems": dg.MetadataValue.md("\n".join(f"- {p}" for p in problems) or "none"),
        },
    )


@dg.asset_check(
    asset=raw_disclosure,
    pool=DUCKDB_WRITER_POOL,
    description="document_id unique; no document both loaded and quarantined",
)
def no_duplicate_documents(
    context: dg.AssetCheckExecutionContext, duckdb: DuckDBResource
) -> dg.AssetCheckResult:
    with warehouse_connection(duckdb) as con:
        ensure_raw_schema(con)
        duplicate_ids = con.execute(
            "SELECT document_id FROM raw.documents GROUP BY 1 HAVING count(*) > 1 ORDER BY 1"
        ).fetchall()
        duplicate_files = con.execute(
            "SELECT file_name FROM raw.documents GROUP BY 1 HAVING count(*) > 1 ORDER BY 1"
        ).fetchall()
        both = con.execute(
            "SELECT DISTINCT q.document_id FROM raw.quarantine q JOIN raw.documents d USING (document_id) ORDER BY 1"
        ).fetchall()
    return dg.AssetCheckResult(
        passed=not (duplicate_ids or duplicate_files or both),
        metadata={
            "duplicate_document_ids": [row[0] for row in duplicate_ids],
            "file_names_loaded_twice": [row[0] for row in duplicate_files],
            "loaded_and_quarantined": [row[0] for row in both],
        },
    )


@dg.asset_check(
    asset=raw_disclosure,
    pool=DUCKDB_WRITER_POOL,
    description="every amount present; no fact without its document",
)
def amounts_not_null(context: dg.AssetCheckExecutionContext, duckdb: DuckDBResource) -> dg.AssetCheckResult:
    with warehouse_connection(duckdb) as con:
        ensure_raw_schema(con)
        null_table_amounts, null_prose_values, orphan_facts = con.execute(
            """
            SELECT
                (SELECT count(*) FROM raw.table_facts WHERE amount IS NULL),
                (SELECT count(*) FROM raw.prose_facts WHERE value IS NULL),
                (SELECT count(*) FROM raw.table_facts f ANTI JOIN raw.documents d USING (document_id))
              + (SELECT count(*) FROM raw.prose_facts f ANTI JOIN raw.documents d USING (document_id))
            """
        ).fetchone()
    return dg.AssetCheckResult(
        passed=not (null_table_amounts or null_prose_values or orphan_facts),
        metadata={
            "null_table_fact_amounts": null_table_amounts,
            "null_prose_fact_values": null_prose_values,
            "facts_without_document": orphan_facts,
        },
    )
