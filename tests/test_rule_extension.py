"""Adding a quality rule is one catalogue row and one check model (docs/quality_rules.md, *Adding a rule*).

A temporary copy of the dbt project gets a MADE-UP rule: one row appended to its quality_rules.csv (severity info,
bound 20) and one `union all select {{ issue_row(...) }}` appended to checks/chk_plausibility_bands.sql — two files,
nothing else (no list in int_quality_issues, no yml). The real `dbt build` of the copy on the five seed texts then
shows the rule's issue in marts.quality_issues for the one seed with fewer than 20 在职人员 (泉港, 14), with the
severity and category of the copied catalogue. A rule name the catalogue does not hold makes the model's
`relationships` test fail: `dbt build` returns non-zero.
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
from dbt_warehouse import DBT_DIR, RAW, load_documents, rows

SEEDS = sorted(RAW.glob("00[0-4]_*.txt"))
QUANGANG = RAW / "004_1b1a57593e3dc4d4.txt"

CATALOGUE_ROW = (
    'made_up_tiny_staff,info,plausibility,20,,人,"MADE UP for tests/test_rule_extension.py: fewer in-service staff '
    'than lower_bound."\n'
)
# appended after the model's `select * from final`: the CTEs unit_figures and bounds (the seed's rows) are in scope
CHECK = """
union all

select
    {{ issue_row(
        'document_id',
        rule="'RULE'",
        figure="'in_service_staff'",
        expected='bounds.lower_bound',
        found='unit_figures.in_service_staff',
        tolerance='0',
        value_unit="'人'",
        detail="'在职人员 ' || unit_figures.in_service_staff || ' below ' || bounds.lower_bound",
        resolution="'flagged; the value is published as stated'"
    ) }}
from unit_figures
inner join bounds
    on bounds.rule = 'made_up_tiny_staff'
where unit_figures.in_service_staff < bounds.lower_bound
"""


def run_dbt(project: Path, db: Path, workdir: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "BUDGET_WAREHOUSE": str(db), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "dbt.cli.main",
            "build",
            "--project-dir",
            str(project.resolve()),
            "--profiles-dir",
            str(project.resolve()),
            "--target-path",
            str(workdir / "target"),
            "--log-path",
            str(workdir / "logs"),
            *args,
        ],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def add_rule(project: Path, rule: str) -> list[Path]:
    """The extension: append the catalogue row and the check; return the files touched."""
    catalogue = project / "seeds" / "quality_rules.csv"
    with catalogue.open("a", encoding="utf-8") as f:
        f.write(CATALOGUE_ROW)
    model = project / "models" / "intermediate" / "checks" / "chk_plausibility_bands.sql"
    model.write_text(model.read_text(encoding="utf-8") + CHECK.replace("RULE", rule), encoding="utf-8")
    return [catalogue, model]


@pytest.fixture(scope="module")
def extended(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("rule_extension")
    project = tmp / "dbt"
    shutil.copytree(DBT_DIR, project, ignore=shutil.ignore_patterns("target", "logs"))
    touched = add_rule(project, "made_up_tiny_staff")
    db = tmp / "budget.duckdb"
    load_documents(db, SEEDS)
    result = run_dbt(project, db, tmp)
    assert result.returncode == 0, f"dbt build failed:\n{result.stdout[-8000:]}\n{result.stderr[-4000:]}"
    yield project, db, tmp, touched


def test_the_extension_touches_two_files(extended):
    project, _, _, touched = extended
    changed = {
        p.relative_to(project).as_posix()
        for p in project.rglob("*")
        if p.is_file() and p.read_bytes() != (DBT_DIR / p.relative_to(project)).read_bytes()
    }
    assert (
        changed
        == {p.relative_to(project).as_posix() for p in touched}
        == {
            "seeds/quality_rules.csv",
            "models/intermediate/checks/chk_plausibility_bands.sql",
        }
    )


def test_made_up_rule_fires_for_the_seed_below_the_bound(extended):
    _, db, _, _ = extended
    con = duckdb.connect(str(db), read_only=True)
    try:
        issues = rows(
            con,
            """
            select q.*, d.file_name from marts.quality_issues q join raw.documents d using (document_id)
            where q.rule = 'made_up_tiny_staff'
        """,
        )
        [quangang_id] = [
            r["document_id"]
            for r in rows(con, "select document_id from raw.documents where file_name = ?", [QUANGANG.name])
        ]
        staff = {
            r["unit_name"]: r["in_service_staff"]
            for r in rows(con, "select unit_name, in_service_staff from marts.unit_metrics")
        }
    finally:
        con.close()
    assert [
        (
            i["document_id"],
            i["file_name"],
            i["unit_name"],
            i["expected"],
            i["found"],
            i["severity"],
            i["category"],
        )
        for i in issues
    ] == [
        (
            quangang_id,
            QUANGANG.name,
            "泉州市泉港区社会保险中心",
            Decimal("20.00"),
            Decimal("14.00"),
            "info",
            "plausibility",
        )
    ]
    assert issues[0]["detail"] == "在职人员 14 below 20.000000"
    # the other seeds have 20 or more 在职人员
    assert staff["泉州市泉港区社会保险中心"] == 14
    assert all(n >= 20 for unit, n in staff.items() if unit != "泉州市泉港区社会保险中心" and n is not None)


def test_a_rule_not_in_the_catalogue_fails_the_build(extended):
    project, db, tmp, _ = extended
    model = project / "models" / "intermediate" / "checks" / "chk_plausibility_bands.sql"
    text = model.read_text(encoding="utf-8")
    model.write_text(text.replace("rule=\"'made_up_tiny_staff'\"", "rule=\"'made_up_not_in_catalogue'\""))
    try:
        result = run_dbt(project, db, tmp, "--select", "chk_plausibility_bands")
    finally:
        model.write_text(text, encoding="utf-8")
    assert result.returncode != 0
    failed = [line for line in result.stdout.splitlines() if "FAIL" in line and "relationships" in line]
    assert failed and all("chk_plausibility_bands_rule" in line for line in failed), result.stdout[-4000:]
