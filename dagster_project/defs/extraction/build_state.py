"""What the last successful dbt build saw, so that a build with nothing new skips dbt and publishing.

``current_state`` fingerprints the raw layer (every document's id, file name, extractor version and load
time; every quarantine row) and the dbt project (every file of ``dbt/`` but ``target/``, ``logs/``,
``dbt_packages/``).  ``record_state`` writes it into ``raw.build_state`` after a build whose dbt build and
publishing succeeded; a later build whose loads changed nothing compares.  Any load, quarantine or removal
changes the raw fingerprint (a load sets ``loaded_at``), any edit of a model, seed, macro or the profile
changes the project's.  A build killed before ``record_state`` simply runs dbt again next time.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from dagster_project.defs.marts.project import budget_dbt_project, project_files
from warehouse.raw_layer import ensure_raw_schema

RAW_KEY = "raw_fingerprint"
DBT_KEY = "dbt_project_fingerprint"


@dataclass(frozen=True)
class BuildState:
    raw: str
    dbt_project: str

    @classmethod
    def read(cls, con: duckdb.DuckDBPyConnection) -> BuildState | None:
        ensure_raw_schema(con)
        values = dict(con.execute("SELECT key, value FROM raw.build_state").fetchall())
        if RAW_KEY not in values or DBT_KEY not in values:
            return None
        return cls(raw=values[RAW_KEY], dbt_project=values[DBT_KEY])


def raw_fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    ensure_raw_schema(con)
    documents, quarantine = con.execute(
        """
        SELECT
            (SELECT coalesce(md5(string_agg(concat_ws('|', document_id, file_name, extractor_version,
                                                      loaded_at), ',' ORDER BY document_id)), '')
             FROM raw.documents),
            (SELECT coalesce(md5(string_agg(concat_ws('|', file_name, document_id, reason, quarantined_at),
                                            ',' ORDER BY file_name, document_id)), '')
             FROM raw.quarantine)
        """
    ).fetchone()
    return f"{documents}:{quarantine}"


def dbt_project_fingerprint(project_dir: Path | None = None) -> str:
    root = Path(project_dir or budget_dbt_project().project_dir)
    digest = hashlib.sha256()
    for path in sorted(project_files(root)):
        digest.update(str(path.relative_to(root)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:32]


def current_state(con: duckdb.DuckDBPyConnection) -> BuildState:
    return BuildState(raw=raw_fingerprint(con), dbt_project=dbt_project_fingerprint())


def record_state(con: duckdb.DuckDBPyConnection, state: BuildState) -> None:
    ensure_raw_schema(con)
    now = datetime.now(UTC).replace(tzinfo=None)
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM raw.build_state")
        con.executemany(
            "INSERT INTO raw.build_state VALUES (?, ?, ?)",
            [(RAW_KEY, state.raw, now), (DBT_KEY, state.dbt_project, now)],
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
