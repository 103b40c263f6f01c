"""单位并列对比 Side by side (``compare?kind=预算&year=2024&unit=<unit_id>&unit=<unit_id>``): 2–6 chosen units, one
column each — the key figures in a table, then the function mix and the 三公 parts as small multiples.

Units are chosen by ``unit_id`` (``marts.dim_unit``; the multiselect finds them by name or id).  A comparison
holds disclosures of one kind only: 预算 (部门预算 / 单位预算) or 决算, never both.  Each unit contributes one
disclosure: of the chosen year (or its latest), and its 部门 disclosure where it also has a 单位 one.
"""

from __future__ import annotations

from decimal import Decimal

import polars as pl
import streamlit as st

from dashboard import catalogue, charts, formatting, labels, ui, url_state
from dashboard.data import (
    MAX_COMPARED,
    Snapshot,
    UnitChoice,
    comparable_units,
    compared_disclosures,
    kind_options,
    per_capita_reason,
    with_unit_key,
)
from dashboard.labels import Label
from dashboard.overview_table import quality_text

KIND_KEY, YEAR_KEY, UNITS_KEY = "compare_kind", "compare_year", "compare_units"
KIND_PARAM, YEAR_PARAM, UNIT_PARAM = "kind", "year", "unit"
MIN_COMPARED = 2

# the rows of the table, in order: unit_metrics columns, shown by their format in the column catalogue
FIGURE_COLUMNS: list[str] = [
    "total_expenditure",
    "basic_expenditure",
    "project_expenditure",
    "reserve_expenditure",
    "personnel_expenditure",
    "public_expenditure",
    "wage_welfare_expenditure",
    "operating_expenditure",
    "in_service_staff",
    "staff_basis",
    "per_capita_personnel",
    "per_capita_wage_welfare",
    "three_public_total",
    "three_public_outbound",
    "three_public_vehicle_purchase",
    "three_public_vehicle_operation",
    "three_public_reception",
    "three_public_share",
    "expenditure_208",
    "expenditure_210",
    "expenditure_221",
    "expenditure_other",
    "share_208",
    "share_210",
    "share_221",
    "share_other",
    "quality",
]
# rows shown their own way: per person (with the reason when missing), the staff basis as printed, the quality
OWN_KINDS = {
    "per_capita_personnel": "per_capita",
    "per_capita_wage_welfare": "per_capita",
    "staff_basis": "basis",
    "quality": "quality",
}


def kind_of(column: str) -> str:
    return OWN_KINDS.get(column) or catalogue.format_of("unit_metrics", column) or "text"


def figure_rows() -> list[tuple[str, str]]:
    """(unit_metrics column, how it is shown) per row of the table."""
    return [(column, kind_of(column)) for column in FIGURE_COLUMNS]


MEASURE = {"money": "万元", "per_capita": "万元/人", "count": "人", "share": "%"}


def cell(row: dict, column: str, kind: str) -> str:
    """One figure of one unit, as the table shows it ("—" when missing, "n/a — <reason>" per capita)."""
    if kind == "money":
        return formatting.money(row.get(column))
    if kind == "per_capita":
        reason = per_capita_reason(row, column)
        return formatting.money(row.get(column)) if reason is None else labels.not_available(reason)
    if kind == "count":
        return formatting.count(row.get(column))
    if kind == "share":
        return formatting.share(row.get(column))
    if kind == "basis":
        basis = row.get(column)
        return basis or formatting.MISSING  # 在职人员 | 财政供给人员 (the table stays narrow)
    if kind == "quality":
        return quality_text(row.get("quality_status"), row.get("quality_issue_count"))
    value = row.get(column)
    return formatting.MISSING if value is None else str(value)


def exact(row: dict, column: str, kind: str) -> str | None:
    """The figure for the CSV: exact (DECIMAL as text), unformatted."""
    if kind == "quality":
        return row.get("quality_status")
    value = row.get(column)
    if kind == "per_capita" and value is None:
        return labels.not_available(per_capita_reason(row, column))
    return None if value is None else str(value) if not isinstance(value, Decimal) else format(value, "f")


def unit_header(row: dict) -> Label:
    scope = row.get("scope") or formatting.MISSING
    return Label(
        row["unit_name"] or formatting.MISSING,
        f"{row['fiscal_year']} · {row.get('document_kind') or '预算'} · {scope}",
    )


# --------------------------------------------------------------------------- choosing
def choose(snapshot: Snapshot) -> tuple[str, int | None, list[str]]:
    metrics = snapshot.unit_metrics
    families = kind_options(metrics)
    left, right = st.columns([2, 1])
    with left:
        url_state.restore_one(KIND_KEY, KIND_PARAM, families)
        family = st.radio(
            labels.KIND_FAMILY.short,
            families,
            format_func=lambda f: labels.KIND_FAMILIES.get(f, f),
            horizontal=True,
            key=KIND_KEY,
        )
        url_state.keep(KIND_PARAM, family, default=families[0])
    in_family = with_unit_key(metrics).filter(pl.col("kind_family") == family)
    years: list[int | None] = [None] + sorted(
        in_family.get_column("fiscal_year").drop_nulls().unique(), reverse=True
    )
    with right:
        url_state.restore_one(YEAR_KEY, YEAR_PARAM, years, parse=int)
        year = st.selectbox(
            labels.COMPARE_YEAR.short,
            years,
            format_func=lambda y: labels.LATEST_YEAR if y is None else str(y),
            key=YEAR_KEY,
        )
        url_state.keep(YEAR_PARAM, year)
    units = {u.unit_key: u for u in comparable_units(metrics, family, year)}

    def describe(key: str) -> str:
        unit: UnitChoice = units[key]
        years_text = "/".join(str(y) for y in unit.fiscal_years)
        return f"{unit.unit_name} · {years_text} · id {key}"

    url_state.restore_many(UNITS_KEY, UNIT_PARAM, list(units), limit=MAX_COMPARED)
    chosen = st.multiselect(
        labels.COMPARE_UNITS.short,
        list(units),
        format_func=describe,
        max_selections=MAX_COMPARED,
        key=UNITS_KEY,
        placeholder="单位名称或标识 unit name or id",
    )
    url_state.keep(UNIT_PARAM, chosen)
    return family, year, chosen


# --------------------------------------------------------------------------- sections
def figures_table(compared: pl.DataFrame) -> None:
    ui.section(labels.COMPARE_FIGURES)
    units = compared.to_dicts()
    headers = [labels.COLUMNS["figure"], labels.COLUMNS["value_unit"], *[unit_header(u) for u in units]]
    rows = [
        [
            ui.header_cell(labels.METRICS[column]),
            MEASURE.get(kind, ""),
            *[cell(u, column, kind) for u in units],
        ]
        for column, kind in figure_rows()
    ]
    rows.append(
        [
            ui.header_cell(labels.METRICS["unit_page"]),
            "",
            *[ui.link("打开 Open", f"unit?doc={u['document_id']}", new_tab=False) for u in units],
        ]
    )
    ui.html_table(headers, rows, numeric=list(range(2, 2 + len(units))), key="compare-table")
    frame = pl.DataFrame(
        {
            "figure": [c for c, _ in figure_rows()],
            labels.COLUMNS["figure"].short: [labels.METRICS[c].short for c, _ in figure_rows()],
            labels.COLUMNS["value_unit"].short: [MEASURE.get(k, "") for _, k in figure_rows()],
            **{
                f"{u['unit_name']} {u['fiscal_year']} ({u['document_id']})": [
                    exact(u, c, k) for c, k in figure_rows()
                ]
                for u in units
            },
        }
    )
    ui.download_csv(frame, "compare_units.csv", key="compare_csv")


def disclosures(compared: pl.DataFrame, family: str) -> None:
    ui.section(labels.COMPARE_DISCLOSURES)
    st.caption(
        f"只比较{family}，不与{'决算' if family == '预算' else '预算'}混合；每个单位取所选年度（或其最新）的一份文件，"
        "同时有部门与单位口径时取部门口径。  \n"
        f"Only {labels.KIND_FAMILIES.get(family, family)} disclosures, never mixed with the other kind; one "
        "disclosure per unit: of the chosen year (or its latest), its 部门 (department) one where it has both."
    )
    rows = [
        [
            ui.text(u["unit_name"]),
            ui.text(u["unit_key"]),
            ui.text(u["fiscal_year"]),
            ui.text(u.get("document_kind")),
            ui.text(u.get("scope")),
            ui.link(u["document_id"], f"unit?doc={u['document_id']}", new_tab=False),
        ]
        for u in compared.to_dicts()
    ]
    headers = [
        labels.COLUMNS["unit_name"],
        labels.METRICS["unit_id"],
        labels.COLUMNS["fiscal_year"],
        labels.COLUMNS["document_kind"],
        labels.METRICS["scope"],
        labels.METRICS["document_id"],
    ]
    ui.html_table(headers, rows, key="compare-documents")


def render() -> None:
    snapshot = ui.current_snapshot()
    ui.page_setup()
    ui.title(labels.COMPARE)
    family, year, chosen = choose(snapshot)
    if len(chosen) < MIN_COMPARED:
        st.info(
            f"请选择 {MIN_COMPARED}–{MAX_COMPARED} 个单位进行对比。 "
            f"Choose {MIN_COMPARED} to {MAX_COMPARED} units to compare them side by side."
        )
        return
    compared = compared_disclosures(snapshot.unit_metrics, chosen, family, year)
    figures_table(compared)
    ui.section(labels.COMPARE_FUNCTION_MIX)
    st.altair_chart(charts.function_mix_panels(compared), width="content")
    ui.section(labels.COMPARE_THREE_PUBLIC)
    st.caption("各面板坐标一致，可直接比较。 The panels share one axis, so they compare directly.")
    st.altair_chart(charts.three_public_panels(compared), width="content")
    disclosures(compared, family)


render()
