"""The ``budget-warehouse`` command.

    budget-warehouse build            load every disclosure of the raw folder, then dbt build; print a summary
    budget-warehouse report DOCUMENT  tables, checks and every key figure's source for one document

Exit status 1 only when the load or dbt itself failed; a quarantined document is not a failure.
``--raw-dir``/``--warehouse`` are relative to the working directory; the environment variables
``BUDGET_RAW_DIR``/``BUDGET_WAREHOUSE`` (and the defaults) to the repository root.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from dagster_project.defs.settings import DEFAULT_RAW_DIR, DEFAULT_WAREHOUSE, WarehouseSettings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="budget-warehouse", description="Chinese budget disclosures → DuckDB → dbt marts"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="load the raw folder into DuckDB and dbt build the marts")
    build.add_argument(
        "--raw-dir", help=f"folder of disclosures (default $BUDGET_RAW_DIR or {DEFAULT_RAW_DIR})"
    )
    build.add_argument("--warehouse", help=f"DuckDB file (default $BUDGET_WAREHOUSE or {DEFAULT_WAREHOUSE})")
    build.add_argument("-v", "--verbose", action="store_true", help="show Dagster's and dbt's log lines")
    report = commands.add_parser("report", help="tables found/empty/missing, checks, key figures with sources")
    report.add_argument("document", help="document id (or prefix), file name, or part of the unit name")
    report.add_argument("--warehouse", help=f"DuckDB file (default $BUDGET_WAREHOUSE or {DEFAULT_WAREHOUSE})")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = WarehouseSettings.from_env()
    if args.command == "report":
        from dagster_project.report import print_report

        warehouse = Path(args.warehouse).resolve() if args.warehouse else settings.warehouse_path
        return print_report(warehouse, args.document)
    if args.raw_dir:
        settings = dataclasses.replace(settings, raw_dir=Path(args.raw_dir).resolve())
    if args.warehouse:
        settings = dataclasses.replace(settings, warehouse_path=Path(args.warehouse).resolve())
    os.environ["BUDGET_WAREHOUSE"] = str(settings.warehouse_path)  # for dbt, which reads it from the profile

    from dagster_project.build import build_warehouse

    report = build_warehouse(settings, verbose=args.verbose)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
