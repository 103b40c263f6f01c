"""A real warehouse, built and published by ``build_warehouse`` (the function behind ``budget-warehouse build``),
for the dashboard and publishing tests.  Built once per test session (it takes about a minute) from copies of
the seed disclosures; every test that changes it works on a copy.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import pytest

from dagster_project.build import BuildReport, build_warehouse
from dagster_project.defs.settings import WarehouseSettings
from dagster_project.publish import open_published

_SESSION: dict[str, PublishedWarehouse] = {}


@dataclass
class PublishedWarehouse:
    root: Path
    raw: Path
    warehouse: Path
    published: Path
    report: BuildReport
    output: list[str] = field(default_factory=list)

    def rows(self, sql: str, params: Iterable = ()) -> list[dict]:
        """Rows of the PUBLISHED file, read as the dashboard reads it."""
        con = open_published(self.published)
        try:
            cursor = con.execute(sql, list(params))
            columns = [c[0] for c in cursor.description]
            return [dict(zip(columns, row)) for row in cursor.fetchall()]
        finally:
            con.close()


def build(root: Path, raw: Path) -> tuple[BuildReport, list[str], WarehouseSettings]:
    """``build_warehouse`` over ``raw`` into ``root/warehouse/budget.duckdb`` (published beside it)."""
    output: list[str] = []
    with pytest.MonkeyPatch.context() as env:
        env.setenv("BUDGET_RAW_DIR", str(raw))
        env.setenv("BUDGET_WAREHOUSE", str(root / "warehouse" / "budget.duckdb"))
        env.delenv("BUDGET_PUBLISHED", raising=False)
        env.delenv("DAGSTER_HOME", raising=False)
        settings = WarehouseSettings.from_env()
        report = build_warehouse(settings, instance=dg.DagsterInstance.ephemeral(), echo=output.append)
    return report, output, settings


def build_published(root: Path, files: Iterable[Path]) -> PublishedWarehouse:
    raw = root / "raw"
    raw.mkdir(parents=True)
    for path in files:
        shutil.copy(path, raw / path.name)
    report, output, settings = build(root, raw)
    assert report.ok, "\n".join(output)
    return PublishedWarehouse(
        root=root,
        raw=raw,
        warehouse=settings.warehouse_path,
        published=settings.published_file,
        report=report,
        output=output,
    )


def session_published_warehouse(tmp_path_factory, seed_disclosures) -> PublishedWarehouse:
    """The session's warehouse of the five seeds, published (built on first use)."""
    if "seeds" not in _SESSION:
        _SESSION["seeds"] = build_published(tmp_path_factory.mktemp("published_seeds"), seed_disclosures)
    return _SESSION["seeds"]


def copy_of(built: PublishedWarehouse, root: Path) -> PublishedWarehouse:
    """A copy of a built warehouse (raw folder, warehouse file, publication) that a test may change."""
    shutil.copytree(built.raw, root / "raw")
    shutil.copytree(built.warehouse.parent, root / "warehouse")
    return PublishedWarehouse(
        root=root,
        raw=root / "raw",
        warehouse=root / "warehouse" / built.warehouse.name,
        published=root / built.published.relative_to(built.root),
        report=built.report,
    )


# --------------------------------------------------------------------------- seeds + 决算 (issue 15)
FINAL_ACCOUNTS_DIR = Path(__file__).resolve().parents[2] / "shared" / "pdfs" / "final_accounts"
REAL_FINAL_ACCOUNTS = FINAL_ACCOUNTS_DIR / "samples_good_上海市普陀区财政局2024年度部门决算.pdf"
SERIES_SEED = "002_5e80dbdf814b782e.txt"


@dataclass
class FinalAccountsWarehouse:
    """The seeds, a 决算 and the previous year's 预算 generated from seed 002 (``tools/generate_series.py``),
    and the real 财政局 决算 PDF where ``../shared/pdfs/final_accounts`` is beside the clone; published."""

    built: PublishedWarehouse
    generated: dict[str, Path]
    real_final: Path | None


def session_final_accounts_warehouse(tmp_path_factory, seed_disclosures) -> FinalAccountsWarehouse:
    """Built once per session, on first use (the 决算 fixture of the dashboard tests)."""
    if "final_accounts" not in _SESSION:
        from tools.generate_series import generate

        root = tmp_path_factory.mktemp("published_final_accounts")
        [seed] = [p for p in seed_disclosures if p.name == SERIES_SEED]
        generated = generate(seed, root / "generated")
        real = REAL_FINAL_ACCOUNTS if REAL_FINAL_ACCOUNTS.exists() else None
        files = [
            *seed_disclosures,
            generated["final"],
            generated["previous_budget"],
            *([real] if real else []),
        ]
        _SESSION["final_accounts"] = FinalAccountsWarehouse(
            built=build_published(root / "build", files), generated=generated, real_final=real
        )
    return _SESSION["final_accounts"]
