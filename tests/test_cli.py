"""The ``budget-warehouse`` command line, end to end with real components (no mocks).

One warehouse for the module: two seed disclosures copied into a tmp raw folder and built by
``main(["build", "--raw-dir", …, "--warehouse", …, "--json"])`` — the same function the console script calls.
Then: the JSON of build and report, the exit status of an ambiguous and of an unknown DOCUMENT, ``--version``,
help with examples, ``report`` into a closed pipe (the console script in a subprocess), ``sql`` on the
published copy, the identity section (with evidence, and degraded without it), and ``dbt`` passthrough
followed by another build (the regression of dbt storing a relative project root in partial_parse.msgpack).
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import subprocess
import sys
from decimal import Decimal
from importlib import metadata
from pathlib import Path
from types import SimpleNamespace

import duckdb
import msgpack
import pytest

from dagster_project.build import BuildReport
from dagster_project.cli import BROKEN_PIPE, main
from dagster_project.defs.settings import REPO_ROOT, WarehouseSettings, dbt_project_dir
from dagster_project.report import NO_IDENTITY_EVIDENCE
from dagster_project.summary import render_lines, summary_renderables

LIAOYUAN = "辽源市社会保险事业管理局"
SEED_FILES = ("000_", "001_")  # 辽源 and 长春: both units are 社会保险 bodies, so "社会保险" is ambiguous


def run(argv: list[str]) -> SimpleNamespace:
    """``main(argv)`` in this process; its exit status, stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(argv)
    return SimpleNamespace(status=status, out=out.getvalue(), err=err.getvalue())


def build_into(raw: Path, warehouse: Path) -> SimpleNamespace:
    with pytest.MonkeyPatch.context() as env:  # build sets BUDGET_WAREHOUSE for dbt: restore it afterwards
        env.setenv("BUDGET_WAREHOUSE", str(warehouse))
        env.delenv("BUDGET_PUBLISHED", raising=False)
        env.delenv("DAGSTER_HOME", raising=False)
        return run(["build", "--raw-dir", str(raw), "--warehouse", str(warehouse), "--json"])


@pytest.fixture(scope="module")
def built(tmp_path_factory, seed_disclosures):
    root = tmp_path_factory.mktemp("cli")
    raw = root / "raw"
    raw.mkdir()
    for path in seed_disclosures:
        if path.name.startswith(SEED_FILES):
            shutil.copy(path, raw / path.name)
    warehouse = root / "warehouse" / "budget.duckdb"
    result = build_into(raw, warehouse)
    assert result.status == 0, result.err[-4000:] + result.out[-4000:]
    return SimpleNamespace(root=root, raw=raw, warehouse=warehouse, build=result)


def wh(built) -> list[str]:
    return ["--warehouse", str(built.warehouse)]


# --------------------------------------------------------------------------- build


def test_build_json_is_the_summary(built):
    summary = json.loads(built.build.out)
    assert summary["ok"] is True and summary["status"] == "ok"
    assert summary["counts"]["loaded"] == 2 and summary["counts"]["quarantined"] == 0
    units = {d["unit_name"] for d in summary["documents"]}
    assert LIAOYUAN in units and {d["fiscal_year"] for d in summary["documents"]} == {2024}
    assert set(summary["phases_seconds"]) >= {"extract_load", "dbt", "publish", "total"}
    assert all(seconds > 0 for seconds in summary["phases_seconds"].values())
    assert summary["dbt"]["ok"] and "PASS=" in summary["dbt"]["summary"]
    assert summary["marts_are_this_builds"] and summary["published_by_this_build"]
    liaoyuan = next(row for row in summary["unit_metrics"] if row["unit_name"] == LIAOYUAN)
    assert isinstance(liaoyuan["total_expenditure"], str)  # a Decimal, as a string
    assert Decimal(liaoyuan["total_expenditure"]) == Decimal("1292.07")


def test_build_progress_goes_to_stderr_with_counts_and_phases(built):
    err = built.build.err
    assert "[1/2]" in err and "[2/2]" in err and "elapsed" in err
    assert "dbt build …" in err and "dbt build done" in err
    assert "Traceback" not in err


def test_a_failed_build_shows_no_comparison_table_as_new(built):
    """A dbt error: the summary says the build failed and that the published marts are the previous ones."""
    settings = WarehouseSettings(raw_dir=built.raw, warehouse_path=built.warehouse)
    failed = BuildReport(settings=settings, dbt_ran=True, dbt_error="DbtError: a model failed")
    text = "\n".join(render_lines(summary_renderables(failed)))
    assert "build FAILED" in text and "dbt FAILED: DbtError: a model failed" in text
    assert "still the previous build's" in text and str(settings.published_file) in text
    assert "marts.unit_metrics" not in text and LIAOYUAN not in text
    succeeded = BuildReport(settings=settings, dbt_ran=True)
    assert "marts.unit_metrics" in "\n".join(render_lines(summary_renderables(succeeded)))


# --------------------------------------------------------------------------- report


def test_report_json_has_the_report_content(built):
    result = run(["report", "辽源", *wh(built), "--json"])
    assert result.status == 0, result.err
    report = json.loads(result.out)
    assert report["document"]["unit_name"] == LIAOYUAN and report["document"]["fiscal_year"] == 2024
    assert len(report["tables"]) == 11
    personnel = next(f for f in report["key_figures"] if f["figure"] == "personnel_expenditure")
    assert personnel["value"] == "1101.590000" and "line 224" in personnel["origin"]
    assert report["checks"]["rules_passed"] and report["checks"]["issues"]
    unit = next(a for a in report["identity"]["attributes"] if a["attribute"] == "unit_name")
    assert unit["chosen"] == LIAOYUAN


def test_report_text_is_rich_tables_with_an_identity_section(built):
    result = run(["report", "辽源", *wh(built)])
    assert result.status == 0, result.err
    for heading in ("Tables found: 11", "Checks:", "Key figures", "Identity"):
        assert heading in result.out
    identity = result.out[result.out.index("Identity") :]
    for attribute in ("unit_name", "fiscal_year", "document_kind", "scope"):
        assert attribute in identity
    assert LIAOYUAN in identity


def test_ambiguous_document_lists_the_candidates_and_exits_2(built):
    result = run(["report", "社会保险", *wh(built)])
    assert result.status == 2
    assert "matches 2 documents" in result.err and LIAOYUAN in result.err and "长春" in result.err
    as_json = run(["report", "社会保险", *wh(built), "--json"])
    assert as_json.status == 2
    error = json.loads(as_json.out)
    assert error["error"] == "ambiguous" and len(error["candidates"]) == 2


def test_an_exact_file_name_is_not_ambiguous(built):
    name = next(p.name for p in built.raw.iterdir() if p.name.startswith("000_"))
    assert run(["report", name, *wh(built)]).status == 0


def test_unknown_document_exits_2(built):
    result = run(["report", "no-such-unit", *wh(built)])
    assert result.status == 2 and "no document matches" in result.err
    assert json.loads(run(["report", "no-such-unit", *wh(built), "--json"]).out)["error"] == "not_found"


def test_identity_section_shows_the_evidence(built, tmp_path):
    """Evidence written into a copy of the warehouse: chosen value, source, runner-up, why, invalid ones."""
    warehouse = tmp_path / "budget.duckdb"
    shutil.copy(built.warehouse, warehouse)
    con = duckdb.connect(str(warehouse))
    try:
        document_id = con.execute(
            "SELECT document_id FROM raw.documents WHERE unit_name = ?", [LIAOYUAN]
        ).fetchone()[0]
        con.execute(
            """CREATE TABLE IF NOT EXISTS raw.identity_evidence (document_id VARCHAR, attribute VARCHAR,
                   value VARCHAR, source VARCHAR, location VARCHAR, weight INTEGER, is_valid BOOLEAN,
                   invalid_reason VARCHAR, is_chosen BOOLEAN)"""
        )
        for column in ("unit_name_source", "unit_name_runner_up"):
            con.execute(f"ALTER TABLE raw.documents ADD COLUMN IF NOT EXISTS {column} VARCHAR")
        con.execute("DELETE FROM raw.identity_evidence WHERE document_id = ?", [document_id])
        rows = [
            ("unit_name", LIAOYUAN, "cover_label", "line 3", 10, True, "", True),
            *[
                ("unit_name", LIAOYUAN, "table_compiler", f"line {n}", 5, True, "", True)
                for n in (68, 107, 118)
            ],
            ("unit_name", "辽源市医疗保障局", "file_name", "file name", 1, True, "", False),
            ("unit_name", "单位：万元", "table_compiler", "line 70", 5, False, "holds 万元", False),
            ("fiscal_year", "2024", "cover_title", "line 3", 8, True, "", True),
        ]
        con.executemany(
            "INSERT INTO raw.identity_evidence VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(document_id, *row) for row in rows],
        )
        con.execute(
            "UPDATE raw.documents SET unit_name_source = 'cover_label', unit_name_runner_up = '辽源市医疗保障局' "
            "WHERE document_id = ?",
            [document_id],
        )
    finally:
        con.close()

    result = run(["report", document_id, "--warehouse", str(warehouse), "--json"])
    assert result.status == 0, result.err
    identity = json.loads(result.out)["identity"]
    assert identity["evidence_recorded"] is True
    unit = next(a for a in identity["attributes"] if a["attribute"] == "unit_name")
    assert (unit["chosen"], unit["source"], unit["runner_up"]) == (
        LIAOYUAN,
        "cover_label",
        "辽源市医疗保障局",
    )
    chosen, runner_up, invalid = unit["candidates"]
    assert chosen["value"] == LIAOYUAN and chosen["is_chosen"]
    assert chosen["score"] == 10 + 5 + 2  # cover_label, table_compiler, two repetitions
    assert [s["source"] for s in chosen["sources"]] == ["cover_label", "table_compiler"]
    assert runner_up["value"] == "辽源市医疗保障局" and runner_up["score"] == 1
    assert invalid["is_valid"] is False and invalid["invalid_reasons"] == ["holds 万元"]
    assert "score 17" in unit["why"] and "runner-up 辽源市医疗保障局 scores 1" in unit["why"]

    text = run(["report", document_id, "--warehouse", str(warehouse)]).out
    identity_text = text[text.index("Identity") :]
    assert "cover_label" in identity_text and "no: holds 万元" in identity_text and "✓" in identity_text


def test_identity_section_degrades_without_the_evidence_table(built, tmp_path):
    warehouse = tmp_path / "budget.duckdb"
    shutil.copy(built.warehouse, warehouse)
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("DROP TABLE IF EXISTS raw.identity_evidence")
    finally:
        con.close()
    result = run(["report", "辽源", "--warehouse", str(warehouse), "--json"])
    assert result.status == 0, result.err
    identity = json.loads(result.out)["identity"]
    assert identity["evidence_recorded"] is False and identity["note"] == NO_IDENTITY_EVIDENCE
    assert next(a for a in identity["attributes"] if a["attribute"] == "unit_name")["chosen"] == LIAOYUAN
    text = run(["report", "辽源", "--warehouse", str(warehouse)])
    assert text.status == 0 and NO_IDENTITY_EVIDENCE in text.out


def test_report_into_a_closed_pipe_exits_quietly(built):
    """The console script, its stdout a pipe whose reader is gone: status 141, no traceback."""
    script = Path(sys.executable).parent / "budget-warehouse"
    process = subprocess.Popen(
        [str(script), "report", "辽源", *wh(built)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO_ROOT,
    )
    process.stdout.close()  # before the report is written: every write meets EPIPE
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=120) == BROKEN_PIPE
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr, stderr

    piped = subprocess.run(
        [
            "bash",
            "-c",
            f"'{script}' report 辽源 --warehouse '{built.warehouse}' | head -1; exit ${{PIPESTATUS[0]}}",
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO_ROOT,
    )
    assert piped.returncode in (0, BROKEN_PIPE) and "Traceback" not in piped.stderr, piped.stderr
    assert piped.stdout.startswith(LIAOYUAN)


# --------------------------------------------------------------------------- the rest


def test_version_is_the_package_version():
    result = run(["--version"])
    assert (
        result.status == 0
        and result.out.strip() == f"budget-warehouse {metadata.version('budget-warehouse')}"
    )


@pytest.mark.parametrize("command", ["build", "report", "sql", "dbt", "export"])
def test_every_command_has_examples_and_exit_codes_in_its_help(command):
    result = run([command, "--help"])
    assert result.status == 0
    assert (
        "Examples" in result.out
        and f"budget-warehouse {command}" in result.out
        and "Exit status" in result.out
    )


def test_usage_errors_exit_2():
    assert run([]).status == 2
    assert run(["no-such-command"]).status == 2
    assert run(["report"]).status == 2  # DOCUMENT missing


def test_sql_reads_the_published_copy(built):
    result = run(["sql", "select count(*) as n from marts.unit_metrics", *wh(built)])
    assert result.status == 0, result.err
    assert result.out.strip().splitlines()[-1].strip() == "2"
    assert "published" in result.err  # "(1 row from …/published/budget_marts.duckdb)"
    query = "select unit_name, total_expenditure from marts.unit_metrics order by unit_name"
    rows = json.loads(run(["sql", query, *wh(built), "--json"]).out)
    assert len(rows) == 2 and any(
        r["unit_name"] == LIAOYUAN and r["total_expenditure"] == "1292.070000" for r in rows
    )
    assert run(["sql", "create table marts.x (a int)", *wh(built)]).status == 1  # read-only
    assert run(["sql", "select * from no_such_table", *wh(built)]).status == 1


def test_a_held_warehouse_is_busy_exit_3_with_the_holder_in_json(tmp_path, seed_disclosures):
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(seed_disclosures[2], raw / seed_disclosures[2].name)
    warehouse = tmp_path / "w.duckdb"
    hold = "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True); time.sleep(120)"
    holder = subprocess.Popen([sys.executable, "-c", hold, str(warehouse)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"  # another process holds the file read-write
        result = run(["build", "--raw-dir", str(raw), "--warehouse", str(warehouse), "--json"])
    finally:
        holder.kill()
        holder.wait()
    assert result.status == 3
    busy = json.loads(result.out)
    assert busy["error"] == "busy" and f"pid {holder.pid}" in busy["message"]


def test_export_writes_a_valid_release_of_the_published_marts(built, tmp_path):
    out = tmp_path / "release"
    result = run(["export", str(out), *wh(built), "--json"])
    assert result.status == 0, result.err
    summary = json.loads(result.out)
    assert summary["tables"]["unit_metrics"] == 2 and summary["phase"] == "approved"
    csv_text = (out / "data" / "unit_metrics.csv").read_text(encoding="utf-8")
    assert "1292.070000" in csv_text and not csv_text.startswith("\ufeff")
    assert json.loads((out / "datapackage.json").read_text(encoding="utf-8"))["resources"]
    assert run(["export", str(built.raw), *wh(built)]).status == 1  # not a release folder: refused, untouched
    assert sorted(p.name for p in built.raw.iterdir())


def test_dbt_passthrough_then_build_succeeds(built, monkeypatch):
    """``budget-warehouse dbt parse`` from the repository root (where ``dbt --project-dir dbt`` stored the
    relative root that broke the next build) leaves absolute roots in partial_parse.msgpack; a build follows."""
    monkeypatch.chdir(REPO_ROOT)
    with pytest.MonkeyPatch.context() as env:
        env.delenv("BUDGET_WAREHOUSE", raising=False)
        status = main(["dbt", "--warehouse", str(built.warehouse), "parse"])
    assert status == 0
    project = dbt_project_dir()
    with open(project / "target" / "partial_parse.msgpack", "rb") as handle:
        state = msgpack.unpack(handle, raw=False, strict_map_key=False)
    roots = {
        f["path"]["project_root"]
        for f in state["files"].values()
        if f.get("project_name") == "budget_warehouse"
    }
    assert roots == {str(project)}
    assert (
        run(["dbt", "--project-dir", "dbt", "parse"]).status == 2
    )  # the flags are the CLI's, not the user's

    again = build_into(built.raw, built.warehouse)
    assert again.status == 0, again.err[-4000:]
    assert json.loads(again.out)["ok"] is True
