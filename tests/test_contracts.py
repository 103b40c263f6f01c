"""The contract package (``warehouse/``) and what the marts carry for their readers: one settings object, one
document id, one reader registry, the publication protocol with its column catalogue; the dashboard imports no
dagster_project; a warehouse file under another name builds and reads; share_other is in unit_metrics."""

from __future__ import annotations

import ast
import shutil
from decimal import Decimal
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from published_warehouse import session_published_warehouse

from dagster_project.build import build_warehouse
from dagster_project.defs.raw_documents.folder import DISCLOSURE_SUFFIXES, document_id_for
from extract import extract_file
from extract.readers.registry import supported_suffixes
from warehouse.catalogue import FORMATS
from warehouse.files import document_id, file_sha256
from warehouse.publication import (
    CATALOGUE_SCHEMA,
    COLUMN_CATALOGUE_TABLE,
    open_published,
    read_column_catalogue,
)
from warehouse.settings import WarehouseSettings

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def built(tmp_path_factory, seed_disclosures):
    return session_published_warehouse(tmp_path_factory, seed_disclosures)


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_the_dashboard_imports_no_dagster_project():
    files = sorted((ROOT / "dashboard").rglob("*.py"))
    assert len(files) > 10
    offending = {
        str(path.relative_to(ROOT)): sorted(n for n in _imports(path) if n.split(".")[0] == "dagster_project")
        for path in files
    }
    assert {path: names for path, names in offending.items() if names} == {}
    # it reads settings and the publication through the contract package
    assert "warehouse.publication" in _imports(ROOT / "dashboard" / "data.py")


def test_nothing_writes_the_warehouse_setting_into_the_environment():
    """No ``os.environ[...] = …`` / ``setdefault`` / ``update`` of a BUDGET_* variable in the packages."""
    writes = []
    for package in ("dagster_project", "dashboard", "warehouse", "extract"):
        for path in sorted((ROOT / package).rglob("*.py")):
            source = path.read_text(encoding="utf-8")
            for node in ast.walk(ast.parse(source)):
                targets = []
                if isinstance(node, ast.Assign):
                    targets = [t for t in node.targets if isinstance(t, ast.Subscript)]
                elif (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("setdefault", "update", "__setitem__")
                ):
                    targets = [node.func]
                for target in targets:
                    text = ast.get_source_segment(source, target) or ""
                    if "environ" in text and "BUDGET" in ast.get_source_segment(source, node):
                        writes.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert writes == []


def test_one_document_id_for_readers_folder_and_publisher(seed_disclosures):
    path = seed_disclosures[0]
    extracted = extract_file(path)
    assert extracted.document.document_id == document_id(path) == document_id_for(path)
    assert extracted.document.content_sha256 == file_sha256(path)
    assert len(document_id(path)) == 16 and document_id(path) == file_sha256(path)[:16]


def test_one_reader_registry():
    assert supported_suffixes() == (".txt", ".md", ".text", ".pdf")
    assert DISCLOSURE_SUFFIXES == supported_suffixes()
    from dagster_project.defs.raw_documents.sensor import raw_folder_sensor

    assert all(f"*{suffix}" in raw_folder_sensor.description for suffix in supported_suffixes())


def test_the_published_file_holds_the_column_catalogue(built):
    con = open_published(built.published)
    try:
        catalogue = read_column_catalogue(con)
        columns = [r[0] for r in con.execute("DESCRIBE marts.unit_metrics").fetchall()]
        comment = con.execute(
            "SELECT comment FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?",
            [CATALOGUE_SCHEMA, COLUMN_CATALOGUE_TABLE],
        ).fetchone()[0]
    finally:
        con.close()
    assert comment.startswith("字段目录")
    unit_metrics = {r["column_name"]: r for r in catalogue if r["table_name"] == "unit_metrics"}
    assert list(unit_metrics) == columns  # every column, in the mart's order
    for column, row in unit_metrics.items():
        assert row["label_zh"] and row["label_en"] and row["format"] in FORMATS, column
        assert row["description"], column
    assert unit_metrics["share_other"]["format"] == "share"
    assert (unit_metrics["share_other"]["label_zh"], unit_metrics["share_other"]["label_en"]) == (
        "其他占比",
        "Other share",
    )
    assert unit_metrics["total_expenditure"]["format"] == "money"
    assert unit_metrics["fiscal_year"]["format"] == "year"
    tables = {r["table_name"] for r in catalogue if r["label_zh"]}
    assert {"unit_metrics", "figure_sources", "quality_issues"} <= tables


def test_the_dashboard_takes_labels_and_formats_from_the_catalogue(built):
    from dashboard import labels
    from dashboard.data import read_snapshot
    from dashboard.overview_table import kind_of

    read_snapshot(built.published)
    assert labels.METRICS["share_other"] == labels.Label("其他占比", "Other share")
    assert labels.COLUMNS["severity"] == labels.Label("严重程度", "Severity")
    assert kind_of("share_other") == "percent"  # a share is shown in percent
    assert kind_of("in_service_staff") == "count"
    assert kind_of("total_expenditure") == "money"


def test_share_other_in_unit_metrics(built):
    rows = built.rows(
        "SELECT document_id, unit_name, fiscal_year, total_expenditure, expenditure_208, expenditure_210, "
        "expenditure_221, expenditure_other, share_208, share_210, share_221, share_other "
        "FROM marts.unit_metrics ORDER BY document_id"
    )
    assert len(rows) >= 5
    for r in rows:
        parts = [r[c] or 0 for c in ("expenditure_208", "expenditure_210", "expenditure_221")]
        assert r["expenditure_other"] == r["total_expenditure"] - sum(parts)
        if r["share_208"] is None:
            assert r["share_other"] is None
        else:
            shares = [r[c] or 0 for c in ("share_208", "share_210", "share_221")]
            assert r["share_other"] == Decimal(1) - sum(shares)
        assert all(
            isinstance(r[c], Decimal) for c in ("expenditure_other", "share_other") if r[c] is not None
        )
    # the seed 002 (昌吉市社会保险中心, 2024): 1041.14 − 927.19 − 50.70 − 58.13 = 5.12 万元 outside 208/210/221
    [changji] = [r for r in rows if r["unit_name"] == "昌吉市社会保险中心" and r["fiscal_year"] == 2024]
    assert changji["expenditure_other"] == Decimal("5.12")
    assert changji["share_other"] == Decimal(1) - Decimal("0.890553") - Decimal("0.048697") - Decimal(
        "0.055833"
    )
    assert changji["share_other"] == Decimal("0.004917")


def test_the_dashboard_links_figures_by_the_provenance_columns(built):
    rows = built.rows(
        "SELECT f.source_location, f.source_file, f.source_page, f.source_line, d.file_name "
        "FROM marts.figure_sources f JOIN published.documents d ON d.document_id = f.document_id"
    )
    assert rows
    for r in rows:
        # the seeds are text conversions: 'line N' → line N of the disclosure's file, no page
        assert r["source_location"] == f"line {r['source_line']}"
        assert r["source_page"] is None and r["source_file"] == r["file_name"]


def test_a_warehouse_file_of_another_name_builds_and_its_copy_reads(tmp_path, seed_disclosures):
    raw = tmp_path / "raw"
    raw.mkdir()
    for path in seed_disclosures[:2]:
        shutil.copy(path, raw / path.name)
    settings = WarehouseSettings(raw_dir=raw, warehouse_path=tmp_path / "wh" / "copy_of_marts.duckdb")
    report = build_warehouse(settings, instance=dg.DagsterInstance.ephemeral(), echo=lambda line: None)
    assert report.ok
    copy = tmp_path / "elsewhere" / "renamed.duckdb"
    copy.parent.mkdir()
    shutil.copyfile(settings.warehouse_path, copy)
    con = duckdb.connect(str(copy), read_only=True)
    try:
        # the staging views name no catalog: they read the copy's raw layer
        documents = con.execute("SELECT count(*) FROM staging.stg_documents").fetchone()[0]
        metrics = con.execute("SELECT count(*), min(total_expenditure) FROM marts.unit_metrics").fetchone()
        views = con.execute("SELECT sql FROM duckdb_views() WHERE schema_name = 'staging'").fetchall()
    finally:
        con.close()
    assert documents == 2
    assert metrics[0] == 2 and metrics[1] > 0
    assert views and not any("copy_of_marts" in sql for (sql,) in views)
