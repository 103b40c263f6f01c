"""The end-of-build summary: what was loaded or quarantined, and the unit comparison from ``marts.unit_metrics``.

Reads whatever columns the mart has: a column that is not there yet prints as "—" and is named once.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

if TYPE_CHECKING:
    from dagster_project.build import BuildReport

COMPARISON_COLUMNS = (
    "unit_name",
    "fiscal_year",
    "total_expenditure",
    "per_capita_personnel",
    "three_public_share",
    "share_208",
    "share_210",
    "share_221",
    "quality_status",
)
MISSING = "—"


def print_summary(report: BuildReport, echo: Callable[[str], None] = print) -> None:
    echo("")
    echo(f"documents loaded: {len(report.loaded)}   quarantined: {len(report.quarantined)}")
    for outcome in report.quarantined:
        echo(f"  quarantined {outcome.file_name}: {outcome.reason} — {outcome.detail}")
    for failure in report.failed_loads:
        echo(f"  load FAILED {failure}")
    if report.dbt_error:
        echo(f"  dbt FAILED: {report.dbt_error}")
    echo("")
    for line in comparison_lines(report.settings.warehouse_path):
        echo(line)
    echo("")
    for line in issue_lines(report.settings.warehouse_path):
        echo(line)


def issue_lines(warehouse: Path) -> list[str]:
    """Quality issues per document: counts by severity and the rules that fired."""
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error as exc:
        return [f"(cannot read {warehouse}: {exc})"]
    try:
        rows = con.execute(
            """SELECT d.unit_name, d.document_id,
                      count(*) FILTER (WHERE q.severity = 'error'),
                      count(*) FILTER (WHERE q.severity = 'warning'),
                      count(*) FILTER (WHERE q.severity = 'info'),
                      string_agg(DISTINCT q.rule, ', ' ORDER BY q.rule) FILTER (WHERE q.severity <> 'info'),
                      d.file_count
               FROM staging.stg_documents d LEFT JOIN marts.quality_issues q USING (document_id)
               GROUP BY ALL ORDER BY d.unit_name, d.document_id"""
        ).fetchall()
    except duckdb.Error as exc:
        return [f"(marts.quality_issues not available: {exc})"]
    finally:
        con.close()
    lines = ["quality issues per disclosure (budget-warehouse report DOCUMENT explains one)"]
    for unit, document_id, errors, warnings, infos, rules, file_count in rows:
        files = f" ({file_count} files)" if file_count > 1 else ""
        lines.append(f"  {unit} [{document_id}]{files}: {errors} error, {warnings} warning, {infos} info"
                     + (f" — {rules}" if rules else ""))
    return lines


def comparison_lines(warehouse: Path, columns: Sequence[str] = COMPARISON_COLUMNS) -> list[str]:
    if not warehouse.exists():
        return [f"(no warehouse at {warehouse})"]
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error as exc:  # e.g. another process holds the file
        return [f"(cannot read {warehouse}: {exc})"]
    try:
        present = [
            row[0]
            for row in con.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = 'marts' AND table_name = 'unit_metrics' ORDER BY ordinal_position"
            ).fetchall()
        ]
        if not present:
            return ["(marts.unit_metrics does not exist yet)"]
        selected = [c for c in columns if c in present]
        order = [c for c in ("unit_name", "fiscal_year", "document_id") if c in present]
        rows = con.execute(
            f"SELECT {', '.join(_quote(c) for c in selected) or '1'} FROM marts.unit_metrics"
            + (f" ORDER BY {', '.join(_quote(c) for c in order)}" if order else "")
        ).fetchall()
    finally:
        con.close()
    table = [[_cell(dict(zip(selected, row)).get(c, MISSING), c) for c in columns] for row in rows]
    lines = ["marts.unit_metrics", *_render(list(columns), table)]
    absent = [c for c in columns if c not in present]
    if absent:
        lines.append(f"(not in marts.unit_metrics yet: {', '.join(absent)})")
    return lines


def _quote(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def _cell(value: object, column: str) -> str:
    if value is None:
        return ""
    if value is MISSING or isinstance(value, str):
        return str(value)
    if isinstance(value, bool) or column == "fiscal_year":
        return str(value)
    if isinstance(value, (int, Decimal)):
        if "share" in column:
            return f"{value:.3f}" if abs(value) <= 1 else f"{value:.1f}"
        return f"{value:,.2f}"
    return str(value)


def _width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, right: bool) -> str:
    fill = " " * (width - _width(text))
    return fill + text if right else text + fill


def _render(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max([_width(h)] + [_width(r[i]) for r in rows]) for i, h in enumerate(header)]
    numeric = [i > 0 and all(_looks_numeric(r[i]) for r in rows) for i in range(len(header))]
    lines = ["  ".join(_pad(h, w, n) for h, w, n in zip(header, widths, numeric))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(_pad(c, w, n) for c, w, n in zip(row, widths, numeric)) for row in rows]
    return [line.rstrip() for line in lines]


def _looks_numeric(text: str) -> bool:
    return text in ("", MISSING) or text.replace(",", "").replace(".", "", 1).lstrip("-").isdigit()
