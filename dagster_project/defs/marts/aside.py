"""dbt builds a copy of the warehouse aside, which then replaces the warehouse in one rename.

A build killed while dbt runs its models must not leave the warehouse with some marts of the new build and
some of the old one.  So the dbt assets

1. checkpoint the warehouse (every committed load is in the file, no ``.wal`` beside it) and copy the file to
   ``<warehouse dir>/.building/<warehouse file name>`` — the same file name, so DuckDB's catalog name (the
   stem, which dbt's views name) is the same;
2. run ``dbt build`` against that copy (named by ``--vars``, which the profile reads);
3. only when dbt succeeded: checkpoint the copy, check that nobody holds the warehouse, and ``os.replace`` the
   copy over it (atomic) and fsync the folder.

A kill before the rename leaves the warehouse as it was (the previous build's marts, the new raw loads); after
it, the new build's.  A dbt build that fails leaves the previous marts too.  The next build removes whatever
``.building/`` holds.  The build lock (``build_lock``) and the ``duckdb_writer`` pool keep every other writer
away from the warehouse meanwhile; a process that wrote to it between the copy and the rename regardless would
lose that write (documented in docs/crash_safety.md).

Costs one copy of the warehouse file per build (disk: twice the file while dbt runs).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from dagster_project.defs.build_lock import connect_writer

BUILDING_DIR = ".building"


def aside_path(warehouse_path: Path) -> Path:
    warehouse_path = Path(warehouse_path)
    return warehouse_path.parent / BUILDING_DIR / warehouse_path.name


def clear_aside(warehouse_path: Path) -> bool:
    """Remove ``.building/`` (a copy left by a killed or failed build); True when there was one."""
    folder = aside_path(warehouse_path).parent
    if not folder.exists():
        return False
    shutil.rmtree(folder, ignore_errors=True)
    return True


def checkpoint(path: Path) -> None:
    con = connect_writer(path)
    try:
        con.execute("CHECKPOINT")
    finally:
        con.close()


def prepare_aside(warehouse_path: Path) -> Path:
    """The copy of the warehouse dbt will build (after a checkpoint of the warehouse)."""
    warehouse_path = Path(warehouse_path)
    clear_aside(warehouse_path)
    checkpoint(warehouse_path)
    wal = _wal(warehouse_path)
    if wal.exists():
        raise RuntimeError(f"{wal} is still there after a checkpoint: another process writes the warehouse")
    aside = aside_path(warehouse_path)
    aside.parent.mkdir(parents=True)
    shutil.copyfile(warehouse_path, aside)
    return aside


def swap_in(aside: Path, warehouse_path: Path) -> None:
    """Replace the warehouse with the copy dbt built, atomically."""
    aside, warehouse_path = Path(aside), Path(warehouse_path)
    checkpoint(aside)
    if _wal(aside).exists():
        raise RuntimeError(f"{_wal(aside)} is still there after a checkpoint")
    checkpoint(warehouse_path)  # fails (WarehouseBusy) when another process holds the warehouse now
    if _wal(warehouse_path).exists():
        raise RuntimeError(f"{_wal(warehouse_path)} appeared: another process writes the warehouse")
    _fsync(aside)
    os.replace(aside, warehouse_path)
    _fsync(warehouse_path.parent)
    clear_aside(warehouse_path)


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
