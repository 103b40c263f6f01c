"""The end-of-build summary: what was loaded or quarantined, the time per phase, and the unit comparison
from ``marts.unit_metrics`` — as rich tables (``summary_renderables``; rich measures CJK as two columns) or as
one JSON-ready dict (``summary_dict``).

The comparison table and the quality issues are shown only when the marts are this build's (dbt ran and
succeeded); the build reads them into the report while it still holds the build lock (``BuildReport.unit_metrics``,
``.issues``), so a build that starts right after cannot put its marts in this build's summary.  After a failed load or a failed dbt build the warehouse still holds the previous build's marts:
the summary says the build failed and names the previous publication instead of showing those as new.

Reads whatever columns the mart has: a column that is not there yet prints as "—" and is named once.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
from rich import box
from rich.console import Console, RenderableType
from rich.table import Table
from rich.text import Text

from warehouse.catalogue import NUMERIC_FORMATS, read_manifest_catalogue
from warehouse.settings import dbt_project_dir

if TYPE_CHECKING:
    from dagster_project.build import BuildReport

COMPARISON_COLUMNS = (
    "unit_name",
    "fiscal_year",
    "document_kind",
    "total_expenditure",
    "per_capita_personnel",
    "three_public_share",
    "share_208",
    "share_210",
    "share_221",
    "quality_status",
)
MISSING = "—"
TEXT_WIDTH = 240  # the width of the summary when it is rendered to lines (``print_summary``)
PHASES = (("extract_load", "extract+load"), ("dbt", "dbt"), ("publish", "publish"), ("total", "total"))


# --------------------------------------------------------------------------- text


def print_summary(report: BuildReport, echo: Callable[[str], None] = print) -> None:
    """The summary rendered to plain lines, each handed to ``echo``."""
    for line in render_lines(summary_renderables(report)):
        echo(line)


def render_lines(renderables: Sequence[RenderableType], width: int = TEXT_WIDTH) -> list[str]:
    """Rich renderables as plain text lines (no colour), ``width`` columns at most."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system=None, highlight=False, emoji=False)
    for renderable in renderables:
        console.print(renderable)
    return [line.rstrip() for line in buffer.getvalue().splitlines()]


def summary_renderables(report: BuildReport) -> list[RenderableType]:
    out: list[RenderableType] = [Text("")]
    out.append(Text(f"documents loaded: {len(report.loaded)}   quarantined: {len(report.quarantined)}"))
    for outcome in report.quarantined:
        out.append(Text(f"  quarantined {outcome.file_name}: {outcome.reason} — {outcome.detail}"))
    for failure in report.failed_loads:
        out.append(Text(f"  load FAILED {failure}"))
    if report.dbt_error:
        out.append(Text(f"  dbt FAILED: {report.dbt_error}"))
    if report.publish_error:
        out.append(Text(f"  publishing FAILED: {report.publish_error}"))
    phases = phase_line(report)
    if phases:
        out.append(Text(f"time: {phases}"))
    for note in report.recovered:
        out.append(Text(f"  recovered: {note}"))
    out.append(Text(""))
    if not report.marts_are_current:
        out.append(Text(failed_build_note(report)))
        return out
    if report.publish_error:
        out.append(Text(previous_publication_note(report.settings.published_file)))
    out.append(comparison_table(report.settings.warehouse_path, rows=report.unit_metrics))
    out.append(Text(""))
    out.append(issue_table(report.settings.warehouse_path, rows=report.issues))
    return out


def phase_line(report: BuildReport) -> str:
    return "   ".join(f"{label} {report.phases[key]:.1f} s" for key, label in PHASES if key in report.phases)


def failed_build_note(report: BuildReport) -> str:
    cause = "the load failed, dbt did not run" if report.failed_loads else "dbt build failed"
    return (
        f"build FAILED ({cause}): no comparison table — the marts in the warehouse are not this build's. "
        + previous_publication_note(report.settings.published_file)
    )


def previous_publication_note(published_file: Path) -> str:
    published_at = publication_time(published_file)
    if published_at is None:
        return f"Nothing is published at {published_file}."
    return f"The published marts ({published_file}) are still the previous build's, published {published_at:%Y-%m-%d %H:%M:%S} UTC."


def publication_time(published_file: Path) -> datetime | None:
    if not published_file.exists():
        return None
    try:
        from dagster_project.publish import open_published

        con = open_published(published_file)
        try:
            row = con.execute("SELECT max(published_at) FROM published.publication").fetchone()
        finally:
            con.close()
    except duckdb.Error:
        return None
    return row[0] if row else None


# --------------------------------------------------------------------------- the tables


def issue_table(warehouse: Path, rows: list[dict] | str | None = None) -> RenderableType:
    """Quality issues per document: counts by severity and the rules that fired (``rows``: as ``issue_rows``
    read them, by the build under its lock; read from ``warehouse`` when not given)."""
    rows = issue_rows(warehouse) if rows is None else rows
    if isinstance(rows, str):
        return Text(rows)
    table = Table(
        title="quality issues per disclosure (budget-warehouse report DOCUMENT explains one)",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        show_edge=False,
    )
    for name, justify in (
        ("unit_name", "left"),
        ("document_id", "left"),
        ("files", "right"),
        ("error", "right"),
        ("warning", "right"),
        ("info", "right"),
        ("rules fired (not info)", "left"),
    ):
        table.add_column(name, justify=justify)
    for row in rows:
        table.add_row(
            row["unit_name"],
            row["document_id"],
            str(row["file_count"]),
            str(row["errors"]),
            str(row["warnings"]),
            str(row["infos"]),
            row["rules"] or "",
        )
    return table


def issue_lines(warehouse: Path) -> list[str]:
    return render_lines([issue_table(warehouse)])


def issue_rows(warehouse: Path) -> list[dict] | str:
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error as exc:
        return f"(cannot read {warehouse}: {exc})"
    try:
        cursor = con.execute(
            """SELECT d.unit_name, d.document_id,
                      count(*) FILTER (WHERE q.severity = 'error') AS errors,
                      count(*) FILTER (WHERE q.severity = 'warning') AS warnings,
                      count(*) FILTER (WHERE q.severity = 'info') AS infos,
                      string_agg(DISTINCT q.rule, ', ' ORDER BY q.rule) FILTER (WHERE q.severity <> 'info') AS rules,
                      d.file_count
               FROM intermediate.int_documents d LEFT JOIN marts.quality_issues q USING (document_id)
               GROUP BY ALL ORDER BY d.unit_name, d.document_id"""
        )
        return _dicts(cursor)
    except duckdb.Error as exc:
        return f"(marts.quality_issues not available: {exc})"
    finally:
        con.close()


def comparison_table(
    warehouse: Path,
    columns: Sequence[str] = COMPARISON_COLUMNS,
    rows: tuple[list[str], list[dict]] | str | None = None,
) -> RenderableType:
    """``rows``: as ``unit_metrics_rows`` read them (by the build, under its lock, so the table is this build's
    marts even when another build has started since); read from ``warehouse`` when not given."""
    rows = unit_metrics_rows(warehouse, columns) if rows is None else rows
    if isinstance(rows, str):
        return Text(rows)
    present, records = rows
    absent = [c for c in columns if c not in present]
    table = Table(
        title="marts.unit_metrics",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        caption=f"(not in marts.unit_metrics yet: {', '.join(absent)})" if absent else None,
        caption_justify="left",
    )
    formats = unit_metrics_formats()
    for column in columns:
        numeric = formats.get(column) in NUMERIC_FORMATS
        table.add_column(column, justify="right" if numeric else "left")
    for record in records:
        table.add_row(*(_cell(record.get(c, MISSING), formats.get(c)) for c in columns))
    return table


def unit_metrics_formats() -> dict[str, str | None]:
    """Each unit_metrics column's format (money, share, count, year, text …), from the column catalogue in the
    marts' yml meta (dbt's manifest: ``warehouse.catalogue``)."""
    return {
        c.column_name: c.format
        for c in read_manifest_catalogue(dbt_project_dir())
        if c.table_name == "unit_metrics"
    }


def comparison_lines(warehouse: Path, columns: Sequence[str] = COMPARISON_COLUMNS) -> list[str]:
    return render_lines([comparison_table(warehouse, columns)])


def unit_metrics_rows(
    warehouse: Path, columns: Sequence[str] = COMPARISON_COLUMNS
) -> tuple[list[str], list[dict]] | str:
    """(the columns the mart has, its rows with ``columns`` that are present), or a message."""
    if not warehouse.exists():
        return f"(no warehouse at {warehouse})"
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error as exc:  # e.g. another process holds the file
        return f"(cannot read {warehouse}: {exc})"
    try:
        present = [
            row[0]
            for row in con.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = 'marts' AND table_name = 'unit_metrics' ORDER BY ordinal_position"
            ).fetchall()
        ]
        if not present:
            return "(marts.unit_metrics does not exist yet)"
        selected = [c for c in columns if c in present]
        order = [c for c in ("unit_name", "fiscal_year", "document_id") if c in present]
        cursor = con.execute(
            f"SELECT {', '.join(_quote(c) for c in selected) or '1 AS one'} FROM marts.unit_metrics"
            + (f" ORDER BY {', '.join(_quote(c) for c in order)}" if order else "")
        )
        return present, _dicts(cursor)
    finally:
        con.close()


# --------------------------------------------------------------------------- JSON


def summary_dict(report: BuildReport) -> dict[str, Any]:
    """The build summary as plain data (``to_json`` turns its Decimals into strings)."""
    settings = report.settings
    current = report.marts_are_current
    metrics = (
        (
            report.unit_metrics
            if report.unit_metrics is not None
            else unit_metrics_rows(settings.warehouse_path)
        )
        if current
        else None
    )
    quarantine_reasons = Counter(o.reason for o in report.quarantined)
    return {
        "ok": report.ok,
        "status": "ok" if report.ok else "failed",
        "raw_dir": str(settings.raw_dir),
        "warehouse": str(settings.warehouse_path),
        "published_file": str(settings.published_file),
        "published_by_this_build": report.published is not None,
        "counts": {
            "files": len(report.outcomes) + len(report.failed_loads),
            "loaded": len(report.loaded),
            "quarantined": len(report.quarantined),
            "failed_loads": len(report.failed_loads),
            "forgotten": len(report.forgotten),
            "quarantine_reasons": dict(sorted(quarantine_reasons.items())),
        },
        "quarantined": [
            {"file_name": o.file_name, "document_id": o.document_id, "reason": o.reason, "detail": o.detail}
            for o in report.quarantined
        ],
        "failed_loads": list(report.failed_loads),
        "forgotten": list(report.forgotten),
        "dbt": {
            "ran": report.dbt_ran,
            "ok": report.dbt_ran and report.dbt_error is None,
            "summary": report.dbt_summary,
            "failing_tests": list(report.failing_tests),
            "error": report.dbt_error,
        },
        "publish_error": report.publish_error,
        "phases_seconds": {key: round(report.phases[key], 3) for key, _ in PHASES if key in report.phases},
        "documents": [o.as_dict() for o in report.loaded],
        "marts_are_this_builds": current,
        "unit_metrics": metrics[1] if isinstance(metrics, tuple) else None,
        "note": None if current else failed_build_note(report),
        "recovered": list(report.recovered),
    }


def json_default(value: object) -> object:
    """``json.dumps(default=…)``: Decimals as strings (exact), dates as ISO text, anything else as str."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)


# --------------------------------------------------------------------------- helpers


def _dicts(cursor: duckdb.DuckDBPyConnection) -> list[dict]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def _quote(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def _cell(value: object, fmt: str | None) -> str:
    """A value as the comparison table prints it, by its catalogue format."""
    if value is None:
        return ""
    if value is MISSING or isinstance(value, str):
        return str(value)
    if isinstance(value, bool) or fmt in ("year", "count"):
        return str(value)
    if isinstance(value, (int, Decimal, float)):
        if fmt in ("share", "percent"):
            return f"{value:.3f}" if abs(value) <= 1 else f"{value:.1f}"
        return f"{value:,.2f}"
    return str(value)
