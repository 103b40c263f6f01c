"""Build a real warehouse for the dbt tests: extract text disclosures into a DuckDB raw layer, run `dbt build`.

No mocks: ``extract.extract_file`` → ``extract.load.load_extraction`` → the real dbt project in ``dbt/`` (seeds, models,
data tests and unit tests) on a temporary DuckDB file.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import duckdb

from extract import extract_file
from extract.load import ensure_raw_schema, load_extraction

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
DBT_DIR = ROOT / "dbt"


def load_documents(db: Path, files: Iterable[Path]) -> None:
    """Extract every file and load it into the raw layer of ``db`` (created if absent)."""
    con = duckdb.connect(str(db))
    try:
        ensure_raw_schema(con)
        for path in files:
            load_extraction(con, extract_file(path))
    finally:
        con.close()


def dbt_build(db: Path, workdir: Path) -> None:
    """Run the real `dbt build` on ``db``; target and logs go to ``workdir``. Fails the test on any error."""
    env = {**os.environ, "BUDGET_WAREHOUSE": str(db), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "dbt.cli.main",
            "build",
            "--project-dir",
            str(DBT_DIR),
            "--profiles-dir",
            str(DBT_DIR),
            "--target-path",
            str(workdir / "target"),
            "--log-path",
            str(workdir / "logs"),
        ],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, f"dbt build failed:\n{result.stdout[-8000:]}\n{result.stderr[-4000:]}"


def rows(con: duckdb.DuckDBPyConnection, sql: str, params=()) -> list[dict]:
    cursor = con.execute(sql, list(params))
    columns = [c[0] for c in cursor.description]
    return [dict(zip(columns, r)) for r in cursor.fetchall()]
