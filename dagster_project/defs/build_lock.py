"""One build per warehouse at a time: an advisory lock file beside the warehouse.

    <warehouse dir>/.<warehouse file name>.build.lock     {"pid": …, "host": …, "started_at": …, "argv": […]}

``warehouse_lock(path)`` takes an exclusive ``flock`` on the file without waiting; when another process holds
it, ``BuildBusy`` names that process (pid, host, since when, its command line).  The kernel releases a flock
when its process dies, however it dies (SIGKILL included): a lock file left by a dead build is simply taken
over, and the takeover is reported (``LockHandle.took_over``: what the dead holder had written).  Nothing is
ever deleted by hand.

The lock is re-entrant within one process: the CLI build takes it first, then the steps it runs in process
(``raw_disclosure``, the dbt assets, ``published_marts``) take it again for free.  A step that runs in another
process (``dagster dev``) while a CLI build runs fails at once with ``BuildBusy`` rather than writing under it.

``BuildBusy`` is a ``SystemExit`` with status ``BUSY`` (3), so the command exits 3 even where nobody catches
it; ``str()`` is the message.  It is also raised when another process holds the DuckDB file itself
(``probe_warehouse``): DuckDB allows one read-write process per file, and its message names the holder.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

BUSY = 3  # exit status: another build is running, or another process holds the warehouse file
LOCK_SUFFIX = ".build.lock"


class BuildBusy(SystemExit):
    """Another build holds the warehouse's lock, or another process holds the DuckDB file (exit status 3)."""

    def __init__(self, message: str, holder: dict | None = None):
        super().__init__(BUSY)
        self.message = message
        self.holder = holder or {}

    def __str__(self) -> str:
        return self.message


@dataclass
class LockHandle:
    path: Path
    took_over: dict | None = None  # what a dead holder had written (it was killed, or crashed)
    _fd: int = -1
    _depth: int = 0


_held: dict[Path, LockHandle] = {}
_guard = threading.Lock()


def lock_path(warehouse_path: Path) -> Path:
    warehouse_path = Path(warehouse_path).resolve()
    return warehouse_path.parent / f".{warehouse_path.name}{LOCK_SUFFIX}"


@contextlib.contextmanager
def warehouse_lock(warehouse_path: Path) -> Iterator[LockHandle]:
    """Hold the build lock of ``warehouse_path`` for the block (re-entrant in this process)."""
    path = lock_path(warehouse_path)
    with _guard:
        handle = _held.get(path)
        if handle is None:
            handle = _acquire(path)
            _held[path] = handle
        handle._depth += 1
    try:
        yield handle
    finally:
        with _guard:
            handle._depth -= 1
            if handle._depth == 0:
                _held.pop(path, None)
                _release(handle)


def holds_lock(warehouse_path: Path) -> bool:
    return lock_path(warehouse_path) in _held


def read_holder(path: Path) -> dict:
    try:
        text = path.read_text(encoding="utf-8").strip()
        return json.loads(text) if text else {}
    except (OSError, ValueError):
        return {}


def _acquire(path: Path) -> LockHandle:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        holder = read_holder(path)
        raise BuildBusy(_busy_message(path, holder), holder) from None
    except BaseException:
        os.close(fd)
        raise
    previous = read_holder(path)
    record = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "argv": sys.argv[:6],
    }
    os.ftruncate(fd, 0)
    os.pwrite(fd, (json.dumps(record, ensure_ascii=False) + "\n").encode(), 0)
    os.fsync(fd)
    # a non-empty record whose process is gone: the previous build died holding the lock (we got it: the
    # kernel released its flock when it died)
    return LockHandle(path=path, took_over=previous or None, _fd=fd)


def _release(handle: LockHandle) -> None:
    try:
        os.ftruncate(
            handle._fd, 0
        )  # an empty file: nobody holds it (the file itself stays: see the docstring)
    except OSError:
        pass
    finally:
        try:
            fcntl.flock(handle._fd, fcntl.LOCK_UN)
        finally:
            os.close(handle._fd)


def _busy_message(path: Path, holder: dict) -> str:
    if not holder:
        return (
            f"another build is running (it holds {path}; its pid is not written yet): try again when it ends"
        )
    who = f"pid {holder.get('pid', '?')} on {holder.get('host', '?')}"
    since = holder.get("started_at", "?")
    argv = " ".join(str(a) for a in holder.get("argv", []))
    return f"another build is running: {who}, since {since} UTC ({argv}); lock file {path}. Try again when it ends."


# --------------------------------------------------------------------------- the DuckDB file itself

CONFLICTING_LOCK = "Conflicting lock"
LOCK_RETRY_SECONDS = (
    5.0  # how long a step waits for a read-only reader (``budget-warehouse report``) to close
)


def is_lock_conflict(exc: BaseException) -> bool:
    text = str(exc)
    return isinstance(exc, duckdb.IOException) and ("Could not set lock" in text or CONFLICTING_LOCK in text)


def warehouse_busy_message(warehouse_path: Path, exc: BaseException) -> str:
    """A one-line message naming the process DuckDB says holds the file ("… (PID 1234) …")."""
    detail = " ".join(str(exc).split())
    holder = ""
    marker = "(PID "
    if marker in detail:
        pid = detail.split(marker, 1)[1].split(")", 1)[0].strip()
        holder = f" by pid {pid}" + _command_of(pid)
    return (
        f"the warehouse {warehouse_path} is held open{holder} (DuckDB allows one read-write process per file): "
        f"close that process and build again. DuckDB said: {detail}"
    )


def _command_of(pid: str) -> str:
    try:
        raw = Path(f"/proc/{int(pid)}/cmdline").read_bytes()
    except (OSError, ValueError):
        return ""
    command = " ".join(part.decode(errors="replace") for part in raw.split(b"\0") if part)
    return f" ({command[:160]})" if command else ""


def connect_writer(
    warehouse_path: Path, retry_seconds: float = LOCK_RETRY_SECONDS
) -> duckdb.DuckDBPyConnection:
    """A read-write connection; while another process holds the file, retry for ``retry_seconds`` (a reader
    closing), then raise ``WarehouseBusy`` naming the holder — never an unbounded wait."""
    deadline = time.monotonic() + retry_seconds
    delay = 0.1
    while True:
        try:
            return duckdb.connect(str(warehouse_path))
        except duckdb.IOException as exc:
            if not is_lock_conflict(exc) or time.monotonic() >= deadline:
                if is_lock_conflict(exc):
                    raise WarehouseBusy(warehouse_busy_message(warehouse_path, exc)) from None
                raise
        time.sleep(delay)
        delay = min(delay * 2, 1.0)


class WarehouseBusy(RuntimeError):
    """Another process holds the DuckDB file (a step's error; the build start turns it into ``BuildBusy``)."""


def probe_warehouse(warehouse_path: Path) -> None:
    """Open the warehouse read-write once and close it: ``BuildBusy`` when another process holds it."""
    Path(warehouse_path).parent.mkdir(parents=True, exist_ok=True)
    try:
        connect_writer(warehouse_path).close()
    except WarehouseBusy as exc:
        raise BuildBusy(str(exc)) from None
