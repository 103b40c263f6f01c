"""Keep a persistent Dagster instance (``DAGSTER_HOME``) usable after a killed build, and bounded in size.

Every run ``budget-warehouse build`` launches carries tags naming the process that runs it (``BUILD_TAGS``:
pid, its start time, host, and the build's id).  A build killed with SIGKILL leaves its run STARTED forever
and its step's ``duckdb_writer`` slot claimed — and, the pool's limit being 1, every later build would wait
for that slot without a word.  ``release_dead_runs`` (called at the start of each build, under the build lock)

* marks failed every unfinished run whose tags name a process of this host that is gone (the pid is not
  running, or runs a different process: its start time differs), and frees its concurrency slots;
* frees the slots still claimed by runs that have finished (what the daemon does under ``dagster dev`` with
  ``run_monitoring.free_slots_after_run_end_seconds``; there is no daemon here);
* names the runs holding a slot it cannot judge (no tags: started by ``dagster dev``, or by a build older
  than these tags) so the build says what it is waiting for, and how to clear it.

``prune_history`` deletes the runs (their events and captured logs) of all but the newest ``keep`` builds:
Dagster keeps every run's event log forever otherwise (~200 MB per 1,000-document build).
"""

from __future__ import annotations

import os
import socket
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

import dagster as dg
from dagster._core.storage.dagster_run import FINISHED_STATUSES, RunsFilter

from dagster_project.defs.pools import DUCKDB_WRITER_POOL

TAG_PREFIX = "budget_warehouse/"
PID_TAG = TAG_PREFIX + "pid"
PID_START_TAG = TAG_PREFIX + "pid_start"
HOST_TAG = TAG_PREFIX + "host"
BUILD_ID_TAG = TAG_PREFIX + "build_id"

UNFINISHED = [
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
]
DEFAULT_KEEP_BUILDS = 20  # BUDGET_DAGSTER_KEEP_BUILDS: builds whose runs stay in the instance


def process_start(pid: int) -> str | None:
    """The start time of ``pid`` in clock ticks since boot (``/proc/<pid>/stat`` field 22), or None."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            stat = handle.read()
    except OSError:
        return None
    return stat.rsplit(")", 1)[-1].split()[19]


def build_tags(build_id: str | None = None) -> dict[str, str]:
    pid = os.getpid()
    return {
        PID_TAG: str(pid),
        PID_START_TAG: process_start(pid) or "",
        HOST_TAG: socket.gethostname(),
        BUILD_ID_TAG: build_id or uuid.uuid4().hex[:12],
    }


def holder_is_dead(tags: dict[str, str]) -> bool | None:
    """True: the build process named by ``tags`` is gone.  False: it runs.  None: not ours to judge (no tags,
    another host)."""
    if PID_TAG not in tags or tags.get(HOST_TAG) != socket.gethostname():
        return None
    try:
        pid = int(tags[PID_TAG])
    except ValueError:
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass
    started = tags.get(PID_START_TAG)
    now = process_start(pid)
    # alive, unless the pid now belongs to another process (it was reused)
    return bool(started and now is not None and now != started)


@dataclass
class Recovery:
    failed_runs: list[str] = field(default_factory=list)  # "run_id (job)": marked failed, their builds died
    freed_slots: list[str] = field(default_factory=list)  # "run_id step_key"
    foreign_holders: list[str] = field(default_factory=list)  # slots held by runs we cannot judge

    def lines(self) -> list[str]:
        out = []
        if self.failed_runs:
            out.append(
                f"Dagster: marked {len(self.failed_runs)} run(s) of a build that died as failed: "
                + ", ".join(self.failed_runs)
            )
        if self.freed_slots:
            out.append(
                f"Dagster: released {len(self.freed_slots)} '{DUCKDB_WRITER_POOL}' slot(s) held by dead or "
                "finished runs: " + ", ".join(self.freed_slots)
            )
        for holder in self.foreign_holders:
            out.append(
                f"Dagster: the '{DUCKDB_WRITER_POOL}' slot is held by {holder}, which this build cannot judge; "
                "the build waits for it. If nothing runs it: dagster run delete <run_id> "
                "(DAGSTER_HOME=" + os.environ.get("DAGSTER_HOME", "?") + ")"
            )
        return out


def release_dead_runs(instance: dg.DagsterInstance) -> Recovery:
    recovery = Recovery()
    for run in instance.get_runs(filters=RunsFilter(statuses=UNFINISHED)):
        if holder_is_dead(run.tags):
            instance.report_run_failed(
                run,
                message=f"the build process (pid {run.tags.get(PID_TAG)}) that ran this run is gone "
                "(killed); marked failed by the next budget-warehouse build",
            )
            recovery.failed_runs.append(f"{run.run_id[:8]} ({run.job_name})")
            _free_run(instance, run.run_id, recovery)
    storage = instance.event_log_storage
    if not storage.supports_global_concurrency_limits:
        return recovery
    try:
        info = storage.get_concurrency_info(DUCKDB_WRITER_POOL)
    except Exception:  # noqa: BLE001 — a pool nobody configured
        return recovery
    for slot in info.claimed_slots:
        run = instance.get_run_by_id(slot.run_id)
        if run is None or run.status in FINISHED_STATUSES:
            _free_run(instance, slot.run_id, recovery)
        elif holder_is_dead(run.tags) is None:
            recovery.foreign_holders.append(
                f"run {slot.run_id} ({run.job_name}, step {slot.step_key}, {run.status.value})"
            )
    return recovery


def _free_run(instance: dg.DagsterInstance, run_id: str, recovery: Recovery) -> None:
    storage = instance.event_log_storage
    if not storage.supports_global_concurrency_limits:
        return
    try:
        claimed = [
            s for s in storage.get_concurrency_info(DUCKDB_WRITER_POOL).claimed_slots if s.run_id == run_id
        ]
    except Exception:  # noqa: BLE001
        claimed = []
    storage.free_concurrency_slots_for_run(run_id)
    recovery.freed_slots.extend(f"{run_id[:8]} {s.step_key}" for s in claimed)


def keep_builds_setting() -> int:
    try:
        return max(1, int(os.environ.get("BUDGET_DAGSTER_KEEP_BUILDS", DEFAULT_KEEP_BUILDS)))
    except ValueError:
        return DEFAULT_KEEP_BUILDS


def prune_history(instance: dg.DagsterInstance, keep: int | None = None) -> int:
    """Delete the finished runs of all but the newest ``keep`` builds (by their ``BUILD_ID_TAG``), with their
    events and captured logs; returns how many runs were deleted.  Runs of ``dagster dev`` are not touched."""
    keep = keep or keep_builds_setting()
    records = instance.get_run_records(filters=RunsFilter(tags={HOST_TAG: socket.gethostname()}))
    by_build: dict[str, list] = defaultdict(list)
    for record in records:
        by_build[record.dagster_run.tags.get(BUILD_ID_TAG, "")].append(record)
    newest = sorted(by_build, key=lambda b: max(r.create_timestamp for r in by_build[b]), reverse=True)
    deleted = 0
    for build in newest[keep:]:
        for record in by_build[build]:
            run = record.dagster_run
            if run.status not in FINISHED_STATUSES:
                continue
            instance.delete_run(run.run_id)
            try:
                instance.compute_log_manager.delete_logs(prefix=[run.run_id])
            except Exception:  # noqa: BLE001, S110 — captured logs are a convenience
                pass
            deleted += 1
    return deleted
