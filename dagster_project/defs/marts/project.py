"""The dbt project (``dbt/``, project and profile ``budget_warehouse``) and its manifest.

``@dbt_assets`` needs ``target/manifest.json`` when the definitions are imported.  ``prepare_if_dev``
re-parses under ``dagster dev``; everywhere else (the CLI, pytest, ``dagster definitions validate``) the
manifest is re-parsed when it is missing or older than a file of the project, so an edited model is
never run from a stale manifest.
"""

from __future__ import annotations

import functools
import os
import shutil
import sys
from pathlib import Path

from dagster_dbt import DbtProject

from warehouse.settings import dbt_project_dir

_NOT_SOURCES = {"target", "logs", "dbt_packages", ".user.yml"}


@functools.cache
def budget_dbt_project() -> DbtProject:
    project_dir = dbt_project_dir()
    _use_dbt_beside_python()
    # parsing needs no warehouse: the commands that open one name it (resources.dbt_warehouse_args)
    project = DbtProject(project_dir=project_dir, profiles_dir=project_dir)
    project.prepare_if_dev()
    if _manifest_is_stale(project):
        project.preparer.prepare(project)  # dbt parse
    return project


def _use_dbt_beside_python() -> None:
    """dagster-dbt runs ``dbt`` from PATH.  Put this venv's bin first when its dbt is not the one found there,
    so ``.venv/bin/dagster dev`` or ``.venv/bin/budget-warehouse`` work without activating the venv."""
    bin_dir = Path(sys.executable).parent
    venv_dbt = bin_dir / "dbt"
    if venv_dbt.exists() and shutil.which("dbt") != str(venv_dbt):
        os.environ["PATH"] = f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"


def _manifest_is_stale(project: DbtProject) -> bool:
    manifest = Path(project.manifest_path)
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    return any(path.stat().st_mtime > built for path in project_files(Path(project.project_dir)))


def project_files(root: Path):
    """The files of the dbt project below ``root`` that dbt reads (not its target, logs or packages)."""
    for path in root.iterdir():
        if path.name in _NOT_SOURCES or path.name.startswith("."):
            continue
        if path.is_dir():
            yield from project_files(path)
        elif path.is_file():
            yield path
