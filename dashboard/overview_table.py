"""The overview's table: which columns, how each is headed and shown, and the frame it displays and downloads.

Money stays DECIMAL (万元); shares are shown in percent (the ratio × 100, still DECIMAL).
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import labels

MONEY_FORMAT = "%,.2f"
PERCENT_FORMAT = "%.2f%%"

# the table: (column of the ranked frame, how it is shown); shares are shown in percent
TABLE_COLUMNS: list[tuple[str, str]] = [
    ("rank", "count"),
    ("unit_name", "text"),
    ("fiscal_year", "year"),
    ("province", "text"),
    ("region", "text"),
    ("scope", "text"),
    ("quality", "text"),
    ("per_capita_personnel", "money"),
    ("per_capita_wage_welfare", "money"),
    ("in_service_staff", "count"),
    ("staff_basis", "text"),
    ("three_public_share", "percent"),
    ("three_public_total", "money"),
    ("three_public_outbound", "money"),
    ("three_public_vehicle_purchase", "money"),
    ("three_public_vehicle_operation", "money"),
    ("three_public_reception", "money"),
    ("share_208", "percent"),
    ("share_210", "percent"),
    ("share_221", "percent"),
    ("share_other", "percent"),
    ("total_expenditure", "money"),
    ("basic_expenditure", "money"),
    ("project_expenditure", "money"),
    ("reserve_expenditure", "money"),
    ("unit_page", "link"),
    ("document_id", "text"),
]


SUFFIXES = {"percent": " (%)", "money": " (万元)", "per_capita": " (万元/人)"}


def header(column: str, kind: str | None = None) -> str:
    """The table header of a column: ``'人均人员经费 Personnel / person (万元/人)'``."""
    kind = kind or dict(TABLE_COLUMNS)[column]
    label = labels.METRICS.get(column, labels.Label(column, ""))
    suffix = SUFFIXES["per_capita"] if column.startswith("per_capita") else SUFFIXES.get(kind, "")
    return f"{label.short}{suffix}".strip()


def quality_text(status: str | None, issue_count: int | None) -> str:
    text = labels.QUALITY_STATUS.get(status or "", status or "—")
    return f"{text} · {issue_count}" if issue_count else text


def table_frame(shown: pl.DataFrame) -> pl.DataFrame:
    """The shown rows as the table displays and downloads them: labelled columns, shares in percent."""
    frame = shown.with_columns(
        quality=pl.struct("quality_status", "quality_issue_count").map_elements(
            lambda r: quality_text(r["quality_status"], r["quality_issue_count"]), return_dtype=pl.String
        ),
        unit_page=pl.lit("unit?doc=") + pl.col("document_id"),
        staff_basis=pl.col("staff_basis").replace_strict(labels.STAFF_BASIS, default=pl.col("staff_basis")),
    )
    columns = []
    for column, kind in TABLE_COLUMNS:
        expression = pl.col(column)
        if kind == "percent":
            expression = (expression * 100).cast(pl.Decimal(14, 4))
        columns.append(expression.alias(header(column, kind)))
    return frame.select(columns)


def column_config() -> dict:
    config = {}
    for column, kind in TABLE_COLUMNS:
        name = header(column, kind)
        if kind == "money":
            config[name] = st.column_config.NumberColumn(name, format=MONEY_FORMAT)
        elif kind == "percent":
            config[name] = st.column_config.NumberColumn(name, format=PERCENT_FORMAT)
        elif kind in ("count", "year"):
            config[name] = st.column_config.NumberColumn(name, format="%d")
        elif kind == "link":
            config[name] = st.column_config.LinkColumn(name, display_text="打开 Open")
    return config
