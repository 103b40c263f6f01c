"""Comments in the database and the open release (issue 14).

Real components only: the session warehouse is built by ``build_warehouse`` (extract → DuckDB → ``dbt build``
with ``persist_docs`` → ``published_marts``, which publishes and then writes ``published/release/``).  The
release is read back with DuckDB, the csv module and the frictionless package.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
import yaml
from frictionless import validate
from published_warehouse import session_published_warehouse

from dagster_project.export import (
    DATAPACKAGE,
    MONEY_COLUMNS,
    ExportError,
    export_release,
    primary_key,
    release_dir,
)
from dagster_project.publish import PUBLISHED_COLUMN_COMMENTS, open_published, publish_marts

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:dagster_dbt")

ROOT = Path(__file__).resolve().parents[1]
STAGING_YML = ROOT / "dbt" / "models" / "staging" / "_staging.yml"

MART_MODELS = {
    p.stem for p in (Path(__file__).resolve().parents[1] / "dbt" / "models" / "marts").glob("*.sql")
}


@pytest.fixture(scope="session")
def built(tmp_path_factory, seed_disclosures):
    return session_published_warehouse(tmp_path_factory, seed_disclosures)


@pytest.fixture(scope="session")
def release(built) -> Path:
    folder = release_dir(built.published)
    assert (folder / DATAPACKAGE).is_file(), "published_marts wrote no release beside the published file"
    return folder


def _catalog(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only view of a DuckDB file (ATTACHed, so every call sees the file as it is now)."""
    con = duckdb.connect()
    con.execute(f"ATTACH '{str(path).replace(chr(39), chr(39) * 2)}' AS db (READ_ONLY)")
    return con


def _comments(path: Path, schema: str) -> tuple[dict[str, str | None], dict[tuple[str, str], str | None]]:
    con = _catalog(path)
    try:
        tables = dict(
            con.execute(
                "SELECT table_name, comment FROM duckdb_tables() WHERE database_name = 'db' AND schema_name = ?",
                [schema],
            ).fetchall()
        )
        tables |= dict(
            con.execute(
                "SELECT view_name, comment FROM duckdb_views() WHERE database_name = 'db' AND schema_name = ?",
                [schema],
            ).fetchall()
        )
        columns = {
            (t, c): comment
            for t, c, comment in con.execute(
                "SELECT table_name, column_name, comment FROM duckdb_columns() "
                "WHERE database_name = 'db' AND schema_name = ?",
                [schema],
            ).fetchall()
        }
    finally:
        con.close()
    return tables, columns


# --------------------------------------------------------------------------- comments
def test_every_mart_table_and_column_has_a_comment_in_the_warehouse(built):
    tables, columns = _comments(built.warehouse, "marts")
    assert set(tables) == MART_MODELS  # every model of dbt/models/marts
    assert {t for t, comment in tables.items() if not (comment or "").strip()} == set()
    assert {key for key, comment in columns.items() if not (comment or "").strip()} == set()
    assert columns[("unit_metrics", "total_expenditure")] == "支出总计 — total expenditure budget (万元)."


def test_the_published_copy_carries_the_same_comments(built):
    warehouse_tables, warehouse_columns = _comments(built.warehouse, "marts")
    published_tables, published_columns = _comments(built.published, "marts")
    assert published_tables == warehouse_tables
    assert published_columns == warehouse_columns
    tables, columns = _comments(built.published, "published")
    assert tables["documents"] and tables["publication"]
    for table, described in PUBLISHED_COLUMN_COMMENTS.items():
        present = {c for t, c in columns if t == table}
        assert {c: columns[(table, c)] for c in present & set(described)} == {
            c: text for c, text in described.items() if c in present
        }


def test_the_staging_views_carry_their_yml_descriptions(built):
    """persist_docs on views: DuckDB 1.4 keeps a comment on a view and on each of its columns."""
    views, columns = _comments(built.warehouse, "staging")
    documented = yaml.safe_load(STAGING_YML.read_text(encoding="utf-8"))["models"]
    for model in documented:
        assert (views[model["name"]] or "").strip() == model["description"].strip(), model["name"]
        for column in model.get("columns", []):
            if column.get("description") and (model["name"], column["name"]) in columns:
                assert (columns[(model["name"], column["name"])] or "").strip() == column[
                    "description"
                ].strip()


def test_a_comment_with_quotes_is_copied_exactly(built, tmp_path):
    warehouse = tmp_path / built.warehouse.name
    shutil.copy(built.warehouse, warehouse)
    text = "地区 — it's \"quoted\"; a backslash \\ and '' two quotes; DROP TABLE x; --"
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("COMMENT ON COLUMN marts.dim_unit.region IS '" + text.replace("'", "''") + "'")
        con.execute("COMMENT ON TABLE marts.dim_unit IS '" + text.replace("'", "''") + "'")
    finally:
        con.close()
    published = publish_marts(warehouse, tmp_path / "published" / "budget_marts.duckdb").path
    tables, columns = _comments(published, "marts")
    assert columns[("dim_unit", "region")] == text
    assert tables["dim_unit"] == text


# --------------------------------------------------------------------------- the files
def _marts(built) -> list[str]:
    con = open_published(built.published)
    try:
        return [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = 'publication' "
                "AND schema_name = 'marts' ORDER BY 1"
            ).fetchall()
        ]
    finally:
        con.close()


def _published_rows(built, table: str, as_text: bool) -> tuple[list[str], list[tuple]]:
    con = open_published(built.published)
    try:
        columns = con.execute(
            "SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = 'publication' "
            "AND schema_name = 'marts' AND table_name = ? ORDER BY column_index",
            [table],
        ).fetchall()
        names = [c for c, _ in columns]
        if as_text:
            select = ", ".join(f'CAST("{c}" AS VARCHAR)' for c in names)
        else:
            select = "*"
        order = ", ".join(f'"{c}"' for c in primary_key(table, names)) or "ALL"
        return names, con.execute(f'SELECT {select} FROM marts."{table}" ORDER BY {order}').fetchall()
    finally:
        con.close()


def test_the_release_holds_every_mart_as_parquet_and_csv(built, release):
    marts = _marts(built)
    assert set(marts) == MART_MODELS
    for table in marts:
        assert (release / "data" / f"{table}.csv").is_file()
        assert (release / "parquet" / f"{table}.parquet").is_file()
    for name in ("data_dictionary.csv", "data_dictionary.md", DATAPACKAGE):
        assert (release / name).is_file()
    assert not [p.name for p in release.parent.iterdir() if p.name.startswith(".release")]


def test_the_parquet_rows_equal_the_marts_with_their_types(built, release):
    for table in _marts(built):
        names, expected = _published_rows(built, table, as_text=False)
        con = duckdb.connect()
        try:
            path = str(release / "parquet" / f"{table}.parquet")
            got = con.execute("SELECT * FROM read_parquet(?)", [path]).fetchall()
            types = [r[1] for r in con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [path]).fetchall()]
            columns = [r[0] for r in con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [path]).fetchall()]
        finally:
            con.close()
        assert columns == names, table
        assert got == expected, table
        if table == "unit_metrics":
            assert types[names.index("total_expenditure")] == "DECIMAL(20,6)"
            assert isinstance(got[0][names.index("total_expenditure")], Decimal)


def test_the_csv_rows_equal_the_marts_as_exact_text(built, release):
    decimal_text = re.compile(r"-?\d+\.\d{6}")
    for table in _marts(built):
        names, expected = _published_rows(built, table, as_text=True)
        raw = (release / "data" / f"{table}.csv").read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf"), f"{table}.csv starts with a BOM"
        reader = csv.reader(raw.decode("utf-8").splitlines())
        header, *rows = list(reader)
        assert header == names, table
        assert [tuple(r) for r in rows] == [tuple("" if v is None else v for v in row) for row in expected], (
            table
        )
        for column in MONEY_COLUMNS.get(table, []):
            values = [r[names.index(column)] for r in rows if r[names.index(column)]]
            assert values and all(decimal_text.fullmatch(v) for v in values), (table, column, values[:3])
    metrics = (release / "data" / "unit_metrics.csv").read_text(encoding="utf-8")
    assert ",1292.070000," in metrics  # a seed's total, with its 6 scale digits (never 1292.07 as a float)


# --------------------------------------------------------------------------- the descriptor
def test_the_datapackage_validates_with_frictionless(release):
    report = validate(str(release / DATAPACKAGE))
    assert report.valid, report.flatten(["type", "note"])
    assert {task.name for task in report.tasks} >= {"unit_metrics", "dim_unit", "documents"}


def test_the_descriptor_follows_the_fiscal_data_package_conventions(release):
    descriptor = json.loads((release / DATAPACKAGE).read_text(encoding="utf-8"))
    resources = {r["name"]: r for r in descriptor["resources"]}
    for table, money in MONEY_COLUMNS.items():
        fields = {f["name"]: f for f in resources[table]["schema"]["fields"]}
        for column in money:
            spec = fields[column]
            assert spec["type"] == "number" and spec["bareNumber"] is True
            assert (spec["currency"], spec["factor"], spec["unit"]) == ("CNY", 10000, "万元"), (table, column)
            measure = descriptor["model"]["measures"][f"{table}.{column}"]
            assert measure["currency"] == "CNY" and measure["factor"] == 10000
            assert measure["resource"] == table and measure["source"] == column
            assert measure["phase"] == "approved"  # the seeds are all 部门预算
    dimensions = descriptor["model"]["dimensions"]
    assert dimensions["functional-classification"]["classificationType"] == "functional"
    assert dimensions["economic-classification"]["classificationType"] == "economic"
    assert dimensions["fiscal-year"]["dimensionType"] == "datetime"
    assert dimensions["phase"]["attributes"]["kind"]["source"] == "document_kind"
    metrics = {f["name"]: f for f in resources["unit_metrics"]["schema"]["fields"]}
    assert metrics["fiscal_year"]["columnType"] == "date:fiscal-year"
    marts = [r for name, r in resources.items() if name != "documents"]
    assert all(f["description"] for r in marts for f in r["schema"]["fields"])
    assert descriptor["fiscalPeriod"]["start"].endswith("-01-01")


def test_the_data_dictionary_describes_every_column(built, release):
    with (release / "data_dictionary.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    described = {(r["table"], r["column"]) for r in rows if r["description"]}
    _, columns = _comments(built.published, "marts")
    assert set(columns) <= described
    money = next(r for r in rows if (r["table"], r["column"]) == ("unit_metrics", "total_expenditure"))
    assert (money["duckdb_type"], money["field_type"], money["unit"]) == ("DECIMAL(20,6)", "number", "万元")
    markdown = (release / "data_dictionary.md").read_text(encoding="utf-8")
    for table in _marts(built):
        assert f"## {table}" in markdown
    assert "table \\| prose" in markdown  # a '|' in a description is escaped in the Markdown table


# --------------------------------------------------------------------------- export_release itself
def test_export_replaces_a_previous_release_and_refuses_another_folder(built, tmp_path):
    out = tmp_path / "release"
    first = export_release(built.published, out)
    (out / "stale.txt").write_text("from an older release")
    second = export_release(built.published, out)
    assert second.table_rows == first.table_rows and second.table_rows["unit_metrics"] == 5
    assert not (out / "stale.txt").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["release"]

    other = tmp_path / "notes"
    other.mkdir()
    (other / "keep.txt").write_text("mine")
    with pytest.raises(ExportError, match="not a release folder"):
        export_release(built.published, other)
    assert (other / "keep.txt").read_text() == "mine"
    with pytest.raises(ExportError, match="no published file"):
        export_release(tmp_path / "absent.duckdb", tmp_path / "x")
