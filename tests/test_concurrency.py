"""Concurrency: readers of the published copy while builds run; a second build; a stale lock; a warehouse
held open by another process.  Real builds (``budget-warehouse build`` subprocesses), real readers.

* A loop of readers (a thread here, opening the published copy as the dashboard does) during several builds
  that alternate the inbox: never an error, and every read is one whole publication (the marts agree with the
  ``published.publication`` row written with them).
* A second build of the same warehouse, started while one runs — with another ``DAGSTER_HOME``, as the two
  builds that used to interleave — exits at once with status 3 and a message naming the running build's pid
  (the pid the lock file holds); the running build is unaffected.
* A lock file left by a dead pid is taken over, and the build says so.
* A process holding the warehouse file read-write: the build exits 3 at once, naming that process, instead of
  ~100 s of retries and a Dagster stack trace.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

from dagster_project.defs.build_lock import BUSY, lock_path
from dagster_project.publish import open_published

REPO = Path(__file__).resolve().parents[1]
BUILD = Path(sys.executable).parent / "budget-warehouse"
SEEDS = sorted((REPO / "data" / "raw").glob("*.txt"))
GUARD = 600  # seconds: guards against a hang only


def _env(dagster_home: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BUDGET_") and k != "DAGSTER_HOME"}
    if dagster_home is not None:
        env["DAGSTER_HOME"] = str(dagster_home)
    env["COLUMNS"] = "200"
    return env


def _build(raw: Path, warehouse: Path, dagster_home: Path | None = None, **popen) -> subprocess.Popen:
    return subprocess.Popen(
        [str(BUILD), "build", "--raw-dir", str(raw), "--warehouse", str(warehouse)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(dagster_home),
        cwd=REPO,
        **popen,
    )


def _inbox(raw: Path, files: list[Path]) -> None:
    raw.mkdir(exist_ok=True)
    for path in raw.iterdir():
        path.unlink()
    for f in files:
        shutil.copy(f, raw / f.name)


def _dagster_home(path: Path) -> Path:
    path.mkdir()
    shutil.copy(REPO / "dagster_project" / "dagster.yaml", path / "dagster.yaml")
    return path


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


class Reader(threading.Thread):
    """Reads the published copy in a loop; keeps every error and every inconsistent read."""

    def __init__(self, published: Path):
        super().__init__(daemon=True)
        self.published = published
        self.stop = threading.Event()
        self.reads = 0
        self.errors: list[str] = []
        self.seen: set[str] = set()

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                con = open_published(self.published)
                try:
                    published_at, documents, tables = con.execute(
                        "SELECT published_at, published_documents, marts_tables FROM published.publication"
                    ).fetchone()
                    rows = con.execute("SELECT count(*) FROM marts.unit_metrics").fetchone()[0]
                    present = sorted(
                        f"marts.{r[0]}"
                        for r in con.execute(
                            "SELECT table_name FROM duckdb_tables() WHERE database_name = 'publication' "
                            "AND schema_name = 'marts'"
                        ).fetchall()
                    )
                    docs = con.execute(
                        "SELECT count(DISTINCT document_id) FROM marts.unit_metrics"
                    ).fetchone()[0]
                finally:
                    con.close()
                if rows != documents or present != sorted(tables) or docs != documents:
                    self.errors.append(
                        f"half a publication: {rows} rows, {documents} documents, {present} vs {tables}"
                    )
                self.seen.add(str(published_at))
                self.reads += 1
            except Exception as exc:  # noqa: BLE001 — any error a reader sees is the failure
                self.errors.append(f"{type(exc).__name__}: {exc}")
            time.sleep(0.01)


def test_readers_second_build_and_stale_lock(tmp_path):
    raw = tmp_path / "raw"
    warehouse = tmp_path / "wh" / "budget.duckdb"
    published = warehouse.parent / "published" / "budget_marts.duckdb"
    home_1, home_2 = _dagster_home(tmp_path / "home1"), _dagster_home(tmp_path / "home2")

    # a lock file left by a build that died: taken over, and said so
    lock = lock_path(warehouse)
    lock.parent.mkdir(parents=True)
    dead = _dead_pid()
    lock.write_text(json.dumps({"pid": dead, "host": "x", "started_at": "2026-01-01T00:00:00+00:00"}))
    _inbox(raw, SEEDS[:1])
    first = _build(raw, warehouse, home_1)
    _, err = first.communicate(timeout=GUARD)
    assert first.returncode == 0, err[-3000:]
    assert f"took over the build lock left by pid {dead}" in err
    assert lock.read_text() == ""  # released: nobody holds it

    reader = Reader(published)
    reader.start()
    try:
        for files in (SEEDS[:2], SEEDS[:1]):
            _inbox(raw, files)
            running = _build(raw, warehouse, home_1)
            deadline = time.monotonic() + GUARD
            while not lock.read_text().strip():  # the running build has taken the lock
                assert running.poll() is None, running.communicate()[1][-3000:]
                assert time.monotonic() < deadline
                time.sleep(0.05)
            holder = json.loads(lock.read_text())
            assert holder["pid"] == running.pid

            # a second build (another Dagster home): refused at once, naming the running one
            second = _build(raw, warehouse, home_2)
            out2, err2 = second.communicate(timeout=GUARD)
            assert second.returncode == BUSY, (second.returncode, err2[-3000:])
            assert f"another build is running: pid {running.pid}" in err2
            assert "marts.unit_metrics" not in out2  # no summary, no marts of the other build as its own
            assert running.poll() is None, "the running build ended before the second one was refused"

            _, err = running.communicate(timeout=GUARD)
            assert running.returncode == 0, err[-3000:]
    finally:
        reader.stop.set()
        reader.join(timeout=60)
    assert not reader.errors, reader.errors[:10]
    assert reader.reads > 50 and len(reader.seen) >= 3, (reader.reads, reader.seen)


HOLDER = """
import duckdb, sys, time
con = duckdb.connect(sys.argv[1])
con.execute("CREATE TABLE IF NOT EXISTS held (x INTEGER)")
print("holding", flush=True)
time.sleep(600)
"""


def test_a_process_holding_the_warehouse_gets_a_clear_error(tmp_path):
    raw = tmp_path / "raw"
    _inbox(raw, SEEDS[:1])
    warehouse = tmp_path / "wh" / "budget.duckdb"
    warehouse.parent.mkdir()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(warehouse)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        build = _build(raw, warehouse)
        out, err = build.communicate(timeout=GUARD)
    finally:
        holder.kill()
        holder.wait()
    assert build.returncode == BUSY, (build.returncode, err[-3000:])
    assert f"held open by pid {holder.pid}" in err, err[-3000:]
    assert "Traceback" not in err and "Traceback" not in out
