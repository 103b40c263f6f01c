"""``budget-warehouse build``: the whole pipeline in this process, with the schedule's asset definitions.

1. register a ``disclosures`` partition per file of the raw folder (and drop those of departed files);
2. materialise ``raw_disclosure`` (and its checks) for each file — loaded or quarantined;
3. forget documents whose file left the folder;
4. materialise the dbt assets (``dbt build``: seeds, models, tests), then — only when dbt succeeded —
   ``published_marts``: the read-only copy of the marts that the dashboard and BI tools read;
5. summarise: documents loaded / quarantined and the comparison table of ``marts.unit_metrics``.

The Dagster instance is ``DAGSTER_HOME`` when that is set (runs then show in ``dagster dev``), otherwise an
ephemeral in-memory instance — no daemon, no network, nothing left behind.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from dagster_project.defs.extraction.loading import (
    LOADED,
    QUARANTINED,
    LoadOutcome,
    forget_departed_documents,
)
from dagster_project.defs.raw_documents.partitions import sync_disclosure_partitions
from dagster_project.defs.resources import warehouse_connection
from dagster_project.defs.settings import WarehouseSettings
from dagster_project.publish import PUBLISHED_MARTS_ASSET
from dagster_project.summary import print_summary

DBT_TAIL_LINES = 40  # dbt log lines shown when dbt build fails
MESSAGE_CHARS = 400
QUIET_RUN_CONFIG = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}

Echo = Callable[[str], None]


@dataclass
class BuildReport:
    settings: WarehouseSettings
    outcomes: list[LoadOutcome] = field(default_factory=list)
    failed_loads: list[str] = field(default_factory=list)  # "file: error"
    forgotten: list[str] = field(default_factory=list)
    dbt_ran: bool = False
    dbt_error: str | None = None
    published: Path | None = None  # the published copy of the marts, when this build published it
    publish_error: str | None = None

    @property
    def ok(self) -> bool:
        return (
            not self.failed_loads and self.dbt_ran and self.dbt_error is None and self.publish_error is None
        )

    @property
    def loaded(self) -> list[LoadOutcome]:
        return [o for o in self.outcomes if o.status == LOADED]

    @property
    def quarantined(self) -> list[LoadOutcome]:
        return [o for o in self.outcomes if o.status == QUARANTINED]


def default_instance() -> dg.DagsterInstance:
    return dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()


def build_warehouse(
    settings: WarehouseSettings | None = None,
    instance: dg.DagsterInstance | None = None,
    echo: Echo = print,
    verbose: bool = False,
) -> BuildReport:
    from dagster_project.definitions import build_definitions  # loads the dbt manifest: keep `--help` fast

    settings = settings or WarehouseSettings.from_env()
    instance = instance or default_instance()
    defs = build_definitions(settings)
    run_config = {} if verbose else QUIET_RUN_CONFIG
    report = BuildReport(settings=settings)

    files = defs.resources["raw_folder"].files()
    echo(f"raw folder {settings.raw_dir}: {len(files)} file(s); warehouse {settings.warehouse_path}")
    sync_disclosure_partitions(instance, [path.name for path in files])
    _load_each_file(defs.resolve_job_def("load_disclosures"), files, instance, run_config, report, echo)

    with warehouse_connection(defs.resources["duckdb"]) as con:
        report.forgotten = forget_departed_documents(con, files)
    if report.forgotten:
        echo(
            f"removed {len(report.forgotten)} document(s) whose file left the folder: {', '.join(report.forgotten)}"
        )

    if report.failed_loads:
        echo("dbt build skipped: the load failed")
    else:
        _build_marts(defs.resolve_job_def("build_marts"), instance, run_config, report, echo, verbose)

    print_summary(report, echo)
    return report


def _load_each_file(
    job: dg.JobDefinition,
    files: list[Path],
    instance: dg.DagsterInstance,
    run_config,
    report: BuildReport,
    echo: Echo,
) -> None:
    for i, path in enumerate(files, 1):
        result = job.execute_in_process(
            partition_key=path.name, instance=instance, run_config=run_config, raise_on_error=False
        )
        prefix = f"[{i}/{len(files)}] {path.name} …"
        if not result.success:
            error = _failure_message(result)
            report.failed_loads.append(f"{path.name}: {error}")
            echo(f"{prefix} FAILED: {error}")
            continue
        outcome = _outcome_from(result, path.name)
        report.outcomes.append(outcome)
        echo(f"{prefix} {outcome.summary()}")
        for check in result.get_asset_check_evaluations():
            if not check.passed:
                echo(f"      check {check.check_name} failed: {_check_detail(check)}")


def _build_marts(
    job: dg.JobDefinition,
    instance: dg.DagsterInstance,
    run_config,
    report: BuildReport,
    echo: Echo,
    verbose: bool,
) -> None:
    echo("dbt build …")
    dbt_output = io.StringIO()  # dagster-dbt echoes dbt's log to stdout: keep it unless dbt fails
    with contextlib.nullcontext() if verbose else contextlib.redirect_stdout(dbt_output):
        result = job.execute_in_process(instance=instance, run_config=run_config, raise_on_error=False)
    report.dbt_ran = True
    dbt_lines = dbt_output.getvalue().splitlines()
    failed_steps = {e.step_key for e in result.all_events if e.is_step_failure}
    if not result.success and failed_steps == {PUBLISHED_MARTS_ASSET}:
        report.publish_error = _failure_message(result)
        echo(f"dbt build done; publishing FAILED: {report.publish_error} (the previous publication stays)")
        return
    if not result.success:
        report.dbt_error = _failure_message(result)
        for line in dbt_lines[-DBT_TAIL_LINES:]:
            echo(f"  | {line}")
        echo(f"dbt build FAILED: {report.dbt_error}")
        return
    done = next(
        (line.removeprefix("Done.").strip() for line in reversed(dbt_lines) if line.startswith("Done.")), ""
    )
    failed_tests = [c.check_name for c in result.get_asset_check_evaluations() if not c.passed]
    echo(
        "dbt build done"
        + (f": {done}" if done else "")
        + (f"; failing tests: {', '.join(failed_tests)}" if failed_tests else "")
    )
    _echo_publication(result, report, echo)


def _echo_publication(result: dg.ExecuteInProcessResult, report: BuildReport, echo: Echo) -> None:
    materializations = result.asset_materializations_for_node(PUBLISHED_MARTS_ASSET)
    if not materializations:
        return
    metadata = {key: value.value for key, value in materializations[-1].metadata.items()}
    report.published = Path(metadata["path"])
    echo(
        f"published {metadata.get('published_documents', '?')} document(s) read-only to {report.published}"
        " (make dashboard reads it)"
    )


def _outcome_from(result: dg.ExecuteInProcessResult, file_name: str) -> LoadOutcome:
    """The LoadOutcome back from the materialization's metadata."""
    materializations = result.asset_materializations_for_node("raw_disclosure")
    metadata = (
        {key: value.value for key, value in materializations[-1].metadata.items()} if materializations else {}
    )
    fields = {key: value for key, value in metadata.items() if key in LoadOutcome.__dataclass_fields__}
    fields.setdefault("file_name", file_name)
    fields.setdefault("status", "unknown")
    return LoadOutcome(**fields)


def _failure_message(result: dg.ExecuteInProcessResult) -> str:
    """The user error behind a failed run, in one line."""
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data.error:
            error = event.step_failure_data.error
            while (
                error.cause is not None and error.cls_name.startswith("Dagster") and "Step" in error.cls_name
            ):
                error = error.cause
            message = " ".join(error.message.split())[:MESSAGE_CHARS]
            return message if message.startswith(error.cls_name) else f"{error.cls_name}: {message}"
    return "the run failed"


def _check_detail(check) -> str:
    parts = [
        f"{key}={value.value}"
        for key, value in check.metadata.items()
        if value.value not in ([], 0, "none", None)
    ]
    return "; ".join(parts) or "see the Dagster UI"
