"""The dbt project as Dagster assets: ``dbt build`` (seeds, staging, marts and their tests).

dbt builds a copy of the warehouse aside, which replaces the warehouse only when dbt succeeded
(``aside``): a build killed during the models never leaves old and new marts mixed.  Each invocation writes
its artifacts to ``dbt/target/runs/<run>-<id>``; only the newest ``KEEP_DBT_RUNS`` such folders stay.
"""

import contextlib
import shutil
import time
import uuid
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets
from dagster_duckdb import DuckDBResource

from dagster_project.defs.build_lock import connect_writer, warehouse_lock
from dagster_project.defs.extraction.build_state import dbt_project_fingerprint
from dagster_project.defs.extraction.loading import forget_departed_documents
from dagster_project.defs.marts.aside import clear_aside, prepare_aside, swap_in
from dagster_project.defs.marts.held_back import MAX_PASSES, attribute, record_holds, reset_holds
from dagster_project.defs.marts.incremental import mode_line, needs_full_refresh, record_built
from dagster_project.defs.marts.project import budget_dbt_project
from dagster_project.defs.marts.translator import BudgetDbtTranslator
from dagster_project.defs.pools import DUCKDB_WRITER_POOL
from dagster_project.defs.raw_documents.folder import RawFolderResource
from dagster_project.defs.resources import dbt_warehouse_args, warehouse_connection

budget_project = budget_dbt_project()

# a build whose dbt project is the one the models were built with: the unit tests (code, not data) passed then
INCREMENTAL_BUILD_ARGS = ("--exclude", "resource_type:unit_test")
DBT_RUNS_DIR = Path("runs")  # under dbt's target folder
KEEP_DBT_RUNS = 5  # the newest folders of dbt artifacts kept (each ~10 MB); older ones are removed
LEGACY_RUN_DIR_PREFIX = "budget_warehouse_dbt-"  # what dagster-dbt named them before (one per run, unbounded)
LEGACY_MIN_AGE_SECONDS = 3600  # an old-style folder is removed once it is an hour old (not one in use)


@dbt_assets(
    manifest=budget_project.manifest_path,
    project=budget_project,
    dagster_dbt_translator=BudgetDbtTranslator(),
    name="budget_warehouse_dbt",
    pool=DUCKDB_WRITER_POOL,
)
def budget_warehouse_dbt(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    duckdb: DuckDBResource,
    raw_folder: RawFolderResource,
):
    """Mirror the folder (drop documents whose file left it), then ``dbt build`` a copy of the warehouse and
    swap it in when dbt succeeded."""
    warehouse = Path(duckdb.database)
    with warehouse_lock(warehouse):
        with warehouse_connection(duckdb) as con:
            gone = forget_departed_documents(con, raw_folder.files())
        if gone:
            context.log.info(
                f"removed {len(gone)} document(s) whose file left the raw folder: {', '.join(gone)}"
            )
        aside = prepare_aside(warehouse)
        swapped = False
        try:
            yield from _build_holding_back(context, dbt, aside)
            swap_in(aside, warehouse)
            swapped = True
            context.log.info(f"dbt built a copy of the warehouse aside; it replaced {warehouse}")
        finally:
            if not swapped:
                clear_aside(warehouse)  # dbt failed: the warehouse keeps the previous marts, whole


def _build_holding_back(context: dg.AssetExecutionContext, dbt: DbtCliResource, aside: Path):
    """``dbt build`` the copy; when data tests fail on rows of some documents only, hold those documents back
    and build again (``held_back``).  Yields the events of the build that stands; raises when dbt failed
    otherwise."""
    with contextlib.closing(connect_writer(aside)) as con:
        reset_holds(con)
        fingerprint = dbt_project_fingerprint()
        full_refresh = needs_full_refresh(con, fingerprint)
    # the per-document models are incremental; a changed dbt project rebuilds them all, and runs the unit
    # tests, which test the project's code on fixtures, not the data (``incremental``)
    refresh = ["--full-refresh"] if full_refresh else list(INCREMENTAL_BUILD_ARGS)
    context.log.info(mode_line(full_refresh))
    for attempt in range(1, MAX_PASSES + 1):
        target = (
            Path(budget_project.project_dir)
            / "target"
            / DBT_RUNS_DIR
            / (f"{context.run.run_id[:8]}-{uuid.uuid4().hex[:6]}")
        )
        invocation = dbt.cli(
            ["build", *refresh, *dbt_warehouse_args(aside)],
            context=context,
            target_path=target,
            raise_on_error=False,
        )
        try:
            events = list(invocation.stream())  # kept until this build is known to stand
        finally:
            # if the stream stopped early (an error on our side), don't leave dbt holding the copy
            if invocation.process.poll() is None:
                invocation.process.terminate()
                invocation.process.wait(timeout=60)
            prune_dbt_runs(Path(budget_project.project_dir) / "target")
        if invocation.is_successful():
            with contextlib.closing(connect_writer(aside)) as con:
                record_built(con, fingerprint)
            yield from events
            return
        run_results = _artifact(invocation, "run_results.json")
        with contextlib.closing(connect_writer(aside)) as con:
            attribution = attribute(con, run_results, _artifact(invocation, "manifest.json"))
            if attribution.complete and attempt < MAX_PASSES:
                record_holds(con, attribution.holds)
                held = sorted({hold.document_id for hold in attribution.holds})
                tests = sorted({hold.test_name for hold in attribution.holds})
                context.log.warning(
                    f"dbt data test(s) {', '.join(tests)} failed on rows of {len(held)} document(s) "
                    f"({', '.join(held)}): held back (quality issue data_test_failed); building again without them"
                )
                continue
        yield from events
        raise dg.Failure(description=f"dbt build failed: {_failures(run_results, attribution)}")


def _artifact(invocation, name: str) -> dict:
    try:
        return invocation.get_artifact(name)
    except (OSError, ValueError):
        return {}


def _failures(run_results: dict, attribution) -> str:
    """What failed, in one line: the nodes in error and the tests that no document explains."""
    failed = [
        f"{r['unique_id'].split('.')[-1] if r['unique_id'].startswith('test.') else r['unique_id']}"
        f" ({r.get('status')}: {' '.join(str(r.get('message') or '').split())[:200]})"
        for r in run_results.get("results", [])
        if r.get("status") in ("error", "fail")
    ]
    if attribution.unattributed:
        failed.append("not attributable to documents: " + ", ".join(attribution.unattributed))
    return "; ".join(failed) or "see the dbt log"


def prune_dbt_runs(target_dir: Path, keep: int = KEEP_DBT_RUNS) -> list[Path]:
    """Remove all but the newest ``keep`` folders of ``target/runs`` and the old-style per-run folders
    (``target/budget_warehouse_dbt-*``) older than an hour; returns what was removed."""
    removed: list[Path] = []
    runs = target_dir / DBT_RUNS_DIR
    if runs.is_dir():
        folders = sorted((p for p in runs.iterdir() if p.is_dir()), key=_mtime, reverse=True)
        for folder in folders[keep:]:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    if target_dir.is_dir():
        now = time.time()
        for folder in target_dir.iterdir():
            if (
                folder.is_dir()
                and folder.name.startswith(LEGACY_RUN_DIR_PREFIX)
                and now - _mtime(folder) > LEGACY_MIN_AGE_SECONDS
            ):
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder)
    return removed


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0
