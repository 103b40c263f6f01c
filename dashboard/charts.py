"""Altair charts.  Amounts are DECIMAL everywhere else; here, and only for the chart encodings, they become
floats (``_number``).  Tooltips carry the exact figure as formatted text."""

from __future__ import annotations

from decimal import Decimal

import altair as alt
import polars as pl

from dashboard import formatting, labels
from dashboard.data import per_capita_reason

BAR_STEP = alt.Step(24)  # height per bar: the chart grows with its rows, legend and axes come on top
PAIR_STEP = alt.Step(15)  # height per bar where two bars (the two definitions) share a row (yOffset)
# legends sit under the plot and start at its left edge: two columns where the chart has the page's width,
# one column in a half-width chart (two columns of long labels ran past its right edge and were cut)
LEGEND = alt.Legend(orient="bottom", columns=2, labelLimit=320)
NARROW_LEGEND = alt.Legend(orient="bottom", direction="vertical", columns=1, labelLimit=240)
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


def clip_limit(values: list[float]) -> float | None:
    """Where the clipped axis ends: the upper Tukey fence (Q3 + 1.5 × IQR) of ``values``, or None when no value
    lies beyond it (nothing to clip)."""
    data = sorted(v for v in values if v is not None)
    if len(data) < 4:
        return None

    def quantile(q: float) -> float:
        position = (len(data) - 1) * q
        low = int(position)
        high = min(low + 1, len(data) - 1)
        return data[low] + (data[high] - data[low]) * (position - low)

    q1, q3 = quantile(0.25), quantile(0.75)
    fence = q3 + 1.5 * (q3 - q1)
    return fence if data[-1] > fence else None


def per_capita(shown: pl.DataFrame, scale: str = "linear") -> alt.LayerChart:
    """Both definitions of per-capita personnel cost side by side, per disclosure, in rank order.

    ``scale``: ``'linear'``; ``'log'`` (an outlier no longer squashes the others); ``'clip'`` (the axis ends at
    the upper Tukey fence, and a clipped bar is marked ▶ with its value).  A missing figure reads "n/a" with its
    reason (no staff count in the disclosure, …) instead of an empty row."""
    rows, order = [], []
    for row in shown.iter_rows(named=True):
        unit = unit_label(row)
        order.append(unit)
        for column, definition in labels.PER_CAPITA_DEFINITIONS.items():
            reason = per_capita_reason(row, column)
            rows.append(
                {
                    "unit": unit,
                    "definition": definition.zh,
                    "definition_en": definition.en,
                    "value": _number(row[column]),
                    "value_text": formatting.money(row[column])
                    if reason is None
                    else labels.not_available(reason),
                    "staff": f"{formatting.count(row['in_service_staff'])} "
                    f"({labels.STAFF_BASIS.get(row['staff_basis'] or '', row['staff_basis'] or '—')})",
                    "missing": reason is not None,
                }
            )
    data = pl.DataFrame(rows, schema_overrides={"value": pl.Float64})
    values = [r["value"] for r in rows if r["value"] is not None]
    x_scale = alt.Scale()
    limit = None
    if scale == "log":
        data = data.with_columns(value=pl.when(pl.col("value") > 0).then(pl.col("value")).otherwise(None))
        positive = [v for v in values if v > 0]
        # an explicit domain: a bar's baseline (0) would otherwise enter the log domain
        base = min(positive) / 1.5 if positive else 1.0
        x_scale = alt.Scale(type="log", domain=[base, max(positive) * 1.2]) if positive else x_scale
        data = data.with_columns(base=pl.lit(base))  # the bars start at the axis' left end, not at 0
    elif scale == "clip":
        limit = clip_limit(values)
        if limit is not None:
            x_scale = alt.Scale(domain=[0, limit], clamp=True)
    title = "万元 / 人 · 10k CNY per person" + {"log": "（对数 log scale）"}.get(scale, "")
    if limit is not None:
        title += f"（截断于 clipped at {limit:,.2f}）"
    tooltip = [
        alt.Tooltip("unit:N", title="单位 Unit"),
        alt.Tooltip("definition:N", title="定义 Definition"),
        alt.Tooltip("definition_en:N", title="Definition"),
        alt.Tooltip("value_text:N", title="万元/人 per person"),
        alt.Tooltip("staff:N", title="人数 Staff (basis)"),
    ]
    base = alt.Chart(data).encode(y=_unit_axis(order), yOffset=alt.YOffset("definition:N"), tooltip=tooltip)
    bars = (
        base.transform_filter("datum.value != null")
        .mark_bar(clip=True)
        .encode(
            x=alt.X("value:Q", title=title, scale=x_scale),
            color=alt.Color("definition:N", title=None, legend=LEGEND),
        )
    )
    if scale == "log":
        bars = bars.encode(x2=alt.X2("base:Q"))
    layers = [bars]
    if data.get_column("missing").any():
        # n/a and its reason, at the start of the row
        layers.append(
            base.transform_filter("datum.missing")
            .mark_text(align="left", baseline="middle", dx=4, fontSize=11, color="#666")
            .encode(x=alt.value(0), text="value_text:N")
        )
    if limit is not None:
        layers.append(
            base.transform_filter(f"datum.value > {limit}")
            .mark_text(align="right", baseline="middle", dx=-4, fontSize=11, color="white", fontWeight="bold")
            .encode(x=alt.value("width"), text=alt.Text("label:N"))
            .transform_calculate(label="'▶ ' + datum.value_text")
        )
    return alt.layer(*layers).properties(height=PAIR_STEP)


def _stacked_shares(
    shown: pl.DataFrame,
    parts: dict[str, labels.Label],
    colors: list[str],
    total_column: str,
    legend: alt.Legend = NARROW_LEGEND,
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
                legend=legend,
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


# --------------------------------------------------------------------------- comparison: small multiples
PANEL_WIDTH = 240
PANEL_COLUMNS = 3


def compare_label(row: dict) -> str:
    """A unit's panel title on the comparison page: ``'某某单位 2024'``."""
    return f"{row['unit_name']} {row['fiscal_year'] or ''}".strip()


def _panels(
    data: pl.DataFrame,
    order: list[str],
    parts: list[str],
    colors: list[str] | None,
    x_title: str,
    x_axis: alt.Axis,
    x_scale: alt.Scale,
    tooltip: list,
) -> alt.FacetChart:
    """Small multiples: one panel of horizontal bars (``part`` × ``value``) per ``unit``, in ``order``, on one
    shared axis; each bar labelled with ``value_text`` (a missing figure reads "—" at zero)."""
    scale = alt.Scale(domain=parts, range=colors[: len(parts)]) if colors else alt.Scale(domain=parts)
    y = alt.Y("part:N", sort=parts, title=None, axis=alt.Axis(labelLimit=200, labelOverlap=False))
    data = data.with_columns(position=pl.col("value").fill_null(0.0))
    bars = (
        alt.Chart()
        .mark_bar()
        .encode(
            y=y,
            x=alt.X("value:Q", title=x_title, axis=x_axis, scale=x_scale),
            color=alt.Color("part:N", title=None, sort=parts, scale=scale, legend=None),
            tooltip=tooltip,
        )
    )
    text = (
        alt.Chart()
        .mark_text(align="left", baseline="middle", dx=3, fontSize=10)
        .encode(y=y, x=alt.X("position:Q", title=x_title, axis=x_axis, scale=x_scale), text="value_text:N")
    )
    header = alt.Header(labelLimit=PANEL_WIDTH + 120, labelFontWeight="bold", labelFontSize=12)
    return (
        alt.layer(bars, text, data=data)
        .properties(width=PANEL_WIDTH, height=alt.Step(22))
        .facet(facet=alt.Facet("unit:N", sort=order, title=None, header=header), columns=PANEL_COLUMNS)
    )


def function_mix_panels(compared: pl.DataFrame) -> alt.FacetChart:
    """One panel per unit: the shares of 208 / 210 / 221 / other in its total expenditure (a shared axis)."""
    classes = {
        "share_208": labels.FUNCTION_CLASSES["208"],
        "share_210": labels.FUNCTION_CLASSES["210"],
        "share_221": labels.FUNCTION_CLASSES["221"],
        "share_other": labels.FUNCTION_CLASSES["other"],
    }
    amounts = {
        "share_208": "expenditure_208",
        "share_210": "expenditure_210",
        "share_221": "expenditure_221",
        "share_other": "expenditure_other",
    }
    rows, order = [], []
    for row in compared.iter_rows(named=True):
        unit = compare_label(row)
        order.append(unit)
        for column, label in classes.items():
            rows.append(
                {
                    "unit": unit,
                    "part": label.zh,
                    "part_en": label.en,
                    "value": _number(row.get(column)),
                    "value_text": formatting.share(row.get(column)),
                    "amount_text": formatting.money(row.get(amounts[column])),
                }
            )
    data = pl.DataFrame(rows, schema_overrides={"value": pl.Float64})
    parts = [label.zh for label in classes.values()]
    return _panels(
        data,
        order,
        parts,
        FUNCTION_COLORS,
        "占支出总计 Share of total",
        alt.Axis(format="%"),
        alt.Scale(domain=[0, 1.15]),
        [
            alt.Tooltip("unit:N", title="单位 Unit"),
            alt.Tooltip("part:N", title="类 Class"),
            alt.Tooltip("part_en:N", title="Class"),
            alt.Tooltip("value_text:N", title="占比 Share"),
            alt.Tooltip("amount_text:N", title="万元 10k CNY"),
        ],
    )


def three_public_panels(compared: pl.DataFrame) -> alt.FacetChart:
    """One panel per unit: the 三公 parts in 万元 (a shared axis, so panels compare)."""
    rows, order = [], []
    for row in compared.iter_rows(named=True):
        unit = compare_label(row)
        order.append(unit)
        for figure in labels.THREE_PUBLIC_PART_FIGURES:
            label = labels.METRICS[figure]
            rows.append(
                {
                    "unit": unit,
                    "part": label.zh,
                    "part_en": label.en,
                    "value": _number(row.get(figure)),
                    "value_text": formatting.money(row.get(figure)),
                    "share_text": formatting.share(row.get("three_public_share")),
                }
            )
    data = pl.DataFrame(rows, schema_overrides={"value": pl.Float64})
    parts = [labels.METRICS[f].zh for f in labels.THREE_PUBLIC_PART_FIGURES]
    return _panels(
        data,
        order,
        parts,
        None,
        "万元 · 10k CNY",
        alt.Axis(),
        alt.Scale(
            domain=[0, max([v for v in data.get_column("value").to_list() if v is not None] + [1.0]) * 1.3]
        ),
        [
            alt.Tooltip("unit:N", title="单位 Unit"),
            alt.Tooltip("part:N", title="部分 Part"),
            alt.Tooltip("part_en:N", title="Part"),
            alt.Tooltip("value_text:N", title="万元 10k CNY"),
            alt.Tooltip("share_text:N", title="“三公”占支出总计 Share of total"),
        ],
    )


# --------------------------------------------------------------------------- 决算: execution and series (issue 15)
def _rate_text(value: Decimal | None) -> str:
    return formatting.share(value)


def execution_rates(shown: pl.DataFrame) -> alt.LayerChart:
    """The overview of 决算: the execution rate of total expenditure (决算数 ÷ 预算数) per disclosure, in rank
    order, with a rule at 100 %; the budget, the final amount and where the budget comes from in the tooltip."""
    rows, order = [], []
    for row in shown.iter_rows(named=True):
        unit = unit_label(row)
        order.append(unit)
        rate = row.get("execution_rate")
        rows.append(
            {
                "unit": unit,
                "rate": None if rate is None else float(rate) * 100,
                "text_x": 0.0 if rate is None else float(rate) * 100,
                "rate_text": _rate_text(rate)
                if rate is not None
                else f"{formatting.MISSING} 无预算数 no budget",
                "budget_text": formatting.money(row.get("execution_budget")),
                "final_text": formatting.money(row.get("execution_final")),
                "source": labels.BUDGET_SOURCES.get(row.get("budget_source") or "", formatting.MISSING),
            }
        )
    data = pl.DataFrame(
        rows,
        schema={
            "unit": pl.String,
            "rate": pl.Float64,
            "text_x": pl.Float64,
            "rate_text": pl.String,
            "budget_text": pl.String,
            "final_text": pl.String,
            "source": pl.String,
        },
    )
    tooltip = [
        alt.Tooltip("unit:N", title="单位 Unit"),
        alt.Tooltip("rate_text:N", title="执行率 Execution rate"),
        alt.Tooltip("budget_text:N", title="预算数 Budget (万元)"),
        alt.Tooltip("final_text:N", title="决算数 Final (万元)"),
        alt.Tooltip("source:N", title="预算来源 Budget from"),
    ]
    # room right of the longest bar (or of the 100 % rule) for its label
    top = max([100.0, *(r["rate"] for r in rows if r["rate"] is not None)]) * 1.12
    x = alt.X("rate:Q", title="执行率 Execution rate (%)", scale=alt.Scale(domain=[0, top]))
    base = alt.Chart(data)
    bars = base.mark_bar(color="#4C78A8").encode(y=_unit_axis(order), x=x, tooltip=tooltip)
    text = base.mark_text(align="left", dx=4).encode(
        y=_unit_axis(order), x=alt.X("text_x:Q", scale=alt.Scale(domain=[0, top])), text="rate_text:N"
    )
    hundred = (
        alt.Chart(pl.DataFrame({"x": [100.0]})).mark_rule(color="#E45756", strokeDash=[4, 3]).encode(x="x:Q")
    )
    return alt.layer(bars, text, hundred).properties(height=BAR_STEP)


def execution_bullets(execution: pl.DataFrame) -> alt.LayerChart:
    """A bullet per figure of a 决算: the budget as a wide light bar, the final amount as a narrow dark bar in
    it, the execution rate as text (万元)."""
    data = pl.DataFrame(
        [
            {
                "figure": labels.FIGURES.get(
                    row["figure"], labels.METRICS.get(row["figure"], labels.Label(row["figure"], ""))
                ).short,
                "budget": _number(row["budget_amount"]),
                "final": _number(row["final_amount"]),
                "budget_text": formatting.money(row["budget_amount"]),
                "final_text": formatting.money(row["final_amount"]),
                "rate_text": _rate_text(row["execution_rate"]),
                "source": labels.BUDGET_SOURCES.get(row["budget_source"] or "", formatting.MISSING),
            }
            for row in execution.iter_rows(named=True)
        ],
        schema={
            "figure": pl.String,
            "budget": pl.Float64,
            "final": pl.Float64,
            "budget_text": pl.String,
            "final_text": pl.String,
            "rate_text": pl.String,
            "source": pl.String,
        },
    )
    y = alt.Y("figure:N", sort=None, title=None, axis=alt.Axis(labelLimit=320, labelOverlap=False))
    tooltip = [
        alt.Tooltip("figure:N", title="指标 Figure"),
        alt.Tooltip("budget_text:N", title="预算数 Budget (万元)"),
        alt.Tooltip("final_text:N", title="决算数 Final (万元)"),
        alt.Tooltip("rate_text:N", title="执行率 Execution rate"),
        alt.Tooltip("source:N", title="预算来源 Budget from"),
    ]
    base = alt.Chart(data)
    budget = base.mark_bar(color="#C6DBEF", size=18).encode(
        y=y, x=alt.X("budget:Q", title="万元 · 浅色 预算数 budget, 深色 决算数 final"), tooltip=tooltip
    )
    final = base.mark_bar(color="#08519C", size=7).encode(y=y, x="final:Q", tooltip=tooltip)
    text = (
        base.mark_text(align="left", dx=4)
        .encode(y=y, x=alt.X("max_value:Q"), text="rate_text:N")
        .transform_calculate(max_value="max(datum.budget || 0, datum.final || 0)")
    )
    return alt.layer(budget, final, text).properties(height=alt.Step(26))


def series_lines(series: pl.DataFrame) -> alt.FacetChart:
    """The unit's figures over the years: one small panel per figure (each on its own axis: 三公 is a
    hundredth of the total), one line per kind (预算, 决算), 万元."""
    order = [
        labels.METRICS.get(f, labels.Label(f, "")).short for f in dict.fromkeys(series.get_column("figure"))
    ]
    data = pl.DataFrame(
        [
            {
                "year": str(row["fiscal_year"]),
                "figure": labels.METRICS.get(row["figure"], labels.Label(row["figure"], "")).short,
                "kind": row["document_kind"] or "预算",
                "value": _number(row["value"]),
                "value_text": formatting.money(row["value"]),
                "change_text": _rate_text(row["change_rate"]),
            }
            for row in series.iter_rows(named=True)
        ],
        schema={
            "year": pl.String,
            "figure": pl.String,
            "kind": pl.String,
            "value": pl.Float64,
            "value_text": pl.String,
            "change_text": pl.String,
        },
    )
    return (
        alt.Chart(data)
        .mark_line(point=alt.OverlayMarkDef(size=60))
        .encode(
            x=alt.X("year:O", title=None, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("value:Q", title="万元", scale=alt.Scale(zero=False)),
            color=alt.Color("kind:N", title="文件类型 Kind", legend=alt.Legend(orient="bottom")),
            tooltip=[
                alt.Tooltip("year:O", title="年度 Year"),
                alt.Tooltip("kind:N", title="文件类型 Kind"),
                alt.Tooltip("figure:N", title="指标 Figure"),
                alt.Tooltip("value_text:N", title="万元"),
                alt.Tooltip("change_text:N", title="比上年 vs previous year"),
            ],
        )
        .properties(width=PANEL_WIDTH, height=140)
        .facet(facet=alt.Facet("figure:N", sort=order, title=None), columns=PANEL_COLUMNS)
        .resolve_scale(y="independent")
    )
