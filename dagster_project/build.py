"""``budget-warehouse build``: the whole pipeline in this process, with the schedule's asset definitions.

0. take the warehouse's build lock (``defs.build_lock``; another build running: ``BuildBusy``, exit status 3,
   naming it) and open the warehouse once (held by another process: ``BuildBusy`` naming that process); then
   undo what a killed build left — its Dagster runs and ``duckdb_writer`` slots (``defs.instance_hygiene``),
   the copy dbt was building (``defs.marts.aside``), the publisher's temporary files — and say so;
1. plan the load (``defs.extraction.batch.plan_batch``): files whose bytes are loaded already are skipped
   unread;
2. when some file is new, changed or gone, add ONE ``arrivals`` partition (``defs.raw_documents.partitions``)
   and materialise ``raw_disclosure`` (and its checks) for it in ONE run: it extracts the rest on all cores
   and writes them with one writer — one materialization event per build, whatever the number of files;
   when nothing is new, changed or gone, no Dagster run at all;
3. forget documents whose file left the folder;
4. when nothing changed — no file loaded, quarantined or removed, the raw layer and the dbt project as the
   last successful build saw them (``defs.extraction.build_state``), the published copy there — say "nothing
   changed" and skip dbt and publishing; otherwise materialise the dbt assets (``dbt build``: seeds, models,
   tests), then — only when dbt succeeded — ``published_marts``: the read-only copy of the marts that the
   dashboard and BI tools read, and record what this build saw;
5. summarise: documents loaded / quarantined, the counters (files seen / unchanged / extracted /
   quarantined / removed) and the comparison table of ``marts.unit_metrics`` (read into the report while
   the lock is held, so it is this build's); keep the Dagster runs of the newest builds only.

Progress goes to a ``BuildProgress``: ``PlainProgress`` (one line per file read with its count, the elapsed
time and an estimate of the time left; a line when dbt starts and when it ends) or ``RichProgress`` (bars on
a rich console, for a terminal).  The phases are timed into ``BuildReport.phases``: ``extract_load`` (the
batch load and forgetting departed files), ``dbt`` (the ``build_marts`` run minus publishing) and ``publish``
(the ``published_marts`` step); ``write`` is the part of ``extract_load`` spent in the writer's
transactions.

The Dagster instance is ``DAGSTER_HOME`` when that is set (runs then show in ``dagster dev``), otherwise an
ephemeral in-memory instance — no daemon, no network, nothing left behind.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Protocol, Self

import dagster as dg

from dagster_project.defs.build_lock import BUSY, BuildBusy, WarehouseBusy, probe_warehouse, warehouse_lock
from dagster_project.defs.extraction.assets import LoadListener
from dagster_project.defs.extraction.batch import Counters, Plan, plan_batch, stored_outcomes
from dagster_project.defs.extraction.build_state import BuildState, current_state, record_state
from dagster_project.defs.extraction.loading import (
    LOADED,
    QUARANTINED,
    LoadOutcome,
    forget_departed_documents,
)
from dagster_project.defs.instance_hygiene import build_tags, prune_history, release_dead_runs
from dagster_project.defs.marts.aside import clear_aside
from dagster_project.defs.marts.incremental import mode_line, needs_full_refresh
from dagster_project.defs.raw_documents.partitions import add_arrival
from dagster_project.defs.resources import warehouse_connection
from dagster_project.defs.settings import WarehouseSettings
from dagster_project.publish import PUBLISHED_MARTS_ASSET, remove_leftovers
from dagster_project.summary import issue_rows, print_summary, unit_metrics_rows

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
    dbt_summary: str = ""  # dbt's "PASS=… WARN=… ERROR=…" line
    failing_tests: list[str] = field(default_factory=list)  # dbt tests (severity warn) that did not pass
    phases: dict[str, float] = field(default_factory=dict)  # seconds: extract_load, dbt, publish, total
    recovered: list[str] = field(
        default_factory=list
    )  # what was cleaned up after a killed build, and retention
    unit_metrics: tuple[list[str], list[dict]] | str | None = None  # marts.unit_metrics, read under the lock
    issues: list[dict] | str | None = None  # quality issues per document, read under the lock
    counters: Counters = field(default_factory=Counters)  # files seen / unchanged / extracted / … removed
    nothing_changed: bool = False  # dbt and publishing skipped: the marts and their publication are current
    dbt_full_refresh: bool | None = None  # dbt rebuilt every model (the dbt project changed); None: no dbt

    @property
    def ok(self) -> bool:
        return not self.failed_loads and (
            self.nothing_changed or (self.dbt_ran and self.dbt_error is None and self.publish_error is None)
        )

    @property
    def marts_are_current(self) -> bool:
        """The warehouse's marts are this build's: dbt ran and succeeded (publishing may still have failed),
        or nothing changed since the build that made them."""
        return not self.failed_loads and (self.nothing_changed or (self.dbt_ran and self.dbt_error is None))

    def incremental(self) -> dict:
        """The counters, for ``budget-warehouse build --json``."""
        return {
            **self.counters.as_dict(),
            "nothing_changed": self.nothing_changed,
            "dbt_full_refresh": self.dbt_full_refresh,
        }

    @property
    def loaded(self) -> list[LoadOutcome]:
        return [o for o in self.outcomes if o.status == LOADED]

    @property
    def quarantined(self) -> list[LoadOutcome]:
        return [o for o in self.outcomes if o.status == QUARANTINED]


def _clock(seconds: float) -> str:
    return str(timedelta(seconds=round(seconds)))


_DBT_NODE_DONE = re.compile(r"\b(\d+) of (\d+) (?!START\b)[A-Z]")  # "12 of 210 OK created …", not START


class BuildProgress(Protocol):
    """What ``build_warehouse`` tells while it runs."""

    def files_started(self, total: int) -> None: ...
    def file_done(self, index: int, total: int, line: str, notable: bool) -> None: ...
    def dbt_started(self) -> None: ...
    def dbt_line(self, line: str) -> None: ...
    def dbt_finished(self, line: str) -> None: ...
    def note(self, line: str) -> None: ...


class PlainProgress:
    """Plain lines through ``echo``: one per file (count, elapsed, estimate), one when dbt starts and ends."""

    def __init__(self, echo: Echo = print):
        self.echo = echo
        self._files_started = self._dbt_started = time.monotonic()

    def files_started(self, total: int) -> None:
        self._files_started = time.monotonic()

    def file_done(self, index: int, total: int, line: str, notable: bool) -> None:
        elapsed = time.monotonic() - self._files_started
        left = elapsed / index * (total - index)
        timing = f"{_clock(elapsed)} elapsed" + (f", ~{_clock(left)} left" if index < total else "")
        self.echo(f"{line}  [{timing}]")

    def dbt_started(self) -> None:
        self._dbt_started = time.monotonic()
        self.echo("dbt build …")

    def dbt_line(self, line: str) -> None:
        pass

    def dbt_finished(self, line: str) -> None:
        self.echo(f"{line} [{_clock(time.monotonic() - self._dbt_started)}]")

    def note(self, line: str) -> None:
        self.echo(line)


class RichProgress:
    """Bars on a rich console (stderr, a terminal): files loaded, then dbt's nodes, each with its count,
    elapsed time and an estimate.  Only files that were not simply loaded get a line above the bars."""

    def __init__(self, console):
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description:<14}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("left"),
            TimeRemainingColumn(),
            console=console,
            redirect_stdout=False,  # the build captures dbt's stdout itself
        )
        self._files = self._dbt = None

    def __enter__(self) -> Self:
        self.progress.start()
        return self

    def __exit__(self, *exc) -> None:
        self.progress.stop()

    def _print(self, line: str) -> None:
        from rich.text import Text

        self.progress.console.print(Text(line))

    def files_started(self, total: int) -> None:
        self._files = self.progress.add_task("extract+load", total=total)

    def file_done(self, index: int, total: int, line: str, notable: bool) -> None:
        if notable:
            self._print(line)
        self.progress.update(self._files, completed=index)

    def dbt_started(self) -> None:
        self._print("dbt build …")
        self._dbt = self.progress.add_task("dbt build", total=None)

    def dbt_line(self, line: str) -> None:
        match = _DBT_NODE_DONE.search(line)
        if match and self._dbt is not None:  # nodes finish out of their index order: count them
            self.progress.update(self._dbt, advance=1, total=int(match[2]))

    def dbt_finished(self, line: str) -> None:
        if self._dbt is not None:
            task = self.progress.tasks[self._dbt]
            self.progress.update(self._dbt, total=task.total or 1, completed=task.total or 1)
        self._print(line)

    def note(self, line: str) -> None:
        self._print(line)


class _LineWriter(io.TextIOBase):
    """A stdout stand-in that keeps dbt's lines and hands each complete one to ``on_line``."""

    def __init__(self, on_line: Callable[[str], None]):
        self.lines: list[str] = []
        self._partial = ""
        self._on_line = on_line

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self._partial += text
        *complete, self._partial = self._partial.split("\n")
        for line in complete:
            self.lines.append(line)
            self._on_line(line)
        return len(text)

    def value_lines(self) -> list[str]:
        return self.lines + ([self._partial] if self._partial else [])


def default_instance() -> dg.DagsterInstance:
    return dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()


def build_warehouse(
    settings: WarehouseSettings | None = None,
    instance: dg.DagsterInstance | None = None,
    echo: Echo = print,
    verbose: bool = False,
    progress: BuildProgress | None = None,
    summary: bool = True,
) -> BuildReport:
    """Build; tell the progress to ``progress`` (default: plain lines through ``echo``) and, with ``summary``,
    echo the summary at the end (the CLI prints it itself, as rich tables or JSON)."""
    from dagster_project.definitions import build_definitions  # loads the dbt manifest: keep `--help` fast

    started = time.monotonic()
    settings = settings or WarehouseSettings.from_env()
    progress = progress or PlainProgress(echo)
    report = BuildReport(settings=settings)
    with contextlib.ExitStack() as stack:
        try:
            lock = stack.enter_context(warehouse_lock(settings.warehouse_path))
            probe_warehouse(settings.warehouse_path)
        except BuildBusy as exc:
            progress.note(f"build refused (exit status {BUSY}): {exc}")
            raise
        instance = instance or default_instance()
        _recover(lock, settings, instance, report, progress)
        tags = build_tags()
        listener = _BuildListener(report, progress)
        defs = build_definitions(settings, load_listener=listener)
        run_config = {} if verbose else QUIET_RUN_CONFIG

        loading = time.monotonic()
        files = defs.resources["raw_folder"].files()
        progress.note(
            f"raw folder {settings.raw_dir}: {len(files)} file(s); warehouse {settings.warehouse_path}"
        )
        with warehouse_connection(defs.resources["duckdb"]) as con:
            plan = plan_batch(con, files, whole_folder=True)
        if plan.has_work:
            _load_batch(
                defs.resolve_job_def("load_disclosures"),
                add_arrival(instance),
                instance,
                run_config,
                report,
                listener,
                tags,
            )
        else:
            report.counters = Counters(seen=len(files), unchanged=len(files))
            listener.skipped(len(files))
            with warehouse_connection(defs.resources["duckdb"]) as con:
                report.outcomes = stored_outcomes(con, plan.files, plan.ids)

        with warehouse_connection(defs.resources["duckdb"]) as con:
            report.forgotten = forget_departed_documents(con, files)
            seen_now = current_state(con) if not report.failed_loads else None
            last = BuildState.read(con)
            full_refresh = needs_full_refresh(con)
        report.counters.removed += len(report.forgotten)
        if report.forgotten:
            progress.note(
                f"removed {len(report.forgotten)} document(s) whose file left the folder: "
                f"{', '.join(report.forgotten)}"
            )
        report.phases["extract_load"] = time.monotonic() - loading
        report.phases["write"] = report.counters.write_seconds
        progress.note(report.counters.line())

        if report.failed_loads:
            progress.note("dbt build skipped: the load failed")
        elif (
            not (report.counters.extracted or report.counters.removed or report.counters.replaced)
            and seen_now is not None
            and seen_now == last
            and settings.published_file.exists()
        ):
            report.nothing_changed = True
            progress.note(
                "nothing changed: no file loaded, quarantined or removed, the dbt project as the last build saw "
                "it — dbt and publishing skipped (the marts and their publication are current)"
            )
        else:
            report.dbt_full_refresh = full_refresh  # the dbt asset decides the same from the same file
            progress.note(mode_line(full_refresh))
            _build_marts(
                defs.resolve_job_def("build_marts"), instance, run_config, report, progress, verbose, tags
            )
            if report.ok:
                with warehouse_connection(defs.resources["duckdb"]) as con:
                    record_state(con, current_state(con))
        if report.marts_are_current:
            # read under the lock: the summary shows this build's marts, never those of a build that follows
            report.unit_metrics = unit_metrics_rows(settings.warehouse_path)
            report.issues = issue_rows(settings.warehouse_path)
        pruned = prune_history(instance)
        if pruned:
            report.recovered.append(f"Dagster: deleted {pruned} run(s) of older builds (history retention)")
    report.phases["total"] = time.monotonic() - started

    if summary:
        print_summary(report, echo)
    return report


def _recover(
    lock, settings: WarehouseSettings, instance, report: BuildReport, progress: BuildProgress
) -> None:
    """Undo what a killed build left, and say what was done: its lock, its Dagster runs and pool slots, the
    copy dbt was building, the publisher's temporary files."""
    notes: list[str] = []
    if lock.took_over:
        holder = lock.took_over
        notes.append(
            f"took over the build lock left by pid {holder.get('pid', '?')} (started {holder.get('started_at', '?')}"
            " UTC), which is gone: that build was killed or crashed"
        )
    notes.extend(release_dead_runs(instance).lines())
    if clear_aside(settings.warehouse_path):
        notes.append("removed the copy of the warehouse a killed build's dbt was building (.building/)")
    leftovers = remove_leftovers(settings.published_file)
    if leftovers:
        notes.append(
            f"removed {len(leftovers)} temporary file(s) of a killed publish: "
            + ", ".join(p.name for p in leftovers)
        )
    for line in notes:
        progress.note(line)
    report.recovered.extend(notes)


class _BuildListener(LoadListener):
    """The load's progress into the report and the build's progress lines."""

    def __init__(self, report: BuildReport, progress: BuildProgress):
        self.report = report
        self.progress = progress

    def planned(self, plan: Plan) -> None:
        if plan.unchanged:
            self.skipped(len(plan.unchanged))
        self.progress.files_started(len(plan.to_read))

    def skipped(self, count: int) -> None:
        self.progress.note(f"{count} file(s) unchanged since they were loaded: skipped, not read")

    def file_done(self, index: int, total: int, outcome: LoadOutcome) -> None:
        line = f"[{index}/{total}] {outcome.file_name} … {outcome.summary()}"
        self.progress.file_done(index, total, line, notable=outcome.status != LOADED)

    def finished(self, counters: Counters, outcomes: list[LoadOutcome]) -> None:
        self.report.counters = counters
        self.report.outcomes = outcomes


def _load_batch(
    job: dg.JobDefinition,
    arrival: str,
    instance: dg.DagsterInstance,
    run_config,
    report: BuildReport,
    listener: _BuildListener,
    tags: dict[str, str] | None = None,
) -> None:
    """One run of ``raw_disclosure`` for the arrival partition ``arrival``: the whole folder in one batch."""
    result = job.execute_in_process(
        instance=instance, run_config=run_config, raise_on_error=False, tags=tags, partition_key=arrival
    )
    if not result.success:
        error = _failure_message(result)
        report.failed_loads.append(f"raw_disclosure: {error}")
        listener.progress.note(f"load FAILED: {error}")
        if WarehouseBusy.__name__ in error.split(":", 1)[0]:  # another process took the file: stop
            raise BuildBusy(error.split(": ", 1)[-1])
        return
    for check in result.get_asset_check_evaluations():
        if not check.passed:
            listener.progress.note(f"      check {check.check_name} failed: {_check_detail(check)}")


def _build_marts(
    job: dg.JobDefinition,
    instance: dg.DagsterInstance,
    run_config,
    report: BuildReport,
    progress: BuildProgress,
    verbose: bool,
    tags: dict[str, str] | None = None,
) -> None:
    progress.dbt_started()
    started = time.monotonic()
    dbt_output = _LineWriter(
        progress.dbt_line
    )  # dagster-dbt echoes dbt's log to stdout: keep it unless dbt fails
    with contextlib.nullcontext() if verbose else contextlib.redirect_stdout(dbt_output):
        result = job.execute_in_process(
            instance=instance, run_config=run_config, raise_on_error=False, tags=tags
        )
    report.dbt_ran = True
    publishing = _step_seconds(instance, result.run_id, PUBLISHED_MARTS_ASSET)
    report.phases["dbt"] = time.monotonic() - started - publishing
    if publishing:
        report.phases["publish"] = publishing
    dbt_lines = dbt_output.value_lines()
    report.dbt_summary = next(
        (line.removeprefix("Done.").strip() for line in reversed(dbt_lines) if line.startswith("Done.")), ""
    )
    failed_steps = {e.step_key for e in result.all_events if e.is_step_failure}
    if not result.success and failed_steps == {PUBLISHED_MARTS_ASSET}:
        report.publish_error = _failure_message(result)
        progress.dbt_finished(
            f"dbt build done; publishing FAILED: {report.publish_error} (the previous publication stays)"
        )
        return
    if not result.success:
        report.dbt_error = _failure_message(result)
        for line in dbt_lines[-DBT_TAIL_LINES:]:
            progress.note(f"  | {line}")
        progress.dbt_finished(f"dbt build FAILED: {report.dbt_error}")
        return
    report.failing_tests = [c.check_name for c in result.get_asset_check_evaluations() if not c.passed]
    progress.dbt_finished(
        "dbt build done"
        + (f": {report.dbt_summary}" if report.dbt_summary else "")
        + (f"; failing tests: {', '.join(report.failing_tests)}" if report.failing_tests else "")
    )
    _echo_publication(result, report, progress.note)


def _step_seconds(instance: dg.DagsterInstance, run_id: str, step_key: str) -> float:
    """Wall time of one step of a run: from its first event to its last."""
    bounds = {
        dg.DagsterEventType.STEP_START,
        dg.DagsterEventType.STEP_SUCCESS,
        dg.DagsterEventType.STEP_FAILURE,
    }
    try:
        times = [
            entry.timestamp
            for entry in instance.all_logs(run_id)
            if entry.step_key == step_key and entry.dagster_event_type in bounds
        ]
    except Exception:  # noqa: BLE001 — timing is informative only
        return 0.0
    return max(times) - min(times) if len(times) > 1 else 0.0


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
