"""Crash safety: ``budget-warehouse build`` killed with SIGKILL at random points, 20 times, on one warehouse.

The build runs as a real subprocess (the console script of this venv, no ``uv`` in between, so the signal
reaches the build itself) with a persistent Dagster instance (``DAGSTER_HOME`` in tmp, the project's
``dagster.yaml``: the ``duckdb_writer`` pool limited to 1 — where a killed step used to keep the slot and every
later build hung).  The inbox alternates between two states (A: one seed, B: two seeds), so "the old build"
and "the new build" differ in every trial.  Each trial aims at a phase — start-up/extraction, the raw load,
dbt, publish, or a random moment — and records what the build's stderr last announced and whether a dbt
child or a publisher's temporary file was seen.  After each kill:

* the warehouse opens; every document in ``raw.documents`` has exactly the tables, facts, warnings and
  identity evidence of a clean extraction of its file, and no other document has any row;
* the marts of the warehouse are entirely the previous build's or entirely the killed build's (its inbox's
  clean-build marts), never a mix (columns ``*_at`` — when a document was loaded or first seen — differ in
  every build and are left out of every comparison);
* the published copy opens and is entirely the previous publication or the new one;
* the killed build's dbt is gone too (it dies with the build).

The next trial's build must get past the point it aims at — a hung build (a stale lock, a stale pool slot)
fails on the guard timeout with its stderr.  At the end a build runs to completion without any clean-up by
hand: its marts equal those of a clean build run beside it row for row, no run is left unfinished, no pool slot claimed, no
temporary file, no ``.building/`` copy.  One test, ≤ ~8 minutes (two clean builds run side by side first).
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from dagster_project.publish import open_published
from extract import extract_file

REPO = Path(__file__).resolve().parents[1]
BUILD = Path(sys.executable).parent / "budget-warehouse"
SEEDS = sorted((REPO / "data" / "raw").glob("*.txt"))
INBOX_A = [SEEDS[0]]
INBOX_B = [SEEDS[0], SEEDS[2]]
# what each trial aims at (the delay after it is random): spread over the run, the cheap phases more often
AIMS = ["extract", "load", "dbt"] * 5 + ["publish"] * 3 + ["random"] * 2
TRIALS = len(AIMS)
PHASE_GUARD_SECONDS = 240  # a guard against a hung build only (a normal build here takes ~30-60 s)
RAW_TABLES = ("tables", "table_facts", "prose_facts", "extraction_warnings", "identity_evidence")

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


# --------------------------------------------------------------------------- helpers
def _env(dagster_home: Path | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BUDGET_")}
    env.pop("DAGSTER_HOME", None)
    if dagster_home is not None:
        env["DAGSTER_HOME"] = str(dagster_home)
    env["COLUMNS"] = "200"
    return env


def _start(raw: Path, warehouse: Path, dagster_home: Path | None, log: Path) -> tuple[subprocess.Popen, Path]:
    err = log.with_suffix(".err")
    proc = subprocess.Popen(
        [str(BUILD), "build", "--raw-dir", str(raw), "--warehouse", str(warehouse)],
        stdout=log.open("wb"),
        stderr=err.open("wb"),
        env=_env(dagster_home),
        cwd=REPO,
    )
    return proc, err


def _set_inbox(raw: Path, files: list[Path]) -> None:
    raw.mkdir(exist_ok=True)
    wanted = {f.name for f in files}
    for path in raw.iterdir():
        if path.name not in wanted:
            path.unlink()
    for f in files:
        if not (raw / f.name).exists():
            shutil.copy(f, raw / f.name)


def _marts(con: duckdb.DuckDBPyConnection, catalog: str | None = None) -> dict[str, list[tuple]]:
    where = "schema_name = 'marts'" + (f" AND database_name = '{catalog}'" if catalog else "")
    tables = [
        r[0]
        for r in con.execute(f"SELECT table_name FROM duckdb_tables() WHERE {where} ORDER BY 1").fetchall()
    ]
    prefix = f'"{catalog}".' if catalog else ""
    marts = {}
    for table in tables:
        columns = [
            r[0]
            for r in con.execute(
                f"SELECT column_name FROM duckdb_columns() WHERE {where} AND table_name = ? ORDER BY column_index",
                [table],
            ).fetchall()
            if not r[0].endswith("_at")  # when a document was loaded / first seen: differs in every build
        ]
        select = ", ".join(f'"{c}"' for c in columns)
        marts[table] = con.execute(f'SELECT {select} FROM {prefix}marts."{table}" ORDER BY ALL').fetchall()
    return marts


def _warehouse_marts(warehouse: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return _marts(con)
    finally:
        con.close()


def _published_marts(published: Path) -> dict[str, list[tuple]] | None:
    if not published.exists():
        return None
    con = open_published(published)
    try:
        marts = _marts(con, "publication")
        assert con.execute("SELECT count(*) FROM published.publication").fetchone()[0] == 1
        return marts
    finally:
        con.close()


def _clean_counts(files: list[Path]) -> dict[str, Counter]:
    counts = {}
    for path in files:
        extraction = extract_file(path)
        counts[extraction.document.document_id] = Counter(
            tables=len(extraction.tables),
            table_facts=len(extraction.table_facts),
            prose_facts=len(extraction.prose_facts),
            extraction_warnings=len(extraction.warnings),
            identity_evidence=len(extraction.identity_evidence),
        )
    return counts


def _check_raw(warehouse: Path, clean: dict[str, Counter]) -> list[str]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        if not con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'raw' AND table_name = 'documents'"
        ).fetchone()[0]:
            return []
        documents = {r[0] for r in con.execute("SELECT document_id FROM raw.documents").fetchall()}
        assert documents <= set(clean), f"unknown documents in raw.documents: {documents - set(clean)}"
        problems = []
        for table in RAW_TABLES:
            rows = dict(con.execute(f"SELECT document_id, count(*) FROM raw.{table} GROUP BY 1").fetchall())
            for document_id, n in rows.items():
                if document_id not in documents:
                    problems.append(
                        f"raw.{table}: {n} row(s) of {document_id}, which is not in raw.documents"
                    )
            for document_id in documents:
                if rows.get(document_id, 0) != clean[document_id][table]:
                    problems.append(
                        f"raw.{table}: {rows.get(document_id, 0)} row(s) of {document_id}, "
                        f"a clean extraction has {clean[document_id][table]}"
                    )
        return problems
    finally:
        con.close()


def _children(pid: int) -> list[tuple[int, str]]:
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == pid:
                cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                out.append((int(entry.name), cmd))
        except (OSError, ValueError, IndexError):
            continue
    return out


def _dbt_child(pid: int) -> int | None:
    for child, cmd in _children(pid):  # "…/python …/bin/dbt build …" (or the wrapper before its exec)
        tokens = cmd.split()
        if "build" in tokens and any(t == "dbt" or t.endswith(("/dbt", "/dbt_child")) for t in tokens):
            return child
    return None


def _publishing(published: Path, pid: int) -> bool:
    """The build ``pid`` is writing its publication (a file left by an earlier, killed one does not count)."""
    return any(published.parent.glob(f".budget_marts-*-{pid}.duckdb.tmp"))


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _last_phase(err: Path) -> str:
    phase = "start"
    for line in err.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith("raw folder"):
            phase = "extract"
        elif line.startswith("["):
            phase = "load"
        elif line.startswith("dbt build …"):
            phase = "dbt"
        elif line.startswith("dbt build done"):
            phase = "publish"
        elif line.startswith("published "):
            phase = "done"
    return phase


def _wait_for(proc: subprocess.Popen, err: Path, condition, what: str) -> bool:
    """Poll until ``condition()``; False when the build ended first.  A guard timeout fails the test."""
    deadline = time.monotonic() + PHASE_GUARD_SECONDS
    while not condition(proc, err):
        if proc.poll() is not None:
            return False
        if time.monotonic() > deadline:
            proc.kill()
            proc.wait()
            pytest.fail(f"the build never reached {what} (hung?); stderr:\n{err.read_text()[-3000:]}")
        time.sleep(0.02)
    return True


def _start_build(raw: Path, warehouse: Path, dagster_home: Path | None, log: Path) -> subprocess.Popen:
    return _start(raw, warehouse, dagster_home, log)[0]


# --------------------------------------------------------------------------- the test
def test_sigkill_at_random_points_never_leaves_a_broken_warehouse(tmp_path, monkeypatch):
    rng = random.Random(int(os.environ.get("CRASH_SEED", "20261201")))
    aims = AIMS[:]
    rng.shuffle(aims)
    dagster_home = tmp_path / "dagster_home"
    dagster_home.mkdir()
    shutil.copy(REPO / "dagster_project" / "dagster.yaml", dagster_home / "dagster.yaml")
    inboxes = {"A": INBOX_A, "B": INBOX_B}
    clean_counts = _clean_counts(INBOX_B)

    # clean builds of each inbox, side by side, each in a fresh warehouse: the references
    refs: dict[str, dict] = {}
    published_refs: dict[str, dict] = {}
    procs = {}
    for name, files in inboxes.items():
        raw = tmp_path / f"clean_{name}" / "raw"
        raw.parent.mkdir()
        _set_inbox(raw, files)
        procs[name] = _start_build(raw, raw.parent / "wh" / "budget.duckdb", None, raw.parent / "build.log")
    for name, proc in procs.items():
        assert proc.wait(timeout=600) == 0, (tmp_path / f"clean_{name}" / "build.err").read_text()[-3000:]
        warehouse = tmp_path / f"clean_{name}" / "wh" / "budget.duckdb"
        refs[name] = _warehouse_marts(warehouse)
        published_refs[name] = _published_marts(warehouse.parent / "published" / "budget_marts.duckdb")
        assert refs[name] and refs[name] == published_refs[name]
    assert refs["A"] != refs["B"]

    # the warehouse under test starts as the clean build of A (the same file name: the same catalog)
    raw = tmp_path / "raw"
    warehouse = tmp_path / "wh" / "budget.duckdb"
    published = warehouse.parent / "published" / "budget_marts.duckdb"
    wal = warehouse.with_name(warehouse.name + ".wal")
    _set_inbox(raw, INBOX_A)
    shutil.copytree(tmp_path / "clean_A" / "wh", warehouse.parent, ignore=shutil.ignore_patterns(".*"))
    old_marts, old_published = _warehouse_marts(warehouse), _published_marts(published)
    assert old_marts == refs["A"] and old_published == published_refs["A"]
    current = "A"

    outcomes = []
    for trial in range(TRIALS):
        aim = aims[trial]
        current = "B" if current == "A" else "A"
        _set_inbox(raw, inboxes[current])
        log = tmp_path / f"trial{trial:02d}.log"
        proc, err = _start(raw, warehouse, dagster_home, log)
        started = time.monotonic()
        dbt_pid = None
        if aim == "extract":
            reached = _wait_for(proc, err, lambda p, e: _last_phase(e) != "start", "the raw folder line")
            time.sleep(rng.uniform(0, 1.5))
        elif aim == "load":
            # the raw load is one bulk transaction per chunk, announced only once committed: aim at the
            # warehouse's write-ahead log, which exists while the writer writes (dbt builds a copy aside)
            reached = _wait_for(
                proc, err, lambda p, e: wal.exists() or _last_phase(e) in ("load", "dbt"), "the first load"
            )
            time.sleep(rng.uniform(0, 0.05))
        elif aim == "dbt":
            reached = _wait_for(proc, err, lambda p, e: _dbt_child(p.pid) is not None, "a dbt child process")
            dbt_pid = _dbt_child(proc.pid)
            time.sleep(rng.uniform(0, 12))
        elif aim == "publish":
            reached = _wait_for(proc, err, lambda p, e: _publishing(published, p.pid), "publishing")
            time.sleep(rng.uniform(0, 0.4))
        else:
            reached = True
            time.sleep(rng.uniform(0, 40))
        dbt_now = _dbt_child(proc.pid)
        dbt_pid = dbt_pid or dbt_now
        in_publish = _publishing(published, proc.pid)
        announced = _last_phase(err)
        writing_raw = wal.exists()
        proc.send_signal(signal.SIGKILL)
        # stderr announces dbt when the marts job starts and nothing until it ends (publish included): what
        # was running is told by the publisher's temporary file and the dbt child seen at the kill
        phase = (
            "publish"
            if in_publish
            else "dbt"
            if dbt_now
            else "load"
            if writing_raw and announced in ("extract", "load")
            else announced
        )
        status = proc.wait()
        killed = status == -signal.SIGKILL
        if dbt_pid is not None:  # dbt dies with the build (parent-death signal): never left running alone
            deadline = time.monotonic() + 30
            while _alive(dbt_pid) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert not _alive(dbt_pid), f"trial {trial}: dbt (pid {dbt_pid}) outlived the killed build"
        outcome = {
            "trial": trial,
            "aim": aim,
            "reached": reached,
            "phase": phase,
            "announced": announced,
            "killed": killed,
            "dbt_seen": dbt_pid is not None,
            "publish_tmp_seen": in_publish,
            "seconds": round(time.monotonic() - started, 1),
            "inbox": current,
        }
        if not killed:
            assert status == 0, f"trial {trial}: the build failed by itself:\n{err.read_text()[-3000:]}"

        problems = _check_raw(warehouse, clean_counts)
        assert not problems, f"trial {trial} ({outcome}): partial raw rows:\n" + "\n".join(problems)
        marts = _warehouse_marts(warehouse)
        new = refs[current]
        assert marts in (old_marts, new), (
            f"trial {trial} ({outcome}): the warehouse marts are neither the previous build's nor the new one's: "
            + ", ".join(
                t
                for t in set(marts) | set(new)
                if marts.get(t) != new.get(t) and marts.get(t) != old_marts.get(t)
            )
        )
        outcome["marts"] = "new" if marts == new and marts != old_marts else "old" if marts != new else "same"
        published_now = _published_marts(published)
        assert published_now in (old_published, published_refs[current]), (
            f"trial {trial} ({outcome}): the published copy is neither the previous publication nor the new one"
        )
        outcome["published"] = (
            "same"
            if old_published == published_refs[current]
            else "new"
            if published_now == published_refs[current]
            else "old"
        )
        outcomes.append(outcome)
        old_marts, old_published = marts, published_now

    kills = [o for o in outcomes if o["killed"]]
    phases = Counter(o["phase"] for o in kills)
    print("\ncrash trials:", len(outcomes), "killed:", len(kills), "by phase at the kill:", dict(phases))
    for o in outcomes:
        print(o)

    # the next build completes without any clean-up by hand, and equals a clean build row for row: one in a
    # fresh warehouse, run beside it now (the same code: the dbt project may have changed since the start)
    current = "B" if current == "A" else "A"
    _set_inbox(raw, inboxes[current])
    clean_raw = tmp_path / "clean_final" / "raw"
    clean_raw.parent.mkdir()
    _set_inbox(clean_raw, inboxes[current])
    clean_warehouse = clean_raw.parent / "wh" / "budget.duckdb"
    clean = _start_build(clean_raw, clean_warehouse, None, clean_raw.parent / "build.log")
    proc = _start_build(raw, warehouse, dagster_home, tmp_path / "final.log")
    assert proc.wait(timeout=600) == 0, (tmp_path / "final.err").read_text()[-3000:]
    assert clean.wait(timeout=600) == 0, (clean_raw.parent / "build.err").read_text()[-3000:]
    assert _warehouse_marts(warehouse) == _warehouse_marts(clean_warehouse)
    assert _published_marts(published) == _published_marts(
        clean_warehouse.parent / "published" / "budget_marts.duckdb"
    )
    assert not _check_raw(warehouse, clean_counts)
    assert not list(published.parent.glob(".*.tmp*")) and not list(published.parent.glob(".release-*"))
    assert not (warehouse.parent / ".building").exists()

    import dagster as dg
    from dagster._core.storage.dagster_run import FINISHED_STATUSES

    monkeypatch.setenv("DAGSTER_HOME", str(dagster_home))
    with dg.DagsterInstance.get() as instance:
        unfinished = [r.run_id for r in instance.get_runs() if r.status not in FINISHED_STATUSES]
        claimed = instance.event_log_storage.get_concurrency_info("duckdb_writer").claimed_slots
    assert not unfinished, f"runs left unfinished: {unfinished}"
    assert not claimed, f"pool slots still claimed: {claimed}"

    assert len(kills) >= 15, outcomes
    assert {"extract", "load", "dbt", "publish"} <= set(phases), phases
    assert any(o["dbt_seen"] for o in kills) and any(o["publish_tmp_seen"] for o in kills)
