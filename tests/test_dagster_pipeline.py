"""The orchestration, end to end with real components: extract → DuckDB raw layer → dbt build → marts.

The build test runs once per module (it is slow): the five seed disclosures plus one news text go through
``build_warehouse`` — the function behind ``budget-warehouse build`` — twice, on tmp paths.
"""

import shutil
from types import SimpleNamespace

import dagster as dg
import duckdb
import pytest
from dagster_duckdb import DuckDBResource

from dagster_project.build import build_warehouse
from dagster_project.definitions import defs
from dagster_project.defs.marts.checks import document_quality
from dagster_project.defs.raw_documents.folder import RawFolderResource
from dagster_project.defs.raw_documents.partitions import disclosures
from dagster_project.defs.raw_documents.schedule import nightly_build
from dagster_project.defs.raw_documents.sensor import raw_folder_sensor
from dagster_project.report import print_report, report_lines

NEWS_FILE = "999_news.txt"

# dagster-dbt calls a deprecated context accessor internally
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:dagster_dbt")


# --------------------------------------------------------------------------- definitions
def test_definitions_load():
    dg.Definitions.validate_loadable(defs)
    for job in ("load_disclosures", "build_marts", "build_warehouse"):
        assert defs.resolve_job_def(job).name == job
    schedule = defs.resolve_schedule_def("nightly_build")
    assert schedule.cron_schedule == "0 2 * * *"
    assert schedule.execution_timezone == "Asia/Shanghai"
    assert schedule.job_name == "build_warehouse"
    sensor = defs.resolve_sensor_def("raw_folder_sensor")
    assert sensor.job_name == "load_disclosures"


def test_dbt_reads_raw_from_the_load_asset():
    """raw_disclosure (partitioned per file) → staging → marts.unit_metrics (not partitioned)."""
    graph = defs.resolve_asset_graph()
    raw = dg.AssetKey("raw_disclosure")
    assert isinstance(graph.get(raw).partitions_def, dg.DynamicPartitionsDefinition)
    [unit_metrics] = [key for key in graph.get_all_asset_keys() if key.path[-1] == "unit_metrics"]
    assert graph.get(unit_metrics).partitions_def is None
    ancestors, frontier = set(), [unit_metrics]
    while frontier:
        parents = graph.get(frontier.pop()).parent_keys - ancestors
        ancestors |= parents
        frontier.extend(parents)
    assert raw in ancestors
    assert not any(key.path[0] == "raw" for key in ancestors), "a dbt source is not mapped to raw_disclosure"


@pytest.fixture
def raw_dir(tmp_path, seed_disclosures, news_text):
    raw = tmp_path / "raw"
    raw.mkdir()
    for path in seed_disclosures:
        shutil.copy(path, raw / path.name)
    (raw / NEWS_FILE).write_text(news_text, encoding="utf-8")
    # every entry of the inbox is a partition, whatever its suffix: one that is no disclosure is quarantined with
    # its reason, never silently ignored (docs/reliability.md)
    (raw / "notes.md").write_text("not a disclosure file type", encoding="utf-8")
    return raw


def test_sensor_adds_a_partition_and_a_run_per_file(raw_dir):
    resources = {"raw_folder": RawFolderResource(path=str(raw_dir))}
    with (
        dg.instance_for_test() as instance,
        dg.build_sensor_context(instance=instance, resources=resources) as context,
    ):
        result = raw_folder_sensor(context)
    expected = sorted(path.name for path in raw_dir.iterdir() if not path.name.startswith("."))
    assert "notes.md" in expected
    assert sorted(r.partition_key for r in result.run_requests) == expected
    [add] = result.dynamic_partitions_requests
    assert add.partitions_def_name == disclosures.name and sorted(add.partition_keys) == expected
    assert len({r.run_key for r in result.run_requests}) == len(expected)


def test_nightly_schedule_asks_for_every_partition_in_one_run(raw_dir):
    resources = {"raw_folder": RawFolderResource(path=str(raw_dir))}
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(disclosures.name, ["gone.txt"])
        with dg.build_schedule_context(instance=instance, resources=resources) as context:
            [request] = nightly_build.evaluate_tick(context).run_requests
        keys = instance.get_dynamic_partitions(disclosures.name)
    assert sorted(keys) == sorted(path.name for path in raw_dir.iterdir() if not path.name.startswith("."))
    assert request.tags["dagster/asset_partition_range_start"] == keys[0]
    assert request.tags["dagster/asset_partition_range_end"] == keys[-1]


# --------------------------------------------------------------------------- the whole path
def _snapshot(warehouse) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return {
            "unit_metrics": con.execute("SELECT * FROM marts.unit_metrics ORDER BY document_id").fetchall(),
            "fct_expenditure_by_function": con.execute(
                "SELECT * FROM marts.fct_expenditure_by_function ORDER BY ALL"
            ).fetchall(),
        }
    finally:
        con.close()


@pytest.fixture(scope="module")
def built(tmp_path_factory, seed_disclosures, news_text):
    root = tmp_path_factory.mktemp("warehouse_build")
    raw = root / "raw"
    raw.mkdir()
    for path in seed_disclosures:
        shutil.copy(path, raw / path.name)
    (raw / NEWS_FILE).write_text(news_text, encoding="utf-8")
    warehouse = root / "warehouse" / "budget.duckdb"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("BUDGET_RAW_DIR", str(raw))
        env.setenv("BUDGET_WAREHOUSE", str(warehouse))
        env.delenv("DAGSTER_HOME", raising=False)
        instance = dg.DagsterInstance.ephemeral()
        lines: list[str] = []
        first = build_warehouse(instance=instance, echo=lines.append)
        before = _snapshot(warehouse) if first.ok else None
        second = build_warehouse(instance=instance, echo=lines.append)
        after = _snapshot(warehouse) if second.ok else None
    return SimpleNamespace(
        raw=raw,
        warehouse=warehouse,
        first=first,
        second=second,
        before=before,
        after=after,
        output="\n".join(lines),
    )


def test_build_loads_five_documents_and_quarantines_the_news(built):
    assert built.first.ok, built.output
    assert sorted(o.file_name for o in built.first.loaded) == sorted(p.name for p in built.raw.glob("0*.txt"))
    [quarantined] = built.first.quarantined
    assert quarantined.file_name == NEWS_FILE and quarantined.reason
    con = duckdb.connect(str(built.warehouse), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM raw.documents").fetchone()[0] == 5
        rows = con.execute("SELECT file_name, reason, detail FROM raw.quarantine").fetchall()
        assert len(rows) == 1 and rows[0][0] == NEWS_FILE and rows[0][1]
        assert con.execute("SELECT count(*) FROM marts.unit_metrics").fetchone()[0] == 5
    finally:
        con.close()
    assert "quarantined" in built.output and "marts.unit_metrics" in built.output


def test_loading_the_same_folder_twice_gives_identical_marts(built):
    assert built.second.ok, built.output
    assert built.before is not None and built.after is not None
    assert built.after == built.before


def test_build_summary_lists_issues_per_document(built):
    assert "quality issues per disclosure" in built.output
    assert (
        "three_public_table_vs_prose" in built.output
    )  # 长春: 三公 vehicle 5.40 in the table, 0 in the prose


def test_report_explains_a_document(built):
    lines = report_lines(built.warehouse, "辽源")
    text = "\n".join(lines)
    assert "Tables found: 11" in text
    assert "fails its own sums — excluded" in text  # the garbled 一般公共预算支出表
    assert "Missing standard tables: none" in text
    personnel = next(line for line in lines if line.strip().startswith("personnel_expenditure"))
    assert "1,101.59" in personnel and "line 224" in personnel and "conflicting values recorded" in personnel
    prose_only = "\n".join(report_lines(built.warehouse, "巴中"))
    assert "Tables found: 0" in prose_only and "operating_exceeds_public_and_three_public" in prose_only
    said: list[str] = []
    assert print_report(built.warehouse, NEWS_FILE, echo=said.append) == 1
    assert "quarantined" in said[0] and "not_a_budget_disclosure" in said[0]


def test_an_error_holds_back_only_that_document(tmp_path, seed_disclosures):
    """A copy of a seed dated 2099 (an implausible year) is held back; the original still publishes."""
    raw = tmp_path / "raw"
    raw.mkdir()
    original = next(p for p in seed_disclosures if p.name.startswith("002_"))
    shutil.copy(original, raw / original.name)
    text = original.read_text(encoding="utf-8").replace("2024", "2099")
    (raw / "002_year_2099.txt").write_text(text, encoding="utf-8")
    warehouse = tmp_path / "warehouse" / "budget.duckdb"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("BUDGET_RAW_DIR", str(raw))
        env.setenv("BUDGET_WAREHOUSE", str(warehouse))
        report = build_warehouse(instance=dg.DagsterInstance.ephemeral(), echo=lambda _: None)
    assert report.ok and len(report.loaded) == 2
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        years = con.execute("SELECT fiscal_year FROM marts.unit_metrics").fetchall()
        issues = con.execute(
            "SELECT rule, severity, document_published FROM marts.quality_issues WHERE fiscal_year = 2099"
        ).fetchall()
    finally:
        con.close()
    assert years == [(2024,)]
    assert ("fiscal_year_implausible", "error", False) in issues
    result = document_quality(dg.build_asset_check_context(), duckdb=DuckDBResource(database=str(warehouse)))
    assert not result.passed and len(result.metadata["held_back"].value) == 1
