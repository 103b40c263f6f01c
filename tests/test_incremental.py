"""Incremental builds, end to end with real components (DuckDB, dbt, Dagster; no mocks).

One module-scoped sequence on tmp paths: a build of three seeds (two extraction workers), then a file added, a
file changed (one amount of a seed copy) and a file removed — only those are read, and the marts equal a
build from scratch of the final folder with one worker (serial) row for row; then a build with nothing new
reads nothing and skips dbt.  The sensor path: a new file lands in the marts through ``raw_folder_sensor``
(one arrival), ``load_disclosures`` and ``marts_after_loads`` → ``build_marts``, without the schedule.  A load
step that fails because another process holds the warehouse is retried and succeeds once it is released.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import dagster as dg
import duckdb
import pytest

from dagster_project.build import build_warehouse
from dagster_project.defs.extraction.batch import WORKERS_ENV
from dagster_project.defs.raw_documents import folder
from dagster_project.defs.raw_documents.folder import document_id_for
from dagster_project.defs.settings import WarehouseSettings
from warehouse import reasons

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

TABLE_AMOUNT = re.compile(r"(?<![\d.])(\d+)\.(\d\d)(?![\d.])")
RAW_TABLES = ("documents", "tables", "table_facts", "prose_facts", "extraction_warnings", "identity_evidence")


def _build(raw: Path, warehouse: Path, workers: int, instance=None):
    settings = WarehouseSettings(raw_dir=raw, warehouse_path=warehouse)
    lines: list[str] = []
    with pytest.MonkeyPatch.context() as env:
        env.setenv(WORKERS_ENV, str(workers))
        env.setenv("BUDGET_WAREHOUSE", str(warehouse))
        env.delenv("DAGSTER_HOME", raising=False)
        report = build_warehouse(
            settings, instance=instance or dg.DagsterInstance.ephemeral(), echo=lines.append, summary=True
        )
    return report, "\n".join(lines)


def _rows(warehouse: Path, schema: str) -> dict[str, list[tuple]]:
    """Every table of ``schema``, rows sorted, without the ``*_at`` columns (when a row was written)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE schema_name = ? ORDER BY 1", [schema]
            ).fetchall()
            if schema != "raw" or r[0] in RAW_TABLES
        ]
        out = {}
        for table in tables:
            columns = [
                r[0]
                for r in con.execute(
                    "SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? "
                    "ORDER BY column_index",
                    [schema, table],
                ).fetchall()
                if not r[0].endswith("_at")
            ]
            select = ", ".join(f'"{c}"' for c in columns)
            out[table] = con.execute(f'SELECT {select} FROM {schema}."{table}" ORDER BY ALL').fetchall()
        return out
    finally:
        con.close()


def _changed_copy(seed: Path) -> str:
    """The seed's text with its first table amount raised by 0.01 (other bytes, another document)."""
    text = seed.read_text(encoding="utf-8")
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if "\t" in line and TABLE_AMOUNT.search(line):
            match = TABLE_AMOUNT.search(line)
            cents = int(match[1]) * 100 + int(match[2]) + 1
            lines[i] = line[: match.start()] + f"{cents // 100}.{cents % 100:02d}" + line[match.end() :]
            return "\n".join(lines)
    raise AssertionError(f"no table amount in {seed.name}")


@pytest.fixture(scope="module")
def runs(tmp_path_factory, seed_disclosures):
    root = tmp_path_factory.mktemp("incremental")
    raw = root / "raw"
    raw.mkdir()
    first, second, third, fourth = seed_disclosures[:4]
    for seed in (first, second, third):
        shutil.copy(seed, raw / seed.name)
    warehouse = root / "warehouse" / "budget.duckdb"
    initial, initial_out = _build(raw, warehouse, workers=2)

    # add a file, change a file (same name, other bytes), remove a file
    shutil.copy(fourth, raw / fourth.name)
    old_third_id = document_id_for(raw / third.name)
    (raw / third.name).write_text(_changed_copy(third), encoding="utf-8")
    (raw / second.name).unlink()
    incremental, incremental_out = _build(raw, warehouse, workers=2)
    noop, noop_out = _build(raw, warehouse, workers=2)

    scratch_raw = root / "scratch" / "raw"
    shutil.copytree(raw, scratch_raw)
    scratch_warehouse = root / "scratch" / "warehouse" / "budget.duckdb"
    scratch, scratch_out = _build(scratch_raw, scratch_warehouse, workers=1)
    return SimpleNamespace(
        raw=raw,
        warehouse=warehouse,
        names=SimpleNamespace(kept=first.name, removed=second.name, changed=third.name, added=fourth.name),
        old_changed_id=old_third_id,
        initial=initial,
        incremental=incremental,
        noop=noop,
        scratch=scratch,
        scratch_warehouse=scratch_warehouse,
        outputs=SimpleNamespace(initial=initial_out, incremental=incremental_out, noop=noop_out),
        output=f"{initial_out}\n{incremental_out}\n{noop_out}\n{scratch_out}",
    )


def test_the_first_build_extracts_every_file(runs):
    assert runs.initial.ok, runs.output
    counters = runs.initial.counters
    assert (counters.seen, counters.unchanged, counters.extracted, counters.loaded) == (3, 0, 3, 3)


def test_only_the_added_and_changed_files_are_extracted(runs):
    assert runs.incremental.ok, runs.output
    counters = runs.incremental.counters
    assert (counters.seen, counters.unchanged, counters.extracted, counters.quarantined) == (3, 1, 2, 0)
    assert counters.removed == 1 and counters.replaced == 1  # the removed file's and the changed file's old
    read = {
        line.split(" … ")[0].split("] ", 1)[1]
        for line in runs.outputs.incremental.splitlines()
        if line.startswith("[")
    }
    assert read == {runs.names.added, runs.names.changed}
    con = duckdb.connect(str(runs.warehouse), read_only=True)
    try:
        files = {r[0] for r in con.execute("SELECT file_name FROM raw.documents").fetchall()}
        ids = {r[0] for r in con.execute("SELECT document_id FROM raw.documents").fetchall()}
        orphans = con.execute(
            "SELECT count(*) FROM raw.table_facts ANTI JOIN raw.documents USING (document_id)"
        ).fetchone()[0]
    finally:
        con.close()
    assert files == {runs.names.kept, runs.names.changed, runs.names.added}
    assert runs.old_changed_id not in ids and document_id_for(runs.raw / runs.names.changed) in ids
    assert orphans == 0


def test_the_incremental_marts_equal_a_build_from_scratch(runs):
    assert runs.scratch.ok, runs.output
    assert runs.scratch.counters.extracted == 3
    assert _rows(runs.warehouse, "marts") == _rows(runs.scratch_warehouse, "marts")


def test_parallel_extraction_gives_the_rows_of_serial(runs):
    """The incremental warehouse was extracted by two workers, the scratch one by one: the same raw rows."""
    assert _rows(runs.warehouse, "raw") == _rows(runs.scratch_warehouse, "raw")


def test_a_build_with_nothing_new_reads_nothing_and_skips_dbt(runs):
    assert runs.noop.ok and runs.noop.nothing_changed, runs.output
    counters = runs.noop.counters
    assert (counters.seen, counters.unchanged, counters.extracted, counters.removed) == (3, 3, 0, 0)
    assert not runs.noop.dbt_ran and runs.noop.marts_are_current
    noop_out = runs.outputs.noop
    assert "nothing changed" in noop_out and "marts.unit_metrics" in noop_out
    assert len(runs.noop.loaded) == 3  # the summary still counts the documents the warehouse holds


def test_a_changed_dbt_project_is_not_nothing_changed(runs):
    from dagster_project.defs.extraction.build_state import dbt_project_fingerprint

    project = runs.raw.parent / "dbt_copy"
    shutil.copytree(
        Path(__file__).resolve().parents[1] / "dbt", project, ignore=shutil.ignore_patterns("target", "logs")
    )
    before = dbt_project_fingerprint(project)
    (project / "models" / "marts" / "unit_metrics.sql").open("a").write("\n-- edited\n")
    assert dbt_project_fingerprint(project) != before


def test_the_reason_codes_are_declared_once():
    assert (folder.OUTSIDE_INBOX, folder.DANGLING_LINK, folder.NOT_A_FILE) == (
        reasons.OUTSIDE_INBOX,
        reasons.DANGLING_LINK,
        reasons.NOT_A_FILE,
    )
    assert len(set(reasons.REASON_CODES)) == len(reasons.REASON_CODES)


# --------------------------------------------------------------------------- the Dagster path
def test_a_new_file_reaches_the_marts_through_the_sensors(runs, seed_disclosures, tmp_path):
    """The sensor loads a new file, then ``marts_after_loads`` requests one build_marts run: the marts hold it."""
    from dagster_project.definitions import build_definitions
    from dagster_project.defs.raw_documents.sensor import marts_after_loads, raw_folder_sensor

    raw = runs.scratch_warehouse.parent.parent / "raw"
    new = seed_disclosures[4]
    shutil.copy(new, raw / new.name)
    settings = WarehouseSettings(raw_dir=raw, warehouse_path=runs.scratch_warehouse)
    defs = build_definitions(settings)
    with pytest.MonkeyPatch.context() as env, dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        env.setenv("BUDGET_WAREHOUSE", str(runs.scratch_warehouse))
        resources = {"raw_folder": defs.resources["raw_folder"]}
        with dg.build_sensor_context(instance=instance, resources=resources) as context:
            result = raw_folder_sensor(context)
        for request in result.dynamic_partitions_requests:
            instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys))
        with dg.build_sensor_context(instance=instance) as context:
            assert isinstance(marts_after_loads(context), dg.SkipReason)  # nothing loaded yet
        [request] = result.run_requests  # one arrival, one run
        loaded = defs.resolve_job_def("load_disclosures").execute_in_process(
            instance=instance, partition_key=request.partition_key, raise_on_error=False
        )
        assert loaded.success
        [materialization] = loaded.asset_materializations_for_node("raw_disclosure")
        assert materialization.metadata["files_extracted"].value == 1  # the new file only
        with dg.build_sensor_context(instance=instance) as context:
            refresh = marts_after_loads(context)
        [marts_request] = refresh.run_requests
        assert marts_request.run_key == f"after-load-{loaded.run_id}"
        built = defs.resolve_job_def("build_marts").execute_in_process(
            instance=instance, raise_on_error=False
        )
        assert built.success
        with dg.build_sensor_context(instance=instance) as context:
            assert isinstance(marts_after_loads(context), dg.SkipReason)  # the marts are current
    con = duckdb.connect(str(runs.scratch_warehouse), read_only=True)
    try:
        units = {r[0] for r in con.execute("SELECT document_id FROM marts.unit_metrics").fetchall()}
    finally:
        con.close()
    assert document_id_for(raw / new.name) in units


HOLD = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("held", flush=True)
time.sleep(float(sys.argv[2]))
con.close()
"""


def test_a_failed_load_is_retried(runs, tmp_path):
    """Another process holds the warehouse longer than a step waits for it: the step fails, is retried after
    its delay and then loads the file."""
    from dagster_project.definitions import build_definitions
    from dagster_project.defs.build_lock import LOCK_RETRY_SECONDS
    from dagster_project.defs.raw_documents.partitions import add_arrival

    raw = tmp_path / "raw"
    raw.mkdir()
    seed = runs.raw / runs.names.kept
    shutil.copy(seed, raw / seed.name)
    warehouse = tmp_path / "warehouse" / "budget.duckdb"
    warehouse.parent.mkdir()
    duckdb.connect(str(warehouse)).close()
    defs = build_definitions(WarehouseSettings(raw_dir=raw, warehouse_path=warehouse))
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(warehouse), str(LOCK_RETRY_SECONDS + 2)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        (tmp_path / "dagster").mkdir()
        with dg.instance_for_test(temp_dir=str(tmp_path / "dagster")) as instance:
            arrival = add_arrival(instance)
            started = time.monotonic()
            result = defs.resolve_job_def("load_disclosures").execute_in_process(
                instance=instance, partition_key=arrival, raise_on_error=False
            )
            events = [e.event_type_value for e in result.all_events]
    finally:
        holder.wait(timeout=60)
    assert result.success, events
    assert "STEP_UP_FOR_RETRY" in events and "STEP_RESTARTED" in events
    assert time.monotonic() - started >= LOCK_RETRY_SECONDS
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM raw.documents").fetchone()[0] == 1
    finally:
        con.close()
