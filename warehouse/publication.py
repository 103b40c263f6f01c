"""The publication protocol, reader side: where the published copy of the marts and its source files are, and
how a reader opens it.  ``dagster_project.publish`` writes it (the writer side); the dashboard and BI tools read
it through this module, never through dagster_project.

The published file (``WarehouseSettings.published_file``) holds ``marts.*`` (the dbt marts), ``published.documents``
(one row per loaded file), ``published.publication`` (one row: when and from what) and
``catalogue.marts_columns`` (one row per column of the marts: its labels and display format, from the marts'
yml ``meta``; ``warehouse.catalogue``).  Beside it, ``sources/<document_id>.<txt|pdf>``: the disclosures.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

SOURCES_DIR_NAME = "sources"
MARTS_SCHEMA = "marts"
PUBLISHED_SCHEMA = "published"
CATALOGUE_SCHEMA = "catalogue"
COLUMN_CATALOGUE_TABLE = "marts_columns"
COLUMN_CATALOGUE = f"{CATALOGUE_SCHEMA}.{COLUMN_CATALOGUE_TABLE}"  # the column catalogue of the marts


def sources_dir(published_file: Path) -> Path:
    """Where the disclosures of a publication are copied: ``sources/`` beside the published file."""
    return Path(published_file).parent / SOURCES_DIR_NAME


def open_published(published_file: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the publication the file holds now, as the dashboard opens it.

    An in-memory DuckDB that ATTACHes the file READ_ONLY: every call gets its own snapshot (``duckdb.connect``
    on the same path would hand back the instance another connection of this process already holds, i.e. an
    older publication).  ``USE`` makes ``marts.unit_metrics`` resolve without the catalog name.
    """
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH {_literal(published_file)} AS publication (READ_ONLY)")
        con.execute("USE publication")
    except duckdb.Error:
        con.close()
        raise
    return con


def read_publication(published_file: Path) -> dict[str, object] | None:
    """The ``published.publication`` row of a published file, or None when there is none."""
    if not Path(published_file).exists():
        return None
    con = open_published(published_file)
    try:
        cursor = con.execute(f"SELECT * FROM {PUBLISHED_SCHEMA}.publication")
        columns = [c[0] for c in cursor.description]
        row = cursor.fetchone()
        return dict(zip(columns, row)) if row else None
    finally:
        con.close()


def read_column_catalogue(con: duckdb.DuckDBPyConnection) -> list[dict[str, str | None]]:
    """The rows of ``catalogue.marts_columns`` (table_name, column_name, label_zh, label_en, format,
    description); empty for a publication written before the catalogue existed."""
    try:
        cursor = con.execute(f"SELECT * FROM {COLUMN_CATALOGUE} ORDER BY table_name, position")
    except duckdb.Error:
        return []
    columns = [c[0] for c in cursor.description]
    return [dict(zip(columns, row)) for row in cursor.fetchall()]


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"
