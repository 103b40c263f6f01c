"""The overview's table: which columns, how each is headed and shown, and the frame it displays and downloads.

Money stays DECIMAL (万元); shares are shown in percent (the ratio × 100, still DECIMAL).
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import catalogue, labels
from dashboard.data import per_capita_reason

MONEY_FORMAT = "%,.2f"
PERCENT_FORMAT = "%.2f%%"

# the table's columns, in order; how each is shown is its format in the column catalogue (unit_metrics' yml
# meta: a share or percent in percent, money with separators …), or the overview's own kind (OWN_KINDS)
TABLE_COLUMNS: list[str] = [
    "rank",
    "unit_name",
    "fiscal_year",
    "province",
    "region",
    "scope",
    "quality",
    "per_capita_personnel",
    "per_capita_wage_welfare",
    "per_capita_note",
    "in_service_staff",
    "staff_basis",
    "three_public_share",
    "three_public_total",
    "three_public_outbound",
    "three_public_vehicle_purchase",
    "three_public_vehicle_operation",
    "three_public_reception",
    "share_208",
    "share_210",
    "share_221",
    "share_other",
    "total_expenditure",
    "basic_expenditure",
    "project_expenditure",
    "reserve_expenditure",
    "unit_page",
    "document_id",
]

# the 决算 overview adds the execution of the total, after the quality column
EXECUTION_TABLE_COLUMNS: list[str] = [
    "execution_rate",
    "execution_budget",
    "execution_final",
    "budget_source",
]

# the columns the overview derives (not in unit_metrics), with how each is shown
OWN_KINDS = {
    "rank": "count",
    "quality": "text",
    "per_capita_note": "note",
    "unit_page": "link",
    "execution_rate": "percent",
    "execution_budget": "money",
    "execution_final": "money",
    "budget_source": "text",
}
CATALOGUE_KINDS = {"share": "percent"}  # a share (0–1) is shown in percent, like a rate


def kind_of(column: str) -> str:
    """How the table shows ``column``: money | percent | count | year | text | note | link."""
    if column in OWN_KINDS:
        return OWN_KINDS[column]
    fmt = catalogue.format_of("unit_metrics", column) or "text"
    return CATALOGUE_KINDS.get(fmt, fmt)


def table_columns(execution: bool = False) -> list[tuple[str, str]]:
    names = TABLE_COLUMNS
    if execution:
        at = TABLE_COLUMNS.index("quality") + 1
        names = [*TABLE_COLUMNS[:at], *EXECUTION_TABLE_COLUMNS, *TABLE_COLUMNS[at:]]
    return [(column, kind_of(column)) for column in names]


SUFFIXES = {"percent": " (%)", "money": " (万元)", "per_capita": " (万元/人)"}


def header(column: str, kind: str | None = None) -> str:
    """The table header of a column: ``'人均人员经费 Personnel / person (万元/人)'``."""
    kind = kind or dict(table_columns(execution=True))[column]
    label = labels.METRICS.get(column, labels.Label(column, ""))
    suffix = SUFFIXES["per_capita"] if column.startswith("per_capita") else SUFFIXES.get(kind, "")
    return f"{label.short}{suffix}".strip()


def quality_text(status: str | None, issue_count: int | None) -> str:
    text = labels.QUALITY_STATUS.get(status or "", status or "—")
    return f"{text} · {issue_count}" if issue_count else text


def per_capita_note(row: dict) -> str | None:
    """ "n/a — <reason>" when a per-capita figure is missing (both share the reason when staff is missing)."""
    notes = []
    for column in labels.PER_CAPITA_DEFINITIONS:
        reason = per_capita_reason(row, column)
        if reason is not None:
            text = labels.not_available(reason)
            if reason == "no_numerator":
                text = f"{labels.METRICS[column].zh}: {text}"
            if text not in notes:
                notes.append(text)
    return "；".join(notes) or None


def table_frame(shown: pl.DataFrame, execution: bool = False) -> pl.DataFrame:
    """The shown rows as the table displays and downloads them: labelled columns, shares in percent (with the
    execution of the total for 决算: ``execution=True``)."""
    extra = {}
    if execution:
        extra["budget_source"] = pl.col("budget_source").replace_strict(
            labels.BUDGET_SOURCES, default=pl.col("budget_source")
        )
    frame = shown.with_columns(
        **extra,
        per_capita_note=pl.struct("in_service_staff", *labels.PER_CAPITA_DEFINITIONS).map_elements(
            per_capita_note, return_dtype=pl.String, skip_nulls=False
        ),
        quality=pl.struct("quality_status", "quality_issue_count").map_elements(
            lambda r: quality_text(r["quality_status"], r["quality_issue_count"]), return_dtype=pl.String
        ),
        unit_page=pl.lit("unit?doc=") + pl.col("document_id"),
        staff_basis=pl.col("staff_basis").replace_strict(labels.STAFF_BASIS, default=pl.col("staff_basis")),
    )
    columns = []
    for column, kind in table_columns(execution):
        expression = pl.col(column)
        if kind == "percent":
            expression = (expression * 100).cast(pl.Decimal(14, 4))
        columns.append(expression.alias(header(column, kind)))
    return frame.select(columns)


# pixel widths: a header wraps into the column's tooltip, the figures never get cut ("1,234,567.89")
WIDTHS = {"money": 130, "percent": 100, "count": 70, "year": 70, "text": 120, "note": 230, "link": 80}
WIDE_TEXT = {
    "unit_name": 230,
    "document_id": 150,
    "quality": 130,
    "staff_basis": 170,
    "scope": 70,
    "province": 110,
    "budget_source": 200,
}
PINNED = {"rank", "unit_name"}  # stay in view while the table scrolls sideways


def column_config(execution: bool = False) -> dict:
    config = {}
    for column, kind in table_columns(execution):
        name = header(column, kind)
        width = WIDE_TEXT.get(column, WIDTHS.get(kind, 120))
        pinned = column in PINNED
        if kind == "money":
            config[name] = st.column_config.NumberColumn(name, format=MONEY_FORMAT, width=width)
        elif kind == "percent":
            config[name] = st.column_config.NumberColumn(name, format=PERCENT_FORMAT, width=width)
        elif kind in ("count", "year"):
            config[name] = st.column_config.NumberColumn(name, format="%d", width=width, pinned=pinned)
        elif kind == "link":
            config[name] = st.column_config.LinkColumn(name, display_text="打开 Open", width=width)
        else:
            config[name] = st.column_config.TextColumn(name, width=width, pinned=pinned)
    return config
