"""When dbt may build incrementally, and when it must rebuild every model (``--full-refresh``).

The per-document intermediate models are incremental (``dbt/macros/incremental_documents.sql``): a build
computes the rows of new and changed documents only.  That is right as long as the code that computed the
kept rows is the code of this build.  So the copy dbt builds records, once dbt succeeded on it, the
fingerprint of the dbt project it was built with (``control.dbt_project_built``); the next build compares:

* the same fingerprint — incremental;
* another one (a model, macro, seed, var or the profile changed), or none recorded — ``--full-refresh``.

The record lives in the warehouse file (it is swapped in with the models it describes), so a failed or
killed build, whose copy is thrown away, leaves the previous record with the previous models.
"""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb

from dagster_project.defs.extraction.build_state import dbt_project_fingerprint

CONTROL_DDL = """
CREATE SCHEMA IF NOT EXISTS control;
CREATE TABLE IF NOT EXISTS control.dbt_project_built (
    fingerprint VARCHAR NOT NULL,
    built_at TIMESTAMP NOT NULL
);
"""


def built_with(con: duckdb.DuckDBPyConnection) -> str | None:
    """The fingerprint of the dbt project the warehouse's models were last built with (None: never)."""
    recorded = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'control' AND table_name = 'dbt_project_built'"
    ).fetchone()[0]
    if not recorded:
        return None
    row = con.execute("SELECT fingerprint FROM control.dbt_project_built").fetchone()
    return row[0] if row else None


def needs_full_refresh(con: duckdb.DuckDBPyConnection, fingerprint: str | None = None) -> bool:
    return built_with(con) != (fingerprint or dbt_project_fingerprint())


def mode_line(full_refresh: bool) -> str:
    """How dbt builds, in one line (the asset's log, ``budget-warehouse build``)."""
    if full_refresh:
        return "dbt build --full-refresh (with the unit tests): the dbt project changed since the models were built"
    return (
        "dbt build, incremental: the per-document models compute new and changed documents only (the unit "
        "tests ran when this dbt project was first built)"
    )


def record_built(con: duckdb.DuckDBPyConnection, fingerprint: str | None = None) -> None:
    """After a successful ``dbt build`` of the copy: its models are those of this project."""
    con.execute(CONTROL_DDL)
    con.execute("BEGIN")
    try:
        con.execute("DELETE FROM control.dbt_project_built")
        con.execute(
            "INSERT INTO control.dbt_project_built VALUES (?, ?)",
            [fingerprint or dbt_project_fingerprint(), datetime.now(UTC).replace(tzinfo=None)],
        )
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
