"""The DuckDB raw layer: its tables, and the writes that keep it whole.

The raw layer (schema ``raw``) holds what the documents say, unjudged:
``raw.documents``, ``raw.tables``, ``raw.table_facts``, ``raw.prose_facts``, ``raw.extraction_warnings``,
``raw.identity_evidence`` (every candidate for the unit, year, kind and scope; ``extract.identity``),
``raw.quarantine`` (one row per file refused, with the reason and the extractor version that judged it) and
``raw.build_state`` (what the last successful dbt build saw: ``dagster_project.defs.extraction.build_state``).

A document is keyed by its content hash (``document_id``).  ``write_batch`` replaces the rows of many
documents, records quarantines and removes departed documents in ONE transaction: a kill leaves every
document of the batch either with all its rows or with none, never half of one.  The rows go in as Arrow
tables (``INSERT … SELECT`` from a registered table, never row by row); money is DECIMAL(20, 6), carried as
exact decimal text and cast in SQL, never through a float.  The caller serialises writers (one DuckDB
read-write process).
"""

from __future__ import annotations

import dataclasses
import decimal
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import duckdb
import pyarrow as pa

from extract.model import EXTRACTOR_VERSION, Extraction

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
ALTER TABLE raw.quarantine ADD COLUMN IF NOT EXISTS extractor_version VARCHAR;
CREATE TABLE IF NOT EXISTS raw.build_state (
    key VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL,
    recorded_at TIMESTAMP NOT NULL
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
# Extraction attribute -> raw table, in the order they are inserted
_FACT_TABLES = (
    ("tables", "tables"),
    ("table_facts", "table_facts"),
    ("prose_facts", "prose_facts"),
    ("warnings", "extraction_warnings"),
    ("identity_evidence", "identity_evidence"),
)


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(RAW_DDL)


@dataclass(frozen=True)
class Quarantine:
    """One file refused, and why (``warehouse.reasons``)."""

    file_name: str
    document_id: str
    reason: str
    detail: str


@dataclass
class Batch:
    """What one transaction writes: documents (replacing their earlier rows), quarantines, removals.

    ``replaced`` are documents whose rows go because their file now holds other bytes (a changed file's old
    document), ``removed`` those whose file left the folder.
    """

    extractions: list[Extraction] = field(default_factory=list)
    quarantines: list[Quarantine] = field(default_factory=list)
    replaced: set[str] = field(default_factory=set)
    removed: set[str] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.extractions or self.quarantines or self.replaced or self.removed)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _cell(value: object) -> object:
    if isinstance(value, decimal.Decimal):
        return format(value, "f")  # exact decimal text, cast to DECIMAL(20, 6) in SQL
    return value


def _arrow(items: Sequence, extra: dict[str, list] | None = None) -> tuple[pa.Table, list[str]]:
    """Dataclass rows as an Arrow table (one column per field) and the names of its decimal columns."""
    fields = dataclasses.fields(items[0])
    columns: dict[str, list] = {f.name: [_cell(getattr(item, f.name)) for item in items] for f in fields}
    decimals = [f.name for f in fields if f.type in ("Decimal", decimal.Decimal)]
    columns.update(extra or {})
    arrays = {
        name: pa.array(values, type=pa.string()) if name in decimals else pa.array(values)
        for name, values in columns.items()
    }
    return pa.table(arrays), decimals


def _insert_arrow(con: duckdb.DuckDBPyConnection, table: str, items: Sequence, extra=None) -> None:
    """``INSERT INTO raw.<table> (…) SELECT … FROM`` an Arrow table of ``items`` (dataclass rows)."""
    if not items:
        return
    data, decimals = _arrow(items, extra)
    name = f"_batch_{table}"
    select = ", ".join(f'CAST("{c}" AS {MONEY})' if c in decimals else f'"{c}"' for c in data.column_names)
    con.register(name, data)
    try:
        con.execute(f"INSERT INTO raw.{table} ({', '.join(data.column_names)}) SELECT {select} FROM {name}")
    finally:
        con.unregister(name)


def _delete_documents(
    con: duckdb.DuckDBPyConnection, document_ids: Iterable[str], quarantine: bool = True
) -> None:
    """Delete the documents' rows (and, with ``quarantine``, every quarantine row of those ids)."""
    ids = sorted(set(document_ids))
    if not ids:
        return
    for table in _PER_DOCUMENT_TABLES + (("quarantine",) if quarantine else ()):
        con.execute(f"DELETE FROM raw.{table} WHERE document_id IN (SELECT unnest(?::VARCHAR[]))", [ids])


def _write(con: duckdb.DuckDBPyConnection, batch: Batch) -> None:
    """The batch's statements (inside the caller's transaction)."""
    loaded_ids = [e.document.document_id for e in batch.extractions]
    # first_seen_at: when this content was first loaded, kept across reloads (revisions are ordered by it)
    seen = dict(
        con.execute(
            "SELECT document_id, coalesce(first_seen_at, loaded_at) FROM raw.documents "
            "WHERE document_id IN (SELECT unnest(?::VARCHAR[]))",
            [loaded_ids],
        ).fetchall()
    )
    _delete_documents(con, set(loaded_ids) | batch.replaced | batch.removed)
    if batch.quarantines:
        # a quarantined file's document loses its rows; another file of the same bytes keeps its own row
        _delete_documents(con, {q.document_id for q in batch.quarantines}, quarantine=False)
        con.execute(
            "DELETE FROM raw.quarantine WHERE file_name IN (SELECT unnest(?::VARCHAR[]))",
            [[q.file_name for q in batch.quarantines]],
        )
        now = _now()
        _insert_arrow(
            con,
            "quarantine",
            batch.quarantines,
            {
                "quarantined_at": [now] * len(batch.quarantines),
                "extractor_version": [EXTRACTOR_VERSION] * len(batch.quarantines),
            },
        )
    if not batch.extractions:
        return
    # one loaded_at per document, increasing in the order of the batch (the order of the files)
    stamps, last = [], None
    for _ in batch.extractions:
        stamp = _now()
        if last is not None and stamp <= last:
            stamp = last + timedelta(microseconds=1)
        stamps.append(last := stamp)
    _insert_arrow(
        con,
        "documents",
        [e.document for e in batch.extractions],
        {
            "loaded_at": stamps,
            "first_seen_at": [seen.get(i, s) for i, s in zip(loaded_ids, stamps)],
        },
    )
    for attribute, table in _FACT_TABLES:
        _insert_arrow(con, table, [row for e in batch.extractions for row in getattr(e, attribute)])


def write_batch(con: duckdb.DuckDBPyConnection, batch: Batch) -> None:
    """Write ``batch`` in one transaction: all of it, or (on any error) none of it."""
    if not batch:
        return
    ensure_raw_schema(con)
    con.execute("BEGIN TRANSACTION")
    try:
        _write(con, batch)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def load_extraction(con: duckdb.DuckDBPyConnection, extraction: Extraction) -> None:
    """Replace everything the raw layer holds for this document with ``extraction``, atomically."""
    write_batch(con, Batch(extractions=[extraction]))


def record_quarantine(
    con: duckdb.DuckDBPyConnection, file_name: str, document_id: str, reason: str, detail: str
) -> None:
    """Quarantine a file: drop whatever its document had loaded before and record why, in one transaction.

    One row per *file*: the file's earlier quarantine row is replaced, but another file with the same content
    (a copy under another name) keeps its own row.
    """
    write_batch(con, Batch(quarantines=[Quarantine(file_name, document_id, reason, detail)]))


def forget_documents_not_in(
    con: duckdb.DuckDBPyConnection, document_ids: set[str], file_names: set[str] | None = None
) -> list[str]:
    """Remove documents whose file left the raw folder (a load mirrors the folder). Returns their ids.

    A quarantine row stays while its document id is still in the folder and — when ``file_names`` is given —
    its file is still there by that name (a removed copy of a quarantined file takes its row with it).
    One transaction.
    """
    ensure_raw_schema(con)
    known = {row[0] for row in con.execute("SELECT document_id FROM raw.documents").fetchall()}
    gone = sorted(known - document_ids)
    con.execute("BEGIN TRANSACTION")
    try:
        _delete_documents(con, gone)
        con.execute(
            "DELETE FROM raw.quarantine WHERE document_id NOT IN (SELECT unnest(?::VARCHAR[]))",
            [sorted(document_ids)],
        )
        if file_names is not None:
            con.execute(
                "DELETE FROM raw.quarantine WHERE file_name NOT IN (SELECT unnest(?::VARCHAR[]))",
                [sorted(file_names)],
            )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return gone


def loaded_documents(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, str]]:
    """``document_id -> (file_name, extractor_version)`` of every document in the raw layer."""
    ensure_raw_schema(con)
    return {
        row[0]: (row[1], row[2])
        for row in con.execute(
            "SELECT document_id, file_name, extractor_version FROM raw.documents"
        ).fetchall()
    }


def quarantined_files(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, str | None]]:
    """``file_name -> (document_id, extractor_version)`` of every quarantine row."""
    ensure_raw_schema(con)
    return {
        row[0]: (row[1], row[2])
        for row in con.execute(
            "SELECT file_name, document_id, extractor_version FROM raw.quarantine"
        ).fetchall()
    }
