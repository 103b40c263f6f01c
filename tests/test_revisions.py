"""Revisions, duplicates and copies of one disclosure (issue 15 part 5), and the 决算 side of data/raw.

One warehouse: the five seeds, a byte-identical copy of seed 000 under another name, a GBK copy of seed 001, a BOM
copy of seed 002 (other bytes, same figures: duplicates) and a corrected re-issue of seed 004 (one figure changed:
a revision, loaded later).  Rules superseded_revision and duplicate_disclosure (int_document_version_issues).
"""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from dbt_warehouse import RAW, dbt_build, load_documents, rows

from extract import extract_file

SEEDS = sorted(RAW.glob("00[0-9]_*.txt"))


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("revisions")
    raw = tmp / "raw"
    raw.mkdir()
    for path in SEEDS:
        shutil.copy(path, raw / path.name)
    shutil.copy(SEEDS[0], raw / "copy_of_000.txt")
    (raw / "gbk_001.txt").write_bytes(SEEDS[1].read_text(encoding="utf-8").encode("gbk"))
    (raw / "bom_002.txt").write_bytes(b"\xef\xbb\xbf" + SEEDS[2].read_bytes())
    lines = SEEDS[4].read_text(encoding="utf-8").split("\n")
    assert lines[258] == "30101\t基本工资\t55.17"
    lines[258] = "30101\t基本工资\t56.17"
    (raw / "zz_reissue_004.txt").write_text("\n".join(lines), encoding="utf-8")
    db = tmp / "budget.duckdb"
    load_documents(db, sorted(raw.iterdir()))
    con = duckdb.connect(str(db))
    first = dict(con.execute("select document_id, first_seen_at from raw.documents").fetchall())
    con.close()
    load_documents(db, [SEEDS[0]])  # a reload keeps first_seen_at
    con = duckdb.connect(str(db))
    again = dict(con.execute("select document_id, first_seen_at from raw.documents").fetchall())
    con.close()
    assert again == first
    dbt_build(db, tmp)
    return db


@pytest.fixture(scope="module")
def con(warehouse):
    connection = duckdb.connect(str(warehouse), read_only=True)
    yield connection
    connection.close()


def doc_of(con, file_name: str) -> str:
    return con.execute("select document_id from raw.documents where file_name = ?", [file_name]).fetchone()[0]


def test_byte_identical_copy_is_one_document(con):
    assert extract_file(SEEDS[0]).document.document_id == doc_of(con, SEEDS[0].name)
    assert con.execute("select count(*) from raw.documents").fetchone()[0] == 5 + 3  # the copy is not a row


def test_revision_supersedes_the_earlier_version(con):
    old, new = doc_of(con, SEEDS[4].name), doc_of(con, "zz_reissue_004.txt")
    history = {r["document_id"]: r for r in rows(con, "select * from marts.document_history")}
    assert history[old]["version_number"] == 1 and history[old]["superseded_by"] == new
    assert not history[old]["is_current"] and history[old]["version_status"] == "superseded"
    assert history[new]["version_number"] == 2 and history[new]["is_current"]
    assert history[new]["previous_document_id"] == old
    assert history[new]["first_seen_at"] >= history[old]["first_seen_at"]  # ISO 8601 text orders as time
    changes = rows(con, "select * from marts.document_history_changes where document_id = ?", [new])
    assert changes and all(c["previous_document_id"] == old for c in changes)
    assert history[new]["changed_figures"] == ", ".join(sorted(c["figure"] for c in changes))
    published = {r["document_id"] for r in rows(con, "select document_id from marts.unit_metrics")}
    assert new in published and old not in published
    for mart in ("fct_expenditure_by_function", "figure_sources"):
        assert not rows(con, f"select 1 from marts.{mart} where document_id = ?", [old])
    issue = rows(con, "select * from intermediate.int_document_version_issues where document_id = ?", [old])
    assert [i["rule"] for i in issue] == ["superseded_revision"]
    assert new in issue[0]["detail"] and "zz_reissue_004.txt" in issue[0]["detail"]


def test_other_bytes_same_figures_is_a_duplicate_counted_once(con):
    for seed, copy in ((SEEDS[1], "gbk_001.txt"), (SEEDS[2], "bom_002.txt")):
        original, duplicate = doc_of(con, seed.name), doc_of(con, copy)
        assert original != duplicate
        row = rows(con, "select * from marts.document_history where document_id = ?", [duplicate])[0]
        assert row["version_status"] == "duplicate" and row["duplicate_of"] == original
        issue = rows(
            con, "select * from intermediate.int_document_version_issues where document_id = ?", [duplicate]
        )
        assert [i["rule"] for i in issue] == ["duplicate_disclosure"] and original in issue[0]["detail"]
    counted = rows(
        con,
        """
        select unit_id, fiscal_year, document_kind, count(*) as n from marts.unit_metrics
        where counts_in_totals group by all having count(*) > 1""",
    )
    assert counted == []
    assert con.execute("select count(*) from marts.unit_metrics").fetchone()[0] == 5


def test_the_superseded_and_duplicate_issues_reach_quality_issues(con):
    fired = {r["rule"] for r in rows(con, "select distinct rule from marts.quality_issues")}
    assert {"superseded_revision", "duplicate_disclosure"} <= fired


# ------------------------------------------------------------------ the inbox (data/raw) built by the CLI
@pytest.fixture(scope="module")
def inbox(tmp_path_factory) -> duckdb.DuckDBPyConnection:
    tmp = tmp_path_factory.mktemp("inbox")
    db = tmp / "budget.duckdb"
    load_documents(db, sorted(p for p in RAW.iterdir() if not p.name.startswith(".")))
    dbt_build(db, tmp)
    connection = duckdb.connect(str(db), read_only=True)
    yield connection
    connection.close()


def test_inbox_execution_year_on_year_and_history(inbox):
    d = Decimal
    execution = {
        (r["unit_name"], r["figure"]): r for r in rows(inbox, "select * from marts.budget_execution")
    }
    total = execution[("昌吉市社会保险中心", "total_expenditure")]
    assert (
        total["budget_amount"],
        total["budget_source"],
        total["final_amount"],
        total["execution_rate"],
    ) == (d("1041.14"), "loaded_budget", d("1025.67"), d("0.985141"))
    three = execution[("昌吉市社会保险中心", "three_public_total")]
    assert (three["budget_amount"], three["final_amount"], three["execution_rate"]) == (
        d("5.2"),
        d("4.16"),
        d("0.8"),
    )
    social = (
        execution[("中共上海市普陀区委社会工作部", "total_expenditure")]
        if ("中共上海市普陀区委社会工作部", "total_expenditure") in execution
        else next(r for (u, f), r in execution.items() if "社会工作部" in u and f == "total_expenditure")
    )
    assert (social["budget_amount"], social["final_amount"], social["execution_rate"]) == (
        d("321.02"),
        d("307.82"),
        d("0.958881"),
    )
    yoy = rows(
        inbox,
        """select * from marts.unit_year_metrics where unit_name = '昌吉市社会保险中心'
                         and fiscal_year = 2024 and document_kind = '部门预算' and figure = 'total_expenditure'""",
    )[0]
    assert (yoy["value"], yoy["previous_value"], yoy["change"], yoy["change_rate"]) == (
        d("1041.14"),
        d("991.56"),
        d("49.58"),
        d("0.050002"),
    )
    history = rows(inbox, "select * from marts.document_history")
    assert len(history) == 17 and all(
        h["version_status"] == "current" and h["version_number"] == 1 for h in history
    )
    office = {
        h["document_kind"]
        for h in history
        if h["unit_name"].endswith("普陀区人民政府办公室") and h["fiscal_year"] == 2025
    }
    assert office == {"部门预算", "单位预算"}  # two kinds, never versions of each other
    jiangsu = [h for h in history if h["fiscal_year"] == 2019]
    assert len(jiangsu) == 1 and " + " in jiangsu[0]["file_names"]  # prose + tables: one disclosure
