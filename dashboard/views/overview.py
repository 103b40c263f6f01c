"""单位对比 Overview: every published disclosure ranked on per-capita personnel cost, with its 三公 share and
parts, function mix, basic vs project spending and quality status; filters by province, region, fiscal year
and scope; the table downloads as CSV."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import charts, formatting, labels, ui, url_state
from dashboard.data import (
    EXECUTION_RANK,
    Filters,
    filter_metrics,
    filter_options,
    kind_options,
    of_kind,
    ranked,
    with_execution,
)
from dashboard.overview_table import column_config, table_frame

UNIT_PAGE = "views/unit.py"


# the filters and their URL parameters (``?province=四川省&year=2024&rank=wage_welfare&axis=log``)
FILTER_PARAMS = {
    "filter_province": "province",
    "filter_region": "region",
    "filter_year": "year",
    "filter_scope": "scope",
}
RANK_PARAM = "rank"
RANK_VALUES = {
    "per_capita_personnel": "personnel",
    "per_capita_wage_welfare": "wage_welfare",
    EXECUTION_RANK: "execution",
}
AXIS_PARAM = "axis"
KIND_KEY, KIND_PARAM = "filter_kind", "kind"  # 预算 (default) | 决算: one kind per ranking, never mixed


def _multiselect(label: labels.Label, options: list, key: str, **kwargs) -> list:
    url_state.restore_many(key, FILTER_PARAMS[key], options)
    values = st.multiselect(label.short, options, key=key, **kwargs)
    url_state.keep(FILTER_PARAMS[key], values)
    return values


def sidebar_filters(metrics: pl.DataFrame) -> Filters:
    with st.sidebar:
        st.header(labels.FILTERS.zh)
        st.caption(labels.FILTERS.en)
        provinces = _multiselect(
            labels.PROVINCE,
            filter_options(metrics, "province"),
            format_func=lambda v: v or labels.UNREGISTERED,
            key="filter_province",
        )
        in_provinces = filter_metrics(metrics, Filters(provinces=tuple(provinces)))
        regions = _multiselect(
            labels.REGION,
            filter_options(in_provinces, "region"),
            format_func=lambda v: v or labels.UNREGISTERED,
            key="filter_region",
        )
        years = _multiselect(labels.FISCAL_YEAR, filter_options(metrics, "fiscal_year"), key="filter_year")
        scopes = _multiselect(
            labels.SCOPE,
            filter_options(metrics, "scope"),
            format_func=lambda v: v or "—",
            key="filter_scope",
        )
    return Filters(
        provinces=tuple(provinces), regions=tuple(regions), fiscal_years=tuple(years), scopes=tuple(scopes)
    )


def _kind_changed() -> None:
    """Another kind ranks on its own default (the execution rate for 决算, per-capita personnel for 预算)."""
    st.session_state.pop("rank_by", None)
    if RANK_PARAM in st.query_params:
        del st.query_params[RANK_PARAM]


def kind_choice(metrics: pl.DataFrame) -> str:
    """预算 or 决算 (the first present is the default: 预算 where the publication holds budgets)."""
    families = kind_options(metrics)
    with st.sidebar:
        url_state.restore_one(KIND_KEY, KIND_PARAM, families)
        family = st.radio(
            labels.OVERVIEW_KIND.short,
            families,
            format_func=lambda f: labels.KIND_FAMILIES.get(f, f),
            horizontal=True,
            key=KIND_KEY,
            on_change=_kind_changed,
        )
        url_state.keep(KIND_PARAM, family, default=families[0])
    return family


def _rank_text(column: str) -> str:
    if column == EXECUTION_RANK:
        return f"{labels.EXECUTION_RANK_DEFINITION.zh} · {labels.EXECUTION_RANK_DEFINITION.en}"
    return (
        f"{labels.METRICS[column].zh}（{labels.PER_CAPITA_DEFINITIONS[column].zh}）"
        f" · {labels.PER_CAPITA_DEFINITIONS[column].en}"
    )


def rank_choice(family: str = "预算") -> str:
    """For 预算 the two per-capita definitions; for 决算 the execution rate first (its default), then those."""
    options = list(labels.PER_CAPITA_DEFINITIONS)
    if family == "决算":
        options = [EXECUTION_RANK, *options]
    by_param = {v: k for k, v in RANK_VALUES.items()}
    url_state.restore_one("rank_by", RANK_PARAM, options, parse=lambda text: by_param.get(text, text))
    rank_by = st.radio(
        labels.RANK_BY.short,
        options,
        format_func=_rank_text,
        horizontal=True,
        key="rank_by",
    )
    url_state.keep(RANK_PARAM, RANK_VALUES[rank_by], default=RANK_VALUES[options[0]])
    return rank_by


def axis_choice() -> str:
    options = list(labels.AXIS_SCALES)
    url_state.restore_one("ranking_axis", AXIS_PARAM, options)
    scale = st.radio(
        labels.AXIS.short,
        options,
        format_func=lambda s: labels.AXIS_SCALES[s].short,
        horizontal=True,
        key="ranking_axis",
        help="对数坐标或截断坐标（上 Tukey 界 Q3 + 1.5 × IQR）使离群值不再压扁其他单位。  \n"
        "A log scale, or an axis clipped at the upper Tukey fence (Q3 + 1.5 × IQR; clipped bars are marked ▶), "
        "keeps one outlier from squashing the others.",
    )
    url_state.keep(AXIS_PARAM, scale, default=options[0])
    return scale


def summary(shown: pl.DataFrame) -> None:
    # a 单位预算 already inside a shown department's 部门预算 is not added twice (unit_metrics.counts_in_totals)
    counted = shown.filter(pl.col("counts_in_totals")) if "counts_in_totals" in shown.columns else shown
    total = sum((v for v in counted.get_column("total_expenditure").to_list() if v is not None), start=0)
    warned = shown.filter(pl.col("quality_status") != "ok").height
    first, second, third, fourth = st.columns(4)
    first.metric(labels.DISCLOSURES_SHOWN.short, shown.height)
    second.metric(labels.UNITS_SHOWN.short, shown.get_column("unit_name").n_unique())
    third.metric(labels.TOTAL_SHOWN.short, formatting.money(total))
    fourth.metric(labels.WITH_WARNINGS.short, warned)


def render() -> None:
    snapshot = ui.current_snapshot()
    ui.page_setup()
    ui.title(labels.OVERVIEW)
    family = kind_choice(snapshot.unit_metrics)
    metrics = of_kind(snapshot.unit_metrics, family)
    final_accounts = family == "决算"
    if final_accounts:
        metrics = with_execution(metrics, snapshot.budget_execution)
    filters = sidebar_filters(metrics)
    rank_by = rank_choice(family)
    shown = ranked(filter_metrics(metrics, filters), rank_by)
    summary(shown)
    if shown.is_empty():
        st.info("没有符合筛选条件的公开文件。 No disclosure matches the filters.")
        return

    if final_accounts:
        ui.section(labels.EXECUTION_RANKING)
        st.caption(
            "执行率 = 决算数 ÷ 预算数（支出总计）；预算数取同一单位同年已载的预算，没有时取决算所列的预算数（见表“预算来源”）；"
            "无预算数的决算排在最后。  \n"
            "Execution rate = final ÷ budget (total expenditure); the budget is the loaded 预算 of the same unit "
            "and year, else the one the 决算 states (see the table's budget source); a 决算 without a budget "
            "comes last."
        )
        st.altair_chart(charts.execution_rates(shown), width="stretch")

    ui.section(labels.RANKING)
    st.caption(
        "两种口径：人员经费 ÷ 人数，工资福利支出(301) ÷ 人数；人数口径见表（在职人员，或仅有财政供给人员时用之）。  \n"
        "Two definitions: personnel expenditure ÷ staff, wages & welfare (class 301) ÷ staff; the staff basis "
        "(in service, or fiscally funded where only that is stated) is in the table. ⚠ = quality warnings."
    )
    scale = axis_choice()
    if (
        scale == "clip"
        and charts.clip_limit(
            [
                float(v)
                for c in labels.PER_CAPITA_DEFINITIONS
                for v in shown.get_column(c).drop_nulls().to_list()
            ]
        )
        is None
    ):
        st.caption("没有离群值可截断。 No outlier to clip: the axis is the full one.")
    st.altair_chart(charts.per_capita(shown, scale), width="stretch")
    missing = shown.filter(
        pl.col("per_capita_personnel").is_null() | pl.col("per_capita_wage_welfare").is_null()
    )
    if missing.height:
        st.caption(
            "无人均数的单位标为 n/a 并注明原因（见表“人均说明”）。  \n"
            "Units without a per-capita figure read n/a with the reason (see the table's per-capita note)."
        )

    left, right = st.columns(2)
    with left:
        ui.section(labels.FUNCTION_MIX)
        st.altair_chart(charts.function_mix(shown), width="stretch")
    with right:
        ui.section(labels.BASIC_VS_PROJECT)
        st.altair_chart(charts.basic_vs_project(shown), width="stretch")
    ui.section(labels.THREE_PUBLIC)
    st.altair_chart(charts.three_public(shown), width="stretch")

    ui.section(labels.TABLE)
    table = table_frame(shown, execution=final_accounts)
    st.dataframe(
        table,
        hide_index=True,
        column_config=column_config(execution=final_accounts),
        key="overview_table",
        width="stretch",
        placeholder=formatting.MISSING,
    )
    ui.download_csv(
        table, "final_accounts_units.csv" if final_accounts else "budget_units.csv", key="overview_csv"
    )

    ui.section(labels.OPEN_UNIT)
    choices = shown.select("document_id", "unit_name", "fiscal_year", "scope").to_dicts()
    chosen = st.selectbox(
        labels.OPEN_UNIT.short,
        choices,
        format_func=lambda c: f"{c['unit_name']} · {c['fiscal_year']} · {c['scope'] or '—'}",
        key="open_unit",
    )
    if chosen:
        st.page_link(
            UNIT_PAGE,
            label=f"打开单位详情 Open the unit page: {chosen['unit_name']} {chosen['fiscal_year']}",
            icon=":material/arrow_forward:",
            query_params={"doc": chosen["document_id"]},
        )


render()
