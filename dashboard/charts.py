"""Altair charts.  Amounts are DECIMAL everywhere else; here, and only for the chart encodings, they become
floats (``_number``).  Tooltips carry the exact figure as formatted text."""

from __future__ import annotations

from decimal import Decimal

import altair as alt
import polars as pl

from dashboard import formatting, labels

BAR_STEP = alt.Step(24)  # height per bar: the chart grows with its rows, legend and axes come on top
PAIR_STEP = alt.Step(15)  # height per bar where two bars (the two definitions) share a row (yOffset)
LEGEND = alt.Legend(orient="bottom", columns=2, labelLimit=320)
QUALITY_MARK = {"ok": "", "warning": " ⚠"}
FUNCTION_COLORS = ["#4C78A8", "#F58518", "#54A24B", "#BAB0AC"]
SPENDING_COLORS = ["#4C78A8", "#F58518", "#BAB0AC"]


def _number(value: Decimal | int | None) -> float | None:
    return None if value is None else float(value)


def unit_label(row: dict) -> str:
    """``'1. 某某单位 2024 ⚠'``: rank, unit, year and a mark when the disclosure has quality warnings."""
    mark = QUALITY_MARK.get(row.get("quality_status") or "", " ?")
    return f"{row['rank']}. {row['unit_name']} {row['fiscal_year'] or ''}{mark}"


def _unit_axis(order: list[str]) -> alt.Y:
    return alt.Y("unit:N", sort=order, title=None, axis=alt.Axis(labelLimit=320, labelOverlap=False))


def per_capita(shown: pl.DataFrame) -> alt.Chart:
    """Both definitions of per-capita personnel cost side by side, per disclosure, in rank order."""
    rows, order = [], []
    for row in shown.iter_rows(named=True):
        unit = unit_label(row)
        order.append(unit)
        for column, definition in labels.PER_CAPITA_DEFINITIONS.items():
            rows.append(
                {
                    "unit": unit,
                    "definition": definition.zh,
                    "definition_en": definition.en,
                    "value": _number(row[column]),
                    "value_text": formatting.money(row[column]),
                    "staff": f"{formatting.count(row['in_service_staff'])} "
                    f"({labels.STAFF_BASIS.get(row['staff_basis'] or '', row['staff_basis'] or '—')})",
                }
            )
    data = pl.DataFrame(rows, schema_overrides={"value": pl.Float64})
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=_unit_axis(order),
            yOffset=alt.YOffset("definition:N"),
            x=alt.X("value:Q", title="万元 / 人 · 10k CNY per person"),
            color=alt.Color("definition:N", title=None, legend=LEGEND),
            tooltip=[
                alt.Tooltip("unit:N", title="单位 Unit"),
                alt.Tooltip("definition:N", title="定义 Definition"),
                alt.Tooltip("definition_en:N", title="Definition"),
                alt.Tooltip("value_text:N", title="万元/人 per person"),
                alt.Tooltip("staff:N", title="人数 Staff (basis)"),
            ],
        )
        .properties(height=PAIR_STEP)
    )


def _stacked_shares(
    shown: pl.DataFrame, parts: dict[str, labels.Label], colors: list[str], total_column: str
) -> alt.Chart:
    """One 100%-stacked bar per disclosure; ``parts`` maps a money column to its label."""
    rows, order = [], []
    for row in shown.iter_rows(named=True):
        unit = unit_label(row)
        order.append(unit)
        for position, (column, label) in enumerate(parts.items()):
            amount = row.get(column)
            rows.append(
                {
                    "unit": unit,
                    "part": label.zh,
                    "part_en": label.en,
                    "position": position,
                    "amount": max(_number(amount) or 0.0, 0.0),
                    "amount_text": formatting.money(amount),
                    "total_text": formatting.money(row.get(total_column)),
                }
            )
    data = pl.DataFrame(rows, schema_overrides={"amount": pl.Float64})
    part_names = [label.zh for label in parts.values()]
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=_unit_axis(order),
            x=alt.X("amount:Q", stack="normalize", title="占比 Share", axis=alt.Axis(format="%")),
            color=alt.Color(
                "part:N",
                title=None,
                sort=part_names,
                scale=alt.Scale(domain=part_names, range=colors[: len(part_names)]),
                legend=LEGEND,
            ),
            order=alt.Order("position:Q"),
            tooltip=[
                alt.Tooltip("unit:N", title="单位 Unit"),
                alt.Tooltip("part:N", title="部分 Part"),
                alt.Tooltip("part_en:N", title="Part"),
                alt.Tooltip("amount_text:N", title="万元 10k CNY"),
                alt.Tooltip("total_text:N", title="支出总计 Total"),
            ],
        )
        .properties(height=BAR_STEP)
    )


def function_mix(shown: pl.DataFrame) -> alt.Chart:
    parts = {
        "expenditure_208": labels.FUNCTION_CLASSES["208"],
        "expenditure_210": labels.FUNCTION_CLASSES["210"],
        "expenditure_221": labels.FUNCTION_CLASSES["221"],
        "expenditure_other": labels.FUNCTION_CLASSES["other"],
    }
    return _stacked_shares(shown, parts, FUNCTION_COLORS, "total_expenditure")


def basic_vs_project(shown: pl.DataFrame) -> alt.Chart:
    parts = {
        column: labels.METRICS[column]
        for column in ("basic_expenditure", "project_expenditure", "reserve_expenditure")
    }
    return _stacked_shares(shown, parts, SPENDING_COLORS, "total_expenditure")


def three_public(shown: pl.DataFrame) -> alt.Chart:
    """三公 parts stacked in 万元 per disclosure; the share of total expenditure in the tooltip."""
    rows, order = [], []
    for row in shown.iter_rows(named=True):
        unit = unit_label(row)
        order.append(unit)
        for position, figure in enumerate(labels.THREE_PUBLIC_PART_FIGURES):
            label = labels.METRICS[figure]
            rows.append(
                {
                    "unit": unit,
                    "part": label.zh,
                    "part_en": label.en,
                    "position": position,
                    "amount": _number(row.get(figure)) or 0.0,
                    "amount_text": formatting.money(row.get(figure)),
                    "total_text": formatting.money(row.get("three_public_total")),
                    "share_text": formatting.share(row.get("three_public_share")),
                }
            )
    data = pl.DataFrame(rows, schema_overrides={"amount": pl.Float64})
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=_unit_axis(order),
            x=alt.X("amount:Q", stack="zero", title="万元 · 10k CNY"),
            color=alt.Color("part:N", title=None, legend=LEGEND),
            order=alt.Order("position:Q"),
            tooltip=[
                alt.Tooltip("unit:N", title="单位 Unit"),
                alt.Tooltip("part:N", title="部分 Part"),
                alt.Tooltip("part_en:N", title="Part"),
                alt.Tooltip("amount_text:N", title="万元 10k CNY"),
                alt.Tooltip("total_text:N", title="“三公”合计 Total"),
                alt.Tooltip("share_text:N", title="占支出总计 Share of total"),
            ],
        )
        .properties(height=BAR_STEP)
    )


def subject_bars(tree: pl.DataFrame, level: str, amount_column: str, title: str) -> alt.Chart:
    """Horizontal bars of the rows of one level (款 of the function tree, 款 of the economic breakdown),
    coloured by their 类 (first three digits of the code)."""
    rows = tree.filter(pl.col("subject_level") == level)
    data = pl.DataFrame(
        [
            {
                "subject": f"{row['subject_code']} {row['subject_name'] or ''}",
                "class_code": row["subject_code"][:3],
                "amount": _number(row[amount_column]) or 0.0,
                "amount_text": formatting.money(row[amount_column]),
            }
            for row in rows.iter_rows(named=True)
        ],
        schema={
            "subject": pl.String,
            "class_code": pl.String,
            "amount": pl.Float64,
            "amount_text": pl.String,
        },
    )
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y("subject:N", sort=None, title=None, axis=alt.Axis(labelLimit=320, labelOverlap=False)),
            x=alt.X("amount:Q", title=title),
            color=alt.Color("class_code:N", title="类 Class", legend=LEGEND),
            tooltip=[
                alt.Tooltip("subject:N", title="科目 Subject"),
                alt.Tooltip("amount_text:N", title="万元 10k CNY"),
            ],
        )
        .properties(height=BAR_STEP)
    )


def parts_bars(parts: list[tuple[labels.Label, Decimal | None]], title: str) -> alt.Chart:
    """Horizontal bars of a few labelled amounts (the 三公 parts of one disclosure)."""
    data = pl.DataFrame(
        [
            {"part": label.short, "amount": _number(value) or 0.0, "amount_text": formatting.money(value)}
            for label, value in parts
        ],
        schema={"part": pl.String, "amount": pl.Float64, "amount_text": pl.String},
    )
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y("part:N", sort=None, title=None, axis=alt.Axis(labelLimit=320, labelOverlap=False)),
            x=alt.X("amount:Q", title=title),
            tooltip=[alt.Tooltip("part:N", title="部分 Part"), alt.Tooltip("amount_text:N", title="万元")],
        )
        .properties(height=BAR_STEP)
    )
