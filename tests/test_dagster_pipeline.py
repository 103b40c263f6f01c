"""The orchestration, end to end with real components: extract → DuckDB raw layer → dbt build → marts.

The build test runs once per module (it is slow): the five seed disclosures plus one news text go through
``build_warehouse`` — the function behind ``budget-warehouse build`` — twice, on tmp paths.
"""

import re
import shutil
from datetime import UTC, datetime
from types import SimpleNamespace

import dagster as dg
import duckdb
import pytest
from dagster_duckdb import DuckDBResource

from dagster_project.build import build_warehouse
from dagster_project.definitions import build_definitions, defs
from dagster_project.defs.extraction.batch import WORKERS_ENV
from dagster_project.defs.marts.checks import document_quality
from dagster_project.defs.raw_documents.folder import RawFolderResource
from dagster_project.defs.raw_documents.partitions import add_arrival, arrivals
from dagster_project.defs.raw_documents.schedule import nightly_build
from dagster_project.defs.raw_documents.sensor import raw_folder_sensor
from dagster_project.defs.settings import WarehouseSettings
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
    """raw_disclosure (partitioned per arrival batch) → staging → marts.unit_metrics (not partitioned)."""
    graph = defs.resolve_asset_graph()
    raw = dg.AssetKey("raw_disclosure")
    assert isinstance(graph.get(raw).partitions_def, dg.DynamicPartitionsDefinition)
    assert graph.get(raw).partitions_def.name == arrivals.name
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


ARRIVAL_KEY = re.compile(r"\d{8}T\d{6}Z(-\d{3})?")


def test_arrival_keys_are_the_utc_time_unique_and_sortable():
    found = datetime(2026, 12, 1, 2, 0, 0, tzinfo=UTC)
    with dg.instance_for_test() as instance:
        keys = [add_arrival(instance, found) for _ in range(3)]
        later = add_arrival(instance, datetime(2026, 12, 1, 2, 0, 1, tzinfo=UTC))
        assert instance.get_dynamic_partitions(arrivals.name) == [*keys, later]
    assert keys == ["20261201T020000Z", "20261201T020000Z-001", "20261201T020000Z-002"]
    assert sorted([later, *keys]) == [*keys, later]


def test_the_sensor_adds_one_arrival_and_one_run_when_the_listing_changes(raw_dir):
    resources = {"raw_folder": RawFolderResource(path=str(raw_dir))}
    with dg.instance_for_test() as instance:
        with dg.build_sensor_context(instance=instance, resources=resources) as context:
            first = raw_folder_sensor(context)
        [add] = first.dynamic_partitions_requests
        [run] = first.run_requests
        assert add.partitions_def_name == arrivals.name and list(add.partition_keys) == [run.partition_key]
        assert ARRIVAL_KEY.fullmatch(run.partition_key) and run.run_key == run.partition_key
        assert first.cursor
        instance.add_dynamic_partitions(add.partitions_def_name, list(add.partition_keys))  # as the daemon

        with dg.build_sensor_context(instance=instance, resources=resources, cursor=first.cursor) as context:
            unchanged = raw_folder_sensor(context)
        assert isinstance(unchanged, dg.SkipReason)

        (raw_dir / "notes.md").write_text("not a disclosure file type, edited", encoding="utf-8")
        with dg.build_sensor_context(instance=instance, resources=resources, cursor=first.cursor) as context:
            changed = raw_folder_sensor(context)
        [add_again] = changed.dynamic_partitions_requests
        [run_again] = changed.run_requests
        assert list(add_again.partition_keys) == [run_again.partition_key] != [run.partition_key]
        assert changed.cursor != first.cursor
        assert instance.get_dynamic_partitions(arrivals.name) == [run.partition_key]


def test_the_sensor_skips_an_empty_folder(tmp_path):
    resources = {"raw_folder": RawFolderResource(path=str(tmp_path))}
    with (
        dg.instance_for_test() as instance,
        dg.build_sensor_context(instance=instance, resources=resources) as context,
    ):
        result = raw_folder_sensor(context)
    assert not result.run_requests and not result.dynamic_partitions_requests and result.skip_reason


def test_nightly_schedule_adds_one_arrival_and_asks_for_it(raw_dir):
    resources = {"raw_folder": RawFolderResource(path=str(raw_dir))}
    with dg.instance_for_test() as instance:
        with dg.build_schedule_context(
            instance=instance, resources=resources, repository_def=defs.get_repository_def()
        ) as context:
            [request] = nightly_build.evaluate_tick(context).run_requests
        keys = instance.get_dynamic_partitions(arrivals.name)
    assert keys == [request.partition_key] and ARRIVAL_KEY.fullmatch(request.partition_key)


def _counters(result: dg.ExecuteInProcessResult) -> dict[str, int]:
    [materialization] = result.asset_materializations_for_node("raw_disclosure")
    return {key: value.value for key, value in materialization.metadata.items() if key.startswith("files_")}


def test_an_arrival_loads_what_is_new_and_again_reads_nothing(raw_dir, tmp_path):
    """A materialization of an arrival loads the folder; the same partition materialized again reads nothing
    (idempotent); a later arrival reads only the file added since.  The raw checks pass each time."""
    warehouse = tmp_path / "warehouse" / "budget.duckdb"
    load = build_definitions(WarehouseSettings(raw_dir=raw_dir, warehouse_path=warehouse)).resolve_job_def(
        "load_disclosures"
    )
    entries = len(list(raw_dir.iterdir()))
    with pytest.MonkeyPatch.context() as env, dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        env.setenv(WORKERS_ENV, "1")
        arrival = add_arrival(instance)
        first = load.execute_in_process(instance=instance, partition_key=arrival)
        again = load.execute_in_process(instance=instance, partition_key=arrival)
        (raw_dir / "extra.md").write_text("another entry that is no disclosure", encoding="utf-8")
        later = load.execute_in_process(instance=instance, partition_key=add_arrival(instance))
        for result in (first, again, later):
            assert result.success
            assert all(check.passed for check in result.get_asset_check_evaluations())
        events = instance.fetch_materializations(dg.AssetKey("raw_disclosure"), limit=100).records
    assert _counters(first) == {
        "files_seen": entries,
        "files_unchanged": 0,
        "files_extracted": entries,
        "files_loaded": 5,
        "files_quarantined": 2,
        "files_missing": 0,
        "files_removed": 0,
        "files_replaced": 0,
    }
    assert _counters(again) == {
        **_counters(first),
        "files_unchanged": entries,
        "files_extracted": 0,
        "files_loaded": 0,
        "files_quarantined": 0,
    }
    assert (_counters(later)["files_seen"], _counters(later)["files_extracted"]) == (entries + 1, 1)
    assert _counters(later)["files_quarantined"] == 1
    assert [e.partition_key for e in events].count(arrival) == 2 and len(events) == 3


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
        events_after_first = _raw_materializations(instance)
        second = build_warehouse(instance=instance, echo=lines.append)
        after = _snapshot(warehouse) if second.ok else None
        events_after_second = _raw_materializations(instance)
        arrivals_held = instance.get_dynamic_partitions(arrivals.name)
    return SimpleNamespace(
        raw=raw,
        warehouse=warehouse,
        first=first,
        second=second,
        before=before,
        after=after,
        events=SimpleNamespace(first=events_after_first, second=events_after_second),
        arrivals=arrivals_held,
        output="\n".join(lines),
    )


def _raw_materializations(instance: dg.DagsterInstance) -> list:
    return instance.fetch_materializations(dg.AssetKey("raw_disclosure"), limit=1000).records


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


def test_a_build_over_many_files_records_one_materialization(built):
    """The build over six files is ONE arrival and ONE materialization event of raw_disclosure (not one per
    file); the second build, with nothing new, adds neither."""
    assert built.first.ok and built.second.ok, built.output
    [event] = built.events.first
    assert built.arrivals == [event.partition_key] and ARRIVAL_KEY.fullmatch(event.partition_key)
    metadata = event.asset_materialization.metadata
    assert (metadata["files_seen"].value, metadata["files_extracted"].value) == (6, 6)
    assert NEWS_FILE in metadata["read_files"].value
    assert built.events.second == built.events.first


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
