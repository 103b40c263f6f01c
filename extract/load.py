"""Load one document's extraction into the DuckDB raw layer, idempotently.

The raw layer (schema ``raw``) holds what the documents say, unjudged:
``raw.documents``, ``raw.tables``, ``raw.table_facts``, ``raw.prose_facts``, ``raw.extraction_warnings``,
``raw.identity_evidence`` (every candidate for the unit, year, kind and scope; ``extract.identity``) and
``raw.quarantine``.  A document is keyed by its content hash (``document_id``): loading it again
deletes its previous rows and inserts the new ones in one transaction, so a re-run never duplicates and
a failure never leaves half a document.  The caller serialises writers (one DuckDB read-write process).
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import duckdb

from extract.model import Extraction

MONEY = "DECIMAL(20, 6)"

RAW_DDL = f"""
CREATE SCHEMA IF NOT EXISTS raw;
CREATE TABLE IF NOT EXISTS raw.documents (
    document_id VARCHAR PRIMARY KEY,
    file_name VARCHAR NOT NULL,
    source_format VARCHAR NOT NULL,
    content_sha256 VARCHAR NOT NULL,
    unit_name VARCHAR NOT NULL,
    fiscal_year INTEGER NOT NULL,
    document_kind VARCHAR NOT NULL,
    scope VARCHAR NOT NULL,
    title VARCHAR NOT NULL,
    extractor_version VARCHAR NOT NULL,
    loaded_at TIMESTAMP NOT NULL
);
ALTER TABLE raw.documents ADD COLUMN IF NOT EXISTS department_name VARCHAR;
ALTER TABLE raw.documents ADD COLUMN IF NOT EXISTS unit_name_source VARCHAR;
ALTER TABLE raw.documents ADD COLUMN IF NOT EXISTS unit_name_runner_up VARCHAR;
ALTER TABLE raw.documents ADD COLUMN IF NOT EXISTS fiscal_year_source VARCHAR;
ALTER TABLE raw.documents ADD COLUMN IF NOT EXISTS fiscal_year_runner_up VARCHAR;
ALTER TABLE raw.documents ADD COLUMN IF NOT EXISTS document_kind_source VARCHAR;
ALTER TABLE raw.documents ADD COLUMN IF NOT EXISTS scope_source VARCHAR;
ALTER TABLE raw.documents ADD COLUMN IF NOT EXISTS first_seen_at TIMESTAMP;
CREATE TABLE IF NOT EXISTS raw.identity_evidence (
    document_id VARCHAR NOT NULL,
    attribute VARCHAR NOT NULL,
    value VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    location VARCHAR NOT NULL,
    weight INTEGER NOT NULL,
    is_valid BOOLEAN NOT NULL,
    invalid_reason VARCHAR NOT NULL,
    is_chosen BOOLEAN NOT NULL
);
CREATE TABLE IF NOT EXISTS raw.tables (
    document_id VARCHAR NOT NULL,
    table_id INTEGER NOT NULL,
    table_kind VARCHAR NOT NULL,
    title VARCHAR NOT NULL,
    unit_label VARCHAR NOT NULL,
    is_empty BOOLEAN NOT NULL,
    empty_note VARCHAR NOT NULL,
    subject_system VARCHAR,
    code_layout VARCHAR NOT NULL,
    row_count INTEGER NOT NULL,
    start_line INTEGER,
    end_line INTEGER,
    start_page INTEGER,
    end_page INTEGER,
    PRIMARY KEY (document_id, table_id)
);
CREATE TABLE IF NOT EXISTS raw.table_facts (
    document_id VARCHAR NOT NULL,
    table_id INTEGER NOT NULL,
    table_kind VARCHAR NOT NULL,
    row_index INTEGER NOT NULL,
    row_label VARCHAR NOT NULL,
    subject_system VARCHAR,
    subject_code VARCHAR,
    subject_level VARCHAR,
    parent_code VARCHAR,
    code_origin VARCHAR,
    line_item VARCHAR,
    column_key VARCHAR NOT NULL,
    column_label VARCHAR NOT NULL,
    amount {MONEY} NOT NULL,
    unit_label VARCHAR NOT NULL,
    source_line INTEGER,
    source_page INTEGER,
    raw_text VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS raw.prose_facts (
    document_id VARCHAR NOT NULL,
    fact_key VARCHAR NOT NULL,
    subject_code VARCHAR,
    subject_level VARCHAR,
    scope VARCHAR NOT NULL,
    value {MONEY} NOT NULL,
    value_unit VARCHAR NOT NULL,
    section VARCHAR NOT NULL,
    sentence VARCHAR NOT NULL,
    source_line INTEGER,
    source_page INTEGER
);
CREATE TABLE IF NOT EXISTS raw.extraction_warnings (
    document_id VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    location VARCHAR NOT NULL,
    message VARCHAR NOT NULL
);
ALTER TABLE raw.tables ADD COLUMN IF NOT EXISTS source_method VARCHAR DEFAULT 'text';
ALTER TABLE raw.table_facts ADD COLUMN IF NOT EXISTS source_method VARCHAR DEFAULT 'text';
ALTER TABLE raw.prose_facts ADD COLUMN IF NOT EXISTS source_method VARCHAR DEFAULT 'text';
CREATE TABLE IF NOT EXISTS raw.quarantine (
    file_name VARCHAR NOT NULL,
    document_id VARCHAR NOT NULL,
    reason VARCHAR NOT NULL,
    detail VARCHAR NOT NULL,
    quarantined_at TIMESTAMP NOT NULL
);
"""

_PER_DOCUMENT_TABLES = (
    "table_facts",
    "prose_facts",
    "extraction_warnings",
    "identity_evidence",
    "tables",
    "documents",
)


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(RAW_DDL)


def _insert(con: duckdb.DuckDBPyConnection, table: str, items: list) -> None:
    """Insert dataclass rows into ``raw.<table>`` by column name (the names are the dataclass's fields)."""
    if not items:
        return
    fields = [f.name for f in dataclasses.fields(items[0])]
    con.executemany(
        f"INSERT INTO raw.{table} ({', '.join(fields)}) VALUES ({', '.join(['?'] * len(fields))})",
        [dataclasses.astuple(item) for item in items],
    )


def load_extraction(con: duckdb.DuckDBPyConnection, extraction: Extraction) -> None:
    """Replace everything the raw layer holds for this document with ``extraction``, atomically."""
    ensure_raw_schema(con)
    doc = extraction.document
    now = datetime.now(UTC).replace(tzinfo=None)
    con.execute("BEGIN TRANSACTION")
    try:
        # first_seen_at: when this content was first loaded, kept across reloads (revisions are ordered by it)
        seen = con.execute(
            "SELECT coalesce(first_seen_at, loaded_at) FROM raw.documents WHERE document_id = ?",
            [doc.document_id],
        ).fetchone()
        _delete_document(con, doc.document_id)
        fields = [f.name for f in dataclasses.fields(doc)]
        con.execute(
            f"INSERT INTO raw.documents ({', '.join(fields)}, loaded_at, first_seen_at) "
            f"VALUES ({', '.join(['?'] * (len(fields) + 2))})",
            [*dataclasses.astuple(doc), now, seen[0] if seen else now],
        )
        _insert(con, "tables", extraction.tables)
        _insert(con, "table_facts", extraction.table_facts)
        _insert(con, "prose_facts", extraction.prose_facts)
        _insert(con, "extraction_warnings", extraction.warnings)
        _insert(con, "identity_evidence", extraction.identity_evidence)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise


def record_quarantine(
    con: duckdb.DuckDBPyConnection, file_name: str, document_id: str, reason: str, detail: str
) -> None:
    """Quarantine a file: drop whatever its document had loaded before and record why, in one transaction.

    One row per *file*: the file's earlier quarantine row is replaced, but another file with the same content
    (a copy under another name) keeps its own row.
    """
    ensure_raw_schema(con)
    now = datetime.now(UTC).replace(tzinfo=None)
    con.execute("BEGIN TRANSACTION")
    try:
        for table in _PER_DOCUMENT_TABLES:
            con.execute(f"DELETE FROM raw.{table} WHERE document_id = ?", [document_id])
        con.execute("DELETE FROM raw.quarantine WHERE file_name = ?", [file_name])
        con.execute(
            "INSERT INTO raw.quarantine VALUES (?, ?, ?, ?, ?)", [file_name, document_id, reason, detail, now]
        )
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise


def forget_documents_not_in(
    con: duckdb.DuckDBPyConnection, document_ids: set[str], file_names: set[str] | None = None
) -> list[str]:
    """Remove documents whose file left the raw folder (a load mirrors the folder). Returns their ids.

    A quarantine row stays while its document id is still in the folder and — when ``file_names`` is given —
    its file is still there by that name (a removed copy of a quarantined file takes its row with it).
    """
    ensure_raw_schema(con)
    known = {row[0] for row in con.execute("SELECT document_id FROM raw.documents").fetchall()}
    gone = sorted(known - document_ids)
    for document_id in gone:
        con.execute("BEGIN TRANSACTION")
        _delete_document(con, document_id)
        con.execute("COMMIT")
    con.execute(
        "DELETE FROM raw.quarantine WHERE document_id NOT IN (SELECT unnest(?::VARCHAR[]))",
        [sorted(document_ids)],
    )
    if file_names is not None:
        con.execute(
            "DELETE FROM raw.quarantine WHERE file_name NOT IN (SELECT unnest(?::VARCHAR[]))",
            [sorted(file_names)],
        )
    return gone


def _delete_document(con: duckdb.DuckDBPyConnection, document_id: str) -> None:
    for table in _PER_DOCUMENT_TABLES:
        con.execute(f"DELETE FROM raw.{table} WHERE document_id = ?", [document_id])
    con.execute("DELETE FROM raw.quarantine WHERE document_id = ?", [document_id])
