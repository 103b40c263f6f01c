"""单位详情 Unit page (``unit?doc=<document_id>``): one disclosure — its function tree 类 → 款 → 项, the
economic breakdown of basic spending, the 三公 parts, the headcounts and every quality issue with its
resolution.  Every figure links to where it was read (the PDF at its page, or the text at its line)."""

from __future__ import annotations

from decimal import Decimal

import polars as pl
import streamlit as st

from dashboard import charts, formatting, labels, sources, ui
from dashboard.data import (
    SERIES_FIGURES,
    Snapshot,
    economic_tree,
    execution_of,
    figures_of,
    function_tree,
    issues_of,
    per_capita_reason,
    unit_choices,
    unit_series,
)
from dashboard.labels import Label
from dashboard.sources import SourceLinks

SELECTED = "unit_document"
LEVEL_INDENT = {"类": 0, "款": 1, "项": 2}
INDENT = "\u3000"  # an ideographic space per level


# --------------------------------------------------------------------------- choosing the disclosure
def _follow_selection() -> None:
    st.query_params["doc"] = st.session_state[SELECTED]


def choose_document(snapshot: Snapshot) -> dict | None:
    choices = unit_choices(snapshot)
    if not choices:
        st.info("发布的数据里没有公开文件。 The publication holds no disclosure.")
        return None
    by_id = {c["document_id"]: c for c in choices}
    requested = st.query_params.get("doc")
    if requested in by_id and st.session_state.get(SELECTED) != requested:
        st.session_state[SELECTED] = requested  # a link (or the address bar) asked for this one
    elif st.session_state.get(SELECTED) not in by_id:
        st.session_state[SELECTED] = choices[0]["document_id"]

    def describe(document_id: str) -> str:
        c = by_id[document_id]
        held = "" if c["published"] else "（未发布 held back）"
        kind = f" · {c['document_kind']}" if (c.get("document_kind") or "").endswith("决算") else ""
        return f"{c['unit_name']} · {c['fiscal_year']} · {c['scope'] or '—'}{kind}{held}"

    st.selectbox(
        labels.CHOOSE_DISCLOSURE.short,
        list(by_id),
        format_func=describe,
        key=SELECTED,
        on_change=_follow_selection,
    )
    if requested != st.session_state[SELECTED]:
        st.query_params["doc"] = st.session_state[SELECTED]
    return by_id[st.session_state[SELECTED]]


# --------------------------------------------------------------------------- helpers
def source_link(links: SourceLinks, row: dict, location_column: str = "source_location") -> str:
    """The row's location text, linked to the page or line it names (``SourceLinks.url_of``)."""
    return ui.link(row.get(location_column) or "—", links.url_of(row, location_column))


def figure_cells(label: Label, figure: dict | None, links: SourceLinks) -> list[str]:
    """指标 | 数值 | 单位 | 出处 | 来源说明 | 取得方式 | 冲突."""
    if figure is None:
        return [
            ui.header_cell(label),
            formatting.MISSING,
            "",
            formatting.MISSING,
            formatting.MISSING,
            formatting.MISSING,
            "",
        ]
    headcount = figure.get("value_kind") == "headcount"
    return [
        ui.header_cell(label),
        formatting.figure_value(figure.get("value"), figure.get("value_kind")),
        labels.HEADCOUNT_UNIT if headcount else labels.MONEY_UNIT,
        source_link(links, figure),
        ui.text(figure.get("source_description")),
        ui.text(figure.get("derivation")),
        "⚠ 有 yes" if figure.get("has_conflict") else "",
    ]


FIGURE_HEADERS = [
    labels.COLUMNS[c]
    for c in ("figure", "value", "unit", "source", "source_description", "derivation", "conflict")
]


def figures_table(names: list[str], figures: dict[str, dict], links: SourceLinks, key: str) -> None:
    rows = [figure_cells(labels.FIGURES.get(n, Label(n, "")), figures.get(n), links) for n in names]
    ui.html_table(FIGURE_HEADERS, rows, numeric=[1], wide=[4, 5], key=key)


def figures_frame(names: list[str], figures: dict[str, dict]) -> pl.DataFrame:
    """The figures of a table, for its CSV: exact values, no formatting."""
    return pl.DataFrame(
        [
            {
                labels.COLUMNS["figure"].short: labels.FIGURES.get(n, Label(n, "")).short,
                "figure": n,
                labels.COLUMNS["value"].short: (figures.get(n) or {}).get("value"),
                labels.COLUMNS["source"].short: (figures.get(n) or {}).get("source_location"),
                labels.COLUMNS["source_description"].short: (figures.get(n) or {}).get("source_description"),
                labels.COLUMNS["derivation"].short: (figures.get(n) or {}).get("derivation"),
            }
            for n in names
        ],
        schema_overrides={labels.COLUMNS["value"].short: pl.Decimal(20, 6)},
    )


def indented(row: dict) -> str:
    """The subject name indented by its level; a 类 in bold."""
    level = LEVEL_INDENT.get(row.get("subject_level") or "", 0)
    name = ui.text(INDENT * level + (row.get("subject_name") or ""))
    return f"<b>{name}</b>" if level == 0 else name


def csv_of(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """Selected columns of a tree, headed with their labels."""
    return frame.select([pl.col(c).alias(labels.COLUMNS[c].short) for c in columns])


# --------------------------------------------------------------------------- sections
def file_link(document: dict) -> str:
    """A disclosure file: the PDF, or the text conversion in the source viewer."""
    if sources.is_pdf(document):
        url = sources.file_url(document)
    else:
        url = sources.viewer_url(document["document_id"], 1) if document.get("source_file") else None
    return (
        f"{ui.link(document.get('title') or document.get('file_name'), url)} "
        f"（`{ui.text(document.get('file_name'))}`，文件 document `{ui.text(document.get('document_id'))}`）"
    )


def disclosure_files(links: SourceLinks, metrics: dict | None) -> list[dict]:
    """The files of the disclosure: those the mart lists (``source_files``, when it has that column), else its
    own file."""
    named = (metrics or {}).get("source_files")
    files = [links.by_file_name[name] for name in (named or []) if name in links.by_file_name]
    return files or ([links.document] if links.document else [])


def header(choice: dict, links: SourceLinks, metrics: dict | None) -> None:
    st.title(choice["unit_name"] or "—")
    st.caption(labels.UNIT.en)
    facts = [
        f"{labels.FISCAL_YEAR.short}: **{choice['fiscal_year']}**",
        f"{labels.SCOPE.zh}: **{(metrics or {}).get('scope') or '—'}**",
        f"{labels.METRICS['document_kind'].zh}: **{(metrics or {}).get('document_kind') or '—'}**",
        f"{labels.REGION.zh}: **{(metrics or {}).get('region') or '—'}**",
        f"{labels.PROVINCE.zh}: **{(metrics or {}).get('province') or labels.UNREGISTERED}**",
    ]
    if metrics:
        status = labels.QUALITY_STATUS.get(metrics.get("quality_status") or "", "—")
        facts.append(f"质量 Quality: **{status}** · {metrics.get('quality_issue_count') or 0}")
    st.markdown(" · ".join(facts))
    for document in disclosure_files(links, metrics):
        st.markdown(f"原文 Source: {file_link(document)}", unsafe_allow_html=True)
    if not choice["published"]:
        st.error(f"{labels.HELD_BACK.zh}  \n{labels.HELD_BACK.en}")


def key_metrics(metrics: dict, figures: dict[str, dict]) -> None:
    def where(figure: str) -> str | None:
        found = figures.get(figure)
        return (
            f"出处 source: {found.get('source_location')} — {found.get('source_description')}"
            if found
            else None
        )

    cells = [*st.columns(3), *st.columns(3)]
    cells[0].metric(
        "支出总计 Total (万元)",
        formatting.money(metrics["total_expenditure"]),
        help=where("total_expenditure"),
    )
    cells[1].metric(
        "基本支出 Basic (万元)",
        formatting.money(metrics["basic_expenditure"]),
        help=where("basic_expenditure"),
    )
    cells[2].metric(
        "项目支出 Project (万元)",
        formatting.money(metrics["project_expenditure"]),
        help=where("project_expenditure"),
    )
    basis = labels.STAFF_BASIS.get(metrics.get("staff_basis") or "", metrics.get("staff_basis") or "—")
    cells[3].metric(
        "人数 Staff", formatting.count(metrics["in_service_staff"]), help=f"人数口径 basis: {basis}"
    )
    reason = per_capita_reason(metrics, "per_capita_personnel")
    wage_reason = per_capita_reason(metrics, "per_capita_wage_welfare")
    cells[4].metric(
        "人均人员经费 Personnel / person (万元)",
        formatting.money(metrics["per_capita_personnel"]) if reason is None else labels.NOT_AVAILABLE,
        help=f"人员经费 ÷ 人数 personnel ÷ staff; 工资福利/人 wages & welfare per person: "
        f"{formatting.money(metrics['per_capita_wage_welfare']) if wage_reason is None else labels.not_available(wage_reason)}",
    )
    if reason is not None:
        cells[4].caption(labels.not_available(reason))
    cells[5].metric(
        "“三公”经费 Three public (万元)",
        formatting.money(metrics["three_public_total"]),
        help=f"占支出总计 share of total: {formatting.share(metrics['three_public_share'])}",
    )


KEY_FIGURE_ORDER = [
    "total_expenditure",
    "basic_expenditure",
    "project_expenditure",
    "reserve_expenditure",
    "personnel_expenditure",
    "public_expenditure",
    "wage_welfare_expenditure",
    "operating_expenditure",
]


def key_figures(figures: dict[str, dict], links: SourceLinks) -> None:
    ui.section(labels.KEY_FIGURES)
    names = [n for n in KEY_FIGURE_ORDER if n in figures] + sorted(
        n
        for n in figures
        if n not in KEY_FIGURE_ORDER
        and n not in labels.THREE_PUBLIC_FIGURES
        and n not in labels.HEADCOUNT_FIGURES
        and n != "three_public_vehicle"
    )
    figures_table(names, figures, links, key="key-figures")
    ui.download_csv(figures_frame(names, figures), "key_figures.csv", key="key_figures_csv")


FUNCTION_HEADER_COLUMNS = [
    "subject_code",
    "subject_name",
    "total_amount",
    "basic_amount",
    "project_amount",
    "is_derived",
    "source",
]


def function_section(snapshot: Snapshot, document_id: str, links: SourceLinks) -> None:
    ui.section(labels.FUNCTION_TREE)
    tree = function_tree(snapshot, document_id)
    if tree.is_empty():
        st.caption(labels.NO_ROWS)
        return
    level = "款" if tree.filter(pl.col("subject_level") == "款").height else "类"
    st.altair_chart(
        charts.subject_bars(tree, level, "total_amount", f"{level} 合计 · total, 万元"),
        width="stretch",
    )
    rows = [
        [
            ui.text(row["subject_code"]),
            indented(row),
            formatting.money(row["total_amount"]),
            formatting.money(row["basic_amount"]),
            formatting.money(row["project_amount"]),
            "推算 derived" if row["is_derived"] else "",
            source_link(links, row),
        ]
        for row in tree.iter_rows(named=True)
    ]
    ui.html_table(
        [labels.COLUMNS[c] for c in FUNCTION_HEADER_COLUMNS], rows, numeric=[2, 3, 4], key="function-tree"
    )
    ui.download_csv(
        csv_of(
            tree,
            [
                "subject_code",
                "subject_level",
                "subject_name",
                "total_amount",
                "basic_amount",
                "project_amount",
                "is_derived",
            ],
        ).with_columns(pl.Series(labels.COLUMNS["source"].short, tree.get_column("source_location"))),
        "function_tree.csv",
        key="function_csv",
    )


def economic_section(
    snapshot: Snapshot, document_id: str, links: SourceLinks, figures: dict[str, dict]
) -> None:
    ui.section(labels.ECONOMIC)
    figures_table(
        ["basic_expenditure", "personnel_expenditure", "public_expenditure", "wage_welfare_expenditure"],
        figures,
        links,
        key="basic-figures",
    )
    tree = economic_tree(snapshot, document_id)
    if tree.is_empty():
        st.caption("没有通过核对的一般公共预算基本支出表。 No 一般公共预算基本支出表 that passed its checks.")
        return
    st.caption(
        "一般公共预算基本支出表（经济分类 类 → 款） · General-public-budget basic expenditure by economic class"
    )
    if tree.filter(pl.col("subject_level") == "款").height:
        st.altair_chart(
            charts.subject_bars(tree, "款", "total_amount", "款 合计 · total, 万元"), width="stretch"
        )
    rows = [
        [
            ui.text(row["subject_code"]),
            indented(row),
            formatting.money(row["total_amount"]),
            formatting.money(row["personnel_amount"]),
            formatting.money(row["public_amount"]),
            source_link(links, row),
        ]
        for row in tree.iter_rows(named=True)
    ]
    headers = [
        labels.COLUMNS[c]
        for c in (
            "subject_code",
            "subject_name",
            "total_amount",
            "personnel_amount",
            "public_amount",
            "source",
        )
    ]
    ui.html_table(headers, rows, numeric=[2, 3, 4], key="economic-tree")
    ui.download_csv(
        csv_of(
            tree,
            [
                "subject_code",
                "subject_level",
                "subject_name",
                "total_amount",
                "personnel_amount",
                "public_amount",
            ],
        ),
        "basic_expenditure_by_economic.csv",
        key="economic_csv",
    )


def three_public_section(metrics: dict | None, figures: dict[str, dict], links: SourceLinks) -> None:
    ui.section(labels.THREE_PUBLIC_PARTS)
    if metrics:
        st.markdown(
            f"占支出总计 Share of total expenditure: **{formatting.share(metrics.get('three_public_share'))}**"
        )
        parts: list[tuple[Label, Decimal | None]] = [
            (labels.FIGURES[f], metrics.get(f)) for f in labels.THREE_PUBLIC_PART_FIGURES
        ]
        if any(value for _, value in parts):
            st.altair_chart(charts.parts_bars(parts, "万元 · 10k CNY"), width="stretch")
    figures_table(list(labels.THREE_PUBLIC_FIGURES), figures, links, key="three-public")
    ui.download_csv(
        figures_frame(list(labels.THREE_PUBLIC_FIGURES), figures), "three_public.csv", key="three_csv"
    )


def headcount_section(metrics: dict | None, figures: dict[str, dict], links: SourceLinks) -> None:
    ui.section(labels.HEADCOUNTS)
    if metrics:
        basis = labels.STAFF_BASIS.get(metrics.get("staff_basis") or "", metrics.get("staff_basis") or "—")
        st.markdown(
            f"人均指标所用人数 Staff used per capita: **{formatting.count(metrics.get('in_service_staff'))}**"
            f"（{basis}）"
        )
    figures_table(list(labels.HEADCOUNT_FIGURES), figures, links, key="headcounts")
    ui.download_csv(figures_frame(list(labels.HEADCOUNT_FIGURES), figures), "headcounts.csv", key="staff_csv")


def issue_value(value: Decimal | None, unit: str | None, signed: bool = False) -> str:
    """An issue's expected / found / difference in its unit: counts (人, 年) whole, others with 2 decimals."""
    if value is None:
        return formatting.MISSING
    if unit in ("人", "年"):
        text = formatting.count(value)
        return f"+{text}" if signed and value > 0 else text
    return formatting.difference(value) if signed else formatting.money(value)


ISSUE_HEADERS = [
    Label("问题", "Severity · rule"),
    labels.COLUMNS["source"],
    Label("位置", "Table · row · column"),
    labels.COLUMNS["expected"],
    labels.COLUMNS["found"],
    labels.COLUMNS["difference"],
    labels.COLUMNS["detail"],
    labels.COLUMNS["resolution"],
]
ISSUE_CSV_COLUMNS = [
    "severity",
    "rule",
    "category",
    "table_kind",
    "figure",
    "row_key",
    "column_key",
    "expected",
    "found",
    "difference",
    "value_unit",
    "detail",
    "resolution",
    "location",
]


def issue_title(issue: dict) -> str:
    """The severity, and the rule under it."""
    severity = labels.SEVERITY.get(issue["severity"] or "", issue["severity"])
    return f"{ui.text(severity)}<br><small>{ui.text(issue['rule'])}</small>"


def where(issue: dict) -> str | None:
    parts = [issue.get("table_kind") or issue.get("figure"), issue.get("row_key"), issue.get("column_key")]
    return " · ".join(str(p) for p in parts if p) or None


def quality_section(snapshot: Snapshot, document_id: str, links: SourceLinks) -> None:
    ui.section(labels.QUALITY)
    issues = issues_of(snapshot, document_id)
    st.markdown(f"问题 Issues: **{issues.height}**")
    rows = [
        [
            issue_title(row),
            source_link(links, row, "location"),
            ui.text(where(row)),
            issue_value(row["expected"], row["value_unit"]),
            issue_value(row["found"], row["value_unit"]),
            f"{issue_value(row['difference'], row['value_unit'], signed=True)} {ui.text(row['value_unit'] or '')}".strip(),
            ui.text(row["detail"]),
            ui.text(row["resolution"]),
        ]
        for row in issues.iter_rows(named=True)
    ]
    ui.html_table(ISSUE_HEADERS, rows, numeric=[3, 4, 5], wide=[2, 6, 7], key="quality-issues")
    ui.download_csv(issues.select(ISSUE_CSV_COLUMNS), "quality_issues.csv", key="issues_csv")


# --------------------------------------------------------------------------- 决算: execution; the series
def figure_label(figure: str) -> Label:
    if figure in labels.FIGURES:
        return labels.FIGURES[figure]
    if figure.startswith("expenditure_"):
        code = figure.removeprefix("expenditure_")
        known = labels.FUNCTION_CLASSES.get(code)
        return Label(f"{code} 类", known.short if known else "function class")
    return labels.METRICS.get(figure, Label(figure, ""))


EXECUTION_HEADERS = [
    labels.COLUMNS["figure"],
    labels.EXECUTION_COLUMNS["budget_amount"],
    labels.EXECUTION_COLUMNS["final_amount"],
    labels.EXECUTION_COLUMNS["execution_rate"],
    labels.EXECUTION_COLUMNS["budget_source"],
    labels.EXECUTION_COLUMNS["budget_document_id"],
    labels.EXECUTION_COLUMNS["budget_differs"],
]
EXECUTION_CSV_COLUMNS = [
    "figure",
    "budget_amount",
    "budget_source",
    "budget_document_id",
    "loaded_budget_amount",
    "stated_budget_amount",
    "final_amount",
    "execution_rate",
    "budget_differs",
]


def execution_section(snapshot: Snapshot, document_id: str) -> None:
    """预算执行 of a 决算 (``marts.budget_execution``): per figure, the budget, the final amount, the rate and
    where the budget comes from; a bullet chart of budget vs final."""
    execution = execution_of(snapshot, document_id)
    ui.section(labels.EXECUTION)
    st.caption(
        "执行率 = 决算数 ÷ 预算数。预算来源：已载预算（同一单位同年的预算文件），或决算所列预算数；两者不一致时以已载预算为准"
        "（见质量问题）。  \n"
        "Execution rate = final ÷ budget. The budget is the loaded 预算 of the same unit and year, else the one the "
        "决算 states; where both exist and differ the loaded one is used (see the quality issues)."
    )
    if execution.is_empty():
        st.caption(labels.NO_ROWS)
        return
    charted = execution.filter(pl.col("budget_amount").is_not_null() | pl.col("final_amount").is_not_null())
    st.altair_chart(charts.execution_bullets(charted), width="stretch")
    rows = [
        [
            ui.header_cell(figure_label(row["figure"])),
            formatting.money(row["budget_amount"]),
            formatting.money(row["final_amount"]),
            formatting.share(row["execution_rate"]),
            ui.text(labels.BUDGET_SOURCES.get(row["budget_source"] or "", row["budget_source"])),
            ui.link(row["budget_document_id"], f"unit?doc={row['budget_document_id']}", new_tab=False)
            if row.get("budget_document_id")
            else formatting.MISSING,
            "⚠ 是 yes" if row.get("budget_differs") else "",
        ]
        for row in execution.iter_rows(named=True)
    ]
    ui.html_table(EXECUTION_HEADERS, rows, numeric=[1, 2, 3], key="budget-execution")
    ui.download_csv(execution.select(EXECUTION_CSV_COLUMNS), "budget_execution.csv", key="execution_csv")


def series_cell(row: dict | None) -> str:
    """A figure of one year: the value, and under it the change on the previous year of the same kind."""
    if row is None or row.get("value") is None:
        return formatting.MISSING
    value = formatting.money(row["value"])
    if row.get("previous_value") is None:
        return f"{value}<br><small>—</small>"
    rate = formatting.share(row.get("change_rate"))
    rate = rate if rate.startswith("-") or rate == formatting.MISSING else f"+{rate}"
    return f"{value}<br><small>{formatting.difference(row.get('change'))} · {rate}</small>"


def series_section(snapshot: Snapshot, metrics: dict) -> None:
    """逐年指标 (``marts.unit_year_metrics``): the unit's figures per year and kind, each with its change on the
    previous year of the same kind (预算 with 预算, 决算 with 决算)."""
    series = unit_series(snapshot, metrics.get("unit_id"))
    ui.section(labels.SERIES)
    st.caption(
        "每格：数值（万元），其下为比上年同类文件的增减额 · 增减率；预算只与预算比，决算只与决算比。  \n"
        "Each cell: the value (万元), under it the change on the previous year of the same kind, amount · rate; "
        "a 预算 is compared with a 预算, a 决算 with a 决算."
    )
    if series.is_empty():
        st.caption(labels.NO_ROWS)
        return
    years = (
        series.select("fiscal_year", "document_kind", "kind_rank", "document_id")
        .unique(["fiscal_year", "document_kind"])
        .sort(["fiscal_year", "kind_rank"])
    )
    by_key = {(r["fiscal_year"], r["document_kind"], r["figure"]): r for r in series.iter_rows(named=True)}
    rows = []
    for year in years.iter_rows(named=True):
        this = year["document_id"] == metrics.get("document_id")
        rows.append(
            [
                f"<b>{ui.text(year['fiscal_year'])}</b>" if this else ui.text(year["fiscal_year"]),
                ui.text(year["document_kind"]),
                *[
                    series_cell(by_key.get((year["fiscal_year"], year["document_kind"], f)))
                    for f in SERIES_FIGURES
                ],
                ui.link(year["document_id"], f"unit?doc={year['document_id']}", new_tab=False),
            ]
        )
    headers = [
        labels.COLUMNS["fiscal_year"],
        labels.COLUMNS["document_kind"],
        *[labels.METRICS[f] for f in SERIES_FIGURES],
        labels.METRICS["document_id"],
    ]
    ui.html_table(headers, rows, numeric=list(range(2, 2 + len(SERIES_FIGURES))), key="unit-series")
    if years.height > 1:
        st.altair_chart(charts.series_lines(series), width="content")
    ui.download_csv(
        series.select(
            "fiscal_year",
            "document_kind",
            "figure",
            "value",
            "previous_value",
            "change",
            "change_rate",
            "document_id",
            "previous_document_id",
        ),
        "unit_series.csv",
        key="series_csv",
    )


def is_final_accounts(metrics: dict) -> bool:
    return (metrics.get("document_kind") or "").endswith("决算")


def render() -> None:
    snapshot = ui.current_snapshot()
    ui.page_setup()
    choice = choose_document(snapshot)
    if choice is None:
        return
    document_id = choice["document_id"]
    metrics = snapshot.metrics_row(document_id)
    figures = figures_of(snapshot, document_id)
    links = SourceLinks(snapshot.documents.to_dicts(), document_id)
    header(choice, links, metrics)
    if metrics:
        key_metrics(metrics, figures)
        if is_final_accounts(metrics):
            execution_section(snapshot, document_id)
        series_section(snapshot, metrics)
        key_figures(figures, links)
        function_section(snapshot, document_id, links)
        economic_section(snapshot, document_id, links, figures)
        three_public_section(metrics, figures, links)
        headcount_section(metrics, figures, links)
    quality_section(snapshot, document_id, links)


render()
