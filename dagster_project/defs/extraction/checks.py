"""Checks beside ``raw_disclosure``: what the load wrote is there, unique and complete.

They run after each load (in the same run) and can be re-run alone from the UI.  Each is a few set-based
queries over the whole raw layer, plus (``document_rows_present``) one listing of the folder: their cost does
not grow with the number of files by a query or a hash per file.  They read DuckDB, so they take the
``duckdb_writer`` pool like every other step that opens the file.
"""

import dagster as dg
from dagster_duckdb import DuckDBResource

from dagster_project.defs.extraction.assets import raw_disclosure
from dagster_project.defs.pools import DUCKDB_WRITER_POOL
from dagster_project.defs.raw_documents.folder import RawFolderResource, document_id_for
from dagster_project.defs.resources import warehouse_connection
from extract.load import ensure_raw_schema

PROBLEMS_LISTED = 100  # problems named in the metadata (the others are counted)


@dg.asset_check(
    asset=raw_disclosure,
    pool=DUCKDB_WRITER_POOL,
    description="每份文件: facts loaded, or quarantined with a reason",
)
def document_rows_present(
    context: dg.AssetCheckExecutionContext, duckdb: DuckDBResource, raw_folder: RawFolderResource
) -> dg.AssetCheckResult:
    """Every file of the folder is in raw.documents or in raw.quarantine, and every loaded document has table
    facts or prose facts.

    A file is found by its name (``raw.documents.file_name``, ``raw.quarantine.file_name``); only a file known
    by neither name is hashed — a byte-identical copy of a loaded document, whose document carries the other
    copy's name — and looked up by its document id."""
    names = [path.name for path in raw_folder.files() if path.is_file()]
    with warehouse_connection(duckdb) as con:
        ensure_raw_schema(con)
        unnamed = [
            row[0]
            for row in con.execute(
                """
                SELECT name FROM unnest(?::VARCHAR[]) AS listing(name)
                WHERE name NOT IN (SELECT file_name FROM raw.documents)
                  AND name NOT IN (SELECT file_name FROM raw.quarantine)
                ORDER BY name
                """,
                [names],
            ).fetchall()
        ]
        ids = {}
        for name in unnamed:
            try:
                ids[name] = document_id_for(raw_folder.directory / name)
            except OSError:  # gone since the listing: no longer the folder's
                continue
        known = {
            row[0]
            for row in con.execute(
                """
                SELECT document_id FROM raw.documents WHERE document_id IN (SELECT unnest($ids::VARCHAR[]))
                UNION
                SELECT document_id FROM raw.quarantine WHERE document_id IN (SELECT unnest($ids::VARCHAR[]))
                """,
                {"ids": sorted(set(ids.values()))},
            ).fetchall()
        }
        without_facts = con.execute(
            """
            SELECT d.file_name, d.document_id FROM raw.documents d
            WHERE d.document_id NOT IN (SELECT document_id FROM raw.table_facts)
              AND d.document_id NOT IN (SELECT document_id FROM raw.prose_facts)
            ORDER BY 1, 2
            """
        ).fetchall()
    problems = [
        f"{name} ({document_id}): neither in raw.documents nor in raw.quarantine"
        for name, document_id in ids.items()
        if document_id not in known
    ]
    problems += [
        f"{name} ({document_id}): loaded without any table or prose fact"
        for name, document_id in without_facts
    ]
    listed = [f"- {p}" for p in problems[:PROBLEMS_LISTED]]
    if len(problems) > PROBLEMS_LISTED:
        listed.append(f"- … {len(problems) - PROBLEMS_LISTED} more")
    return dg.AssetCheckResult(
        passed=not problems,
        metadata={
            "files_checked": len(names),
            "problems": dg.MetadataValue.md("\n".join(listed) or "none"),
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
