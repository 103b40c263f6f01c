"""Identity evidence through the warehouse: raw.identity_evidence and raw.documents carry the candidates and the
choice, a unit is one unit_id across its files, a file whose unit rests on its name is confirmed by its sibling
file, and a disclosure without a unit is quarantined as unit_not_found.  Real extraction, DuckDB and dbt build."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pikepdf
import pytest
from dbt_warehouse import RAW, dbt_build, load_documents, rows

from dagster_project.defs.extraction.loading import load_disclosure_file
from extract.load import ensure_raw_schema

TABLES = RAW / "江苏省委办公厅__江苏省委办公厅2019年度部门预算公开表格.pdf"
PROSE = RAW / "江苏省委办公厅__江苏省委办公厅2019年度部门预算公开文件.pdf"
FINANCE = RAW / "上海市普陀区财政局部门25年预算.pdf"
OFFICE = RAW / "X_上海市普陀区人民政府办公室25年预算.pdf"
OFFICE_UNIT = RAW / "X_上海市普陀区人民政府办公室单位25年预算.pdf"


def prose_without_its_unit(target: Path) -> Path:
    """The prose file with its cover emptied and renamed: only the PDF metadata still names the unit."""
    with pikepdf.open(PROSE) as pdf:
        pdf.pages[0].Contents = pdf.make_stream(b"")
        pdf.save(target)
    return target


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("identity_warehouse")
    files = [TABLES, prose_without_its_unit(tmp / "part-2.pdf"), FINANCE, OFFICE, OFFICE_UNIT]
    db = tmp / "budget.duckdb"
    load_documents(db, files)
    dbt_build(db, tmp)
    connection = duckdb.connect(str(db), read_only=True)
    yield connection
    connection.close()


def test_evidence_and_choice_are_stored(con):
    (doc,) = rows(con, "select * from raw.documents where file_name = ?", [FINANCE.name])
    assert (doc["unit_name"], doc["fiscal_year"], doc["document_kind"]) == (
        "上海市普陀区财政局",
        2025,
        "部门预算",
    )
    assert doc["unit_name_source"] == "cover_label"
    assert doc["fiscal_year_source"] == "cover_title"
    evidence = rows(
        con,
        "select * from raw.identity_evidence where document_id = ? and attribute = 'unit_name'",
        [doc["document_id"]],
    )
    by_source = {(e["source"], e["value"]) for e in evidence if e["is_chosen"]}
    assert ("cover_label", "上海市普陀区财政局") in by_source
    assert ("table_compiler", "上海市普陀区财政局") in by_source
    assert sum(1 for e in evidence if e["source"] == "table_compiler") >= 5  # most tables repeat it
    assert all(e["location"].startswith("page ") for e in evidence if e["source"] != "file_name")


def test_one_unit_id_across_the_files_of_a_disclosure(con):
    (unit,) = rows(con, "select * from marts.unit_metrics where unit_name like '%江苏省委办公厅%'")
    assert unit["unit_id"] == "江苏省/江苏省委办公厅"
    assert unit["source_file_count"] == 2
    (dim,) = rows(con, "select * from marts.dim_unit where unit_id = ?", [unit["unit_id"]])
    assert dim["province"] == "江苏省" and dim["region_code"] == "320000"
    (finance,) = rows(
        con,
        "select m.unit_id, d.region_code from marts.unit_metrics m join marts.dim_unit d "
        "using (unit_id) where m.unit_name = '上海市普陀区财政局'",
    )
    assert finance == {"unit_id": "上海市/上海市普陀区财政局", "region_code": "310107"}


def test_an_unseen_department_loads_as_printed(con):
    """上海市普陀区财政局 2025 (a department the first round never saw): its figures as its tables print them
    (元 converted to 万元 exactly)."""
    (finance,) = rows(con, "select * from marts.unit_metrics where unit_name = '上海市普陀区财政局'")
    assert (finance["fiscal_year"], finance["document_kind"], finance["quality_status"]) == (
        2025,
        "部门预算",
        "ok",
    )
    expected = {
        "total_expenditure": "3121.420580",  # 支出总计 31,214,205.80 元
        "basic_expenditure": "2512.109100",  # 基本支出 25,121,091.00
        "project_expenditure": "609.311480",  # 项目支出 6,093,114.80
        "personnel_expenditure": "2282.675600",  # 人员经费 22,826,756.00
        "public_expenditure": "229.433500",  # 公用经费 2,294,335.00
        "three_public_total": "0.950000",  # “三公”经费预算数 0.95 万元
    }
    assert {key: str(finance[key]) for key in expected} == expected


def test_a_department_office_unit_budget_is_inside_its_department_budget(con):
    office = {
        r["document_kind"]: r
        for r in rows(
            con, "select * from marts.unit_metrics where unit_id = '上海市/上海市普陀区人民政府办公室'"
        )
    }
    assert set(office) == {"部门预算", "单位预算"}
    assert office["部门预算"]["counts_in_totals"] and not office["单位预算"]["counts_in_totals"]
    assert office["单位预算"]["included_in_department"]


def test_a_file_named_only_by_its_metadata_is_confirmed_by_its_sibling(con):
    (issue,) = rows(con, "select * from marts.quality_issues where rule = 'identity_from_file_name'")
    assert "江苏省委办公厅" in issue["detail"]
    assert issue["resolution"].startswith("confirmed by the other file of the disclosure: " + TABLES.name)
    assert issue["severity"] == "warning"


def test_a_disclosure_without_a_unit_is_quarantined_as_unit_not_found(tmp_path):
    text = (
        (RAW / "003_51d4428f615cabcb.txt").read_text(encoding="utf-8").replace("巴中市社会保险管理局", "本局")
    )
    path = tmp_path / "a.txt"
    path.write_text(text, encoding="utf-8")
    connection = duckdb.connect(str(tmp_path / "w.duckdb"))
    ensure_raw_schema(connection)
    outcome = load_disclosure_file(connection, path)
    assert (outcome.status, outcome.reason) == ("quarantined", "unit_not_found")
    assert "publishing unit cannot be established" in outcome.detail
    (row,) = connection.execute("select reason from raw.quarantine").fetchall()
    assert row == ("unit_not_found",)
    assert connection.execute("select count(*) from raw.identity_evidence").fetchone() == (0,)
