"""DuckLake as the warehouse's storage (warehouse.ducklake, docs/scaling.md): the raw layer in a lake whose catalog
is SQLite (one machine) or PostgreSQL (many), data as Parquet in a folder, and dbt's marts built from it.

- SQLite catalog: the five seeds loaded through ``warehouse.ducklake``, ``dbt build`` on the ``ducklake`` target;
  every marts table equals, row for row, the one the same seeds give in a DuckDB file.
- PostgreSQL catalog: a real server (Debian's ``postgresql``, started on 127.0.0.1 by the test, stopped at the end);
  two writer processes load different documents into one lake at the same time, then dbt builds the marts.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from dbt_warehouse import RAW, dbt_build, load_documents, rows

from extract import extract_file
from warehouse.ducklake import (
    LakeSettings,
    dbt_command,
    dbt_env,
    init_lake,
    lake,
    lake_ddl,
    load_files,
    local_postgres,
    postgres_bin_dir,
)

ROOT = Path(__file__).resolve().parents[1]
# total expenditure (万元) as the seeds print it (tests/test_marts.py): 辽源 and 长春
TOTAL_EXPENDITURE = {"000": Decimal("1292.07"), "001": Decimal("9619.41")}


def seeds() -> list[Path]:
    files = sorted(RAW.glob("00[0-9]_*.txt"))
    assert len(files) == 5
    return files


def dbt_build_lake(settings: LakeSettings, workdir: Path) -> None:
    result = subprocess.run(
        dbt_command(["build"], workdir),
        env=dbt_env(settings),
        check=False,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, (
        f"dbt build on the lake failed:\n{result.stdout[-8000:]}\n{result.stderr[-4000:]}"
    )


def marts(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    """Every marts table, its rows sorted, without the columns that hold when a build loaded a document
    (a timestamp, or a ``…_at`` column such as document_history.first_seen_at, a timestamp as text)."""
    tables = {}
    names = con.execute(
        "select table_name from duckdb_tables() where schema_name = 'marts' and database_name = current_database()"
    ).fetchall()
    for (table,) in names:
        columns = [
            name
            for name, data_type in con.execute(
                "select column_name, data_type from duckdb_columns() where schema_name = 'marts'"
                " and database_name = current_database() and table_name = ? order by column_index",
                [table],
            ).fetchall()
            if not (data_type.startswith("TIMESTAMP") or name.endswith("_at"))
        ]
        tables[table] = sorted(
            con.execute(f"select {', '.join(columns)} from marts.{table}").fetchall(), key=repr
        )
    return tables


def total_expenditure(con: duckdb.DuckDBPyConnection) -> dict[str, Decimal]:
    return {
        r["file_name"][:3]: r["total_expenditure"]
        for r in rows(
            con,
            "select d.file_name, m.total_expenditure from marts.unit_metrics m"
            " join raw.documents d using (document_id)",
        )
    }


def test_lake_ddl_has_no_constraints_duckdb_refuses_there():
    ddl = lake_ddl()
    assert "PRIMARY KEY" not in ddl and "UNIQUE" not in ddl
    assert "CREATE TABLE IF NOT EXISTS raw.documents" in ddl and "NOT NULL" in ddl


# --------------------------------------------------------------------------- SQLite catalog, one machine
@pytest.fixture(scope="module")
def duckdb_marts(tmp_path_factory) -> dict[str, list[tuple]]:
    tmp = tmp_path_factory.mktemp("duckdb_file")
    db = tmp / "budget.duckdb"
    load_documents(db, seeds())
    dbt_build(db, tmp)
    with duckdb.connect(str(db), read_only=True) as con:
        return marts(con)


@pytest.fixture(scope="module")
def sqlite_lake(tmp_path_factory) -> LakeSettings:
    tmp = tmp_path_factory.mktemp("ducklake_sqlite")
    settings = LakeSettings(f"sqlite:{tmp / 'catalog.sqlite'}", tmp / "data")
    outcomes = load_files(settings, seeds())
    assert set(outcomes.values()) == {"loaded"}, outcomes
    dbt_build_lake(settings, tmp)
    return settings


def test_sqlite_lake_holds_parquet_and_a_sqlite_catalog(sqlite_lake):
    assert Path(sqlite_lake.catalog.removeprefix("sqlite:")).is_file()
    assert list(sqlite_lake.data_path.rglob("*.parquet")), "the lake's data are Parquet files"
    with lake(sqlite_lake) as con:
        assert con.execute("select count(*) from raw.documents").fetchone()[0] == 5


def test_sqlite_lake_marts_equal_the_duckdb_file(sqlite_lake, duckdb_marts):
    with lake(sqlite_lake) as con:
        figures = total_expenditure(con)
        assert {k: figures[k] for k in TOTAL_EXPENDITURE} == TOTAL_EXPENDITURE
        lake_marts = marts(con)
    assert set(lake_marts) == set(duckdb_marts)
    assert duckdb_marts["unit_metrics"] and duckdb_marts["fct_expenditure_by_function"]
    for table, expected in duckdb_marts.items():
        assert lake_marts[table] == expected, f"marts.{table} differs between the lake and the DuckDB file"


def test_a_reload_replaces_a_document_in_the_lake(sqlite_lake):
    first = seeds()[0]
    with lake(sqlite_lake) as con:
        before = con.execute("select count(*) from raw.table_facts").fetchone()[0]
    assert load_files(sqlite_lake, [first]) == {first.name: "loaded"}
    with lake(sqlite_lake) as con:
        assert con.execute("select count(*) from raw.table_facts").fetchone()[0] == before
        assert con.execute("select count(*) from raw.documents").fetchone()[0] == 5


# --------------------------------------------------------------------------- PostgreSQL catalog, many writers
def _postgres_skip_reason() -> str | None:
    if postgres_bin_dir() is None:
        return "pg_ctl not found: Debian's postgresql package is missing (make system-deps installs it)"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root without runuser: PostgreSQL cannot be started as the postgres user"
    return None


@pytest.fixture(scope="module")
def postgres_catalog():
    reason = _postgres_skip_reason()
    if reason:
        pytest.skip(reason)
    with local_postgres() as catalog:
        yield catalog


def test_two_writers_commit_to_one_lake_at_once_then_dbt_builds_the_marts(postgres_catalog, tmp_path):
    settings = LakeSettings(postgres_catalog, tmp_path / "data")
    files = seeds()
    batches = [files[0::2], files[1::2]]  # 000 002 004 | 001 003
    init_lake(settings)  # the catalog is created once (a deployment's setup step), then the writers attach
    env = {**os.environ, **settings.env()}
    writers = [
        subprocess.Popen(
            [sys.executable, "-m", "warehouse.ducklake", "load", *map(str, batch)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for batch in batches
    ]  # both started before either is waited for
    for writer, batch in zip(writers, batches):
        out, err = writer.communicate(timeout=600)
        assert writer.returncode == 0, f"writer failed:\n{out}\n{err[-4000:]}"
        assert out.split() == [word for path in batch for word in ("loaded", path.name)]

    with lake(settings) as con:
        loaded = {
            name: (tables, facts, prose)
            for name, tables, facts, prose in con.execute(
                "select d.file_name,"
                " (select count(*) from raw.tables t where t.document_id = d.document_id),"
                " (select count(*) from raw.table_facts f where f.document_id = d.document_id),"
                " (select count(*) from raw.prose_facts p where p.document_id = d.document_id)"
                " from raw.documents d"
            ).fetchall()
        }
        snapshots = con.execute("select count(*) from budget.snapshots()").fetchone()[0]
    expected = {}
    for path in files:
        extraction = extract_file(path)
        expected[path.name] = (
            len(extraction.tables),
            len(extraction.table_facts),
            len(extraction.prose_facts),
        )
    assert loaded == expected  # every document of both writers, with all its facts
    assert snapshots > len(files)  # one commit per document, beside the schema's

    dbt_build_lake(settings, tmp_path)
    with lake(settings) as con:
        figures = total_expenditure(con)
        assert set(figures) == {p.name[:3] for p in files}
        assert {k: figures[k] for k in TOTAL_EXPENDITURE} == TOTAL_EXPENDITURE
