"""A new table kind is one catalogue row: added here to a copy of the dbt project, it works end to end.

The test copies ``dbt/`` to a temporary folder, appends one row to the copy's ``seeds/table_kinds.csv`` (a made-up
kind, ``test_widget_summary``, with the shape and subject system of 一般公共预算支出表), and touches nothing else:
no Python, no SQL.  Then, with ``BUDGET_CATALOGUE_DIR`` pointing extract at the copied seeds (a fresh interpreter:
the catalogue is read once, at import), a seed disclosure whose 一般公共预算支出表 title is rewritten to the new
kind's title is extracted and loaded, and the real ``dbt build`` runs on the copied project.  It asserts that the
table is classified as the new kind, that its rows reach staging as the old kind's did, that the relationships test
of ``table_kind`` to the catalogue passes, and that ``marts.dim_codes`` labels the kind.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from dbt_warehouse import ROOT, rows

from extract import extract_file
from extract.catalogue import CATALOGUE_DIR_ENV

SEED_TEXT = ROOT / "data" / "raw" / "000_e24d4670d260d34e.txt"
OLD_TITLE = "一般公共预算支出表"
NEW_KIND = {
    "table_kind": "test_widget_summary",
    "name_zh": "测试小部件汇总表",
    "name_en": "Test widget summary",
    "document_kind": "预算",
    "budget_counterpart": "test_widget_summary",
    "shape": "subject",
    "subject_system": "function",
    "figure_scope": "gpb",
    "in_standard_set": "false",
    "title_order": "19",
    "title_variants": "测试小部件汇总表",
    "fund_account": "false",
}
NOT_PROJECT = ("target", "logs", "dbt_packages", ".user.yml")  # dbt's output, not the project's files
COPIED = shutil.ignore_patterns(*NOT_PROJECT)

LOAD_SCRIPT = """
import sys
import duckdb
from extract import extract_file
from extract.load import ensure_raw_schema, load_extraction
con = duckdb.connect(sys.argv[1])
ensure_raw_schema(con)
load_extraction(con, extract_file(sys.argv[2]))
con.close()
"""


def _files(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not set(path.relative_to(folder).parts) & set(NOT_PROJECT)
    }


def _changed_files(before: Path, after: Path) -> list[str]:
    old, new = _files(before), _files(after)
    return sorted(name for name in old.keys() | new.keys() if old.get(name) != new.get(name))


def _add_kind(seeds: Path) -> None:
    path = seeds / "table_kinds.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        fields = next(csv.reader(handle))
    with path.open("a", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerow([NEW_KIND.get(field, "") for field in fields])


@pytest.fixture(scope="module")
def extended(tmp_path_factory):
    work = tmp_path_factory.mktemp("catalogue_extension")
    project = work / "dbt"
    shutil.copytree(ROOT / "dbt", project, ignore=COPIED)
    _add_kind(project / "seeds")
    changed = _changed_files(ROOT / "dbt", project)

    lines = SEED_TEXT.read_text(encoding="utf-8").split("\n")
    assert lines.count(OLD_TITLE) == 1  # the table's own title line (the contents list prints “五、……”)
    text = work / "raw" / SEED_TEXT.name
    text.parent.mkdir()
    text.write_text("\n".join(NEW_KIND["name_zh"] if line == OLD_TITLE else line for line in lines), "utf-8")

    db = work / "budget.duckdb"
    env = {
        **os.environ,
        CATALOGUE_DIR_ENV: str(project / "seeds"),
        "BUDGET_WAREHOUSE": str(db),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    load = subprocess.run(
        [sys.executable, "-c", LOAD_SCRIPT, str(db), str(text)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert load.returncode == 0, load.stderr[-4000:]
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "dbt.cli.main",
            "build",
            "--project-dir",
            str(project),
            "--profiles-dir",
            str(project),
            "--target-path",
            str(work / "target"),
            "--log-path",
            str(work / "logs"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert build.returncode == 0, f"dbt build failed:\n{build.stdout[-8000:]}\n{build.stderr[-4000:]}"
    results = json.loads((work / "target" / "run_results.json").read_text(encoding="utf-8"))["results"]
    con = duckdb.connect(str(db), read_only=True)
    yield {"changed": changed, "con": con, "results": results}
    con.close()


def test_adding_a_kind_touches_only_the_catalogue(extended):
    assert extended["changed"] == ["seeds/table_kinds.csv"]


def test_the_table_is_classified_as_the_new_kind(extended):
    tables = rows(extended["con"], "select * from raw.tables where title = ?", [NEW_KIND["name_zh"]])
    assert [(t["table_kind"], t["subject_system"], t["is_empty"]) for t in tables] == [
        ("test_widget_summary", "function", False)
    ]
    assert rows(
        extended["con"], "select count(*) as n from raw.tables where table_kind = 'gpb_expenditure'"
    ) == [{"n": 0}]


def test_its_rows_reach_staging_as_the_old_kinds_did(extended):
    """The new kind has the shape and system of 一般公共预算支出表: the facts are the ones that table gave."""
    original = extract_file(SEED_TEXT)  # this interpreter's catalogue: the repo's seed, without the new kind
    (table,) = [t for t in original.tables if t.table_kind == "gpb_expenditure"]
    expected = sorted(
        (f.row_index, f.column_key, f.subject_code, f.amount)
        for f in original.table_facts
        if f.table_id == table.table_id
    )
    got = sorted(
        (r["row_index"], r["column_key"], r["subject_code"], r["amount"])
        for r in rows(
            extended["con"],
            "select row_index, column_key, subject_code, amount from staging.stg_table_facts where table_kind = ?",
            [NEW_KIND["table_kind"]],
        )
    )
    assert len(got) == 46
    assert got == expected
    assert (1, "total", "208", Decimal("1141.27")) in got


def test_the_relationships_test_of_table_kind_passes(extended):
    tests = [
        r
        for r in extended["results"]
        if r["unique_id"].startswith("test.") and "table_kind__ref_table_kinds_" in r["unique_id"]
    ]
    assert any("stg_table_facts" in r["unique_id"] for r in tests)
    assert {r["status"] for r in tests} == {"pass"}


def test_dim_codes_lists_the_new_kind(extended):
    got = rows(
        extended["con"],
        "select label_zh, label_en from marts.dim_codes where code_type = 'table_kind' and code = ?",
        [NEW_KIND["table_kind"]],
    )
    assert got == [{"label_zh": "测试小部件汇总表", "label_en": "Test widget summary"}]
