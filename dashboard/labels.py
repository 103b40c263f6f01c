"""Every label the dashboard shows: Chinese first, with an English subtitle.

``Label.zh`` is what a reader of the disclosures knows; ``Label.en`` says the same for everyone else.
``Label.short`` joins them on one line for places without room for a subtitle (table headers, axis titles).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import NamedTuple

from dashboard import catalogue


class Label(NamedTuple):
    zh: str
    en: str

    @property
    def short(self) -> str:
        return f"{self.zh} {self.en}"


APP = Label("部门预算看板", "Budget disclosures dashboard")
OVERVIEW = Label("单位对比", "Compare units")
UNIT = Label("单位详情", "Unit page")
SOURCE = Label("原文", "Source text")
COMPARE = Label("单位并列对比", "Side by side")
SEARCH = Label("科目检索", "Search subjects")

# --------------------------------------------------------------------------- filters and overview
FILTERS = Label("筛选", "Filters")
PROVINCE = Label("省份", "Province")
REGION = Label("地区", "Region")
FISCAL_YEAR = Label("年度", "Fiscal year")  # the year of a 预算 or a 决算: one label for both kinds
SCOPE = Label("口径", "Scope (部门 department / 单位 single unit)")
RANK_BY = Label("排名依据", "Rank by")
UNREGISTERED = "（未登记 unregistered）"

DISCLOSURES_SHOWN = Label("公开文件", "Disclosures shown")
UNITS_SHOWN = Label("单位", "Units")
TOTAL_SHOWN = Label(
    "支出总计合计（万元）",
    "Total expenditure, sum (10k CNY; a unit inside its shown department counted once)",
)
WITH_WARNINGS = Label("有质量警告", "With quality warnings")

RANKING = Label("人均人员经费排名", "Ranking on personnel cost per person")
AXIS = Label("坐标轴", "Axis")
AXIS_SCALES: dict[str, Label] = {
    "linear": Label("线性", "linear"),
    "log": Label("对数", "log scale"),
    "clip": Label("截断离群值", "clip outliers"),
}
FUNCTION_MIX = Label("支出功能结构", "Function mix: 208 / 210 / 221 / other")
BASIC_VS_PROJECT = Label("基本支出与项目支出", "Basic vs project spending")
THREE_PUBLIC = Label("“三公”经费", "Three public expenses: share and parts")
TABLE = Label("明细表", "The table (download as CSV)")
OPEN_UNIT = Label("查看单位详情", "Open a unit page")
DOWNLOAD_CSV = "下载 CSV · Download CSV"

# why a per-capita figure is missing (data.per_capita_reason)
NOT_AVAILABLE = "n/a"
PER_CAPITA_REASONS: dict[str, Label] = {
    "no_staff": Label("公开文件未列人数", "no staff count in the disclosure"),
    "zero_staff": Label("人数为 0", "staff count is 0"),
    "no_numerator": Label(
        "公开文件未列分子（人员经费 / 工资福利支出）", "no numerator (personnel / 301) in the disclosure"
    ),
}


def not_available(reason: str | None) -> str:
    """``'n/a — 公开文件未列人数 no staff count in the disclosure'``."""
    label = PER_CAPITA_REASONS.get(reason or "", Label("无数据", "no data"))
    return f"{NOT_AVAILABLE} — {label.zh} {label.en}"


# --------------------------------------------------------------------------- comparison and search
KIND_FAMILY = Label("文件类型", "Budget or final accounts (never mixed)")
KIND_FAMILIES: dict[str, str] = {"预算": "预算 budget", "决算": "决算 final accounts"}
COMPARE_YEAR = Label("年度", "Fiscal year")
LATEST_YEAR = "各单位最新 each unit's latest"
COMPARE_UNITS = Label("选择 2–6 个单位", "Choose 2 to 6 units (by unit id or name)")
COMPARE_FIGURES = Label("主要指标", "Figures, one column per unit")
COMPARE_FUNCTION_MIX = Label("支出功能结构", "Function mix, one panel per unit")
COMPARE_THREE_PUBLIC = Label("“三公”经费", "Three public expenses, one panel per unit")
COMPARE_DISCLOSURES = Label("所用公开文件", "The disclosure compared for each unit")
SEARCH_BOX = Label("科目编码（前缀）或名称", "Subject code (prefix) or name, e.g. 2080505 or 养老")
SEARCH_RESULTS = Label("检索结果", "Units, years, amounts and where each was read")
CLASSIFICATIONS: dict[str, str] = {
    "function": "功能分类 function",
    "economic": "经济分类（基本支出）economic (basic)",
}

# --------------------------------------------------------------------------- unit page
CHOOSE_DISCLOSURE = Label("选择公开文件", "Choose a disclosure")
KEY_FIGURES = Label("关键指标及出处", "Key figures and where each was read")
FUNCTION_TREE = Label("支出功能分类 类 → 款 → 项", "Expenditure by function: class → section → item")
ECONOMIC = Label("基本支出经济分类", "Economic breakdown of basic spending")
THREE_PUBLIC_PARTS = Label("“三公”经费", "Three public expenses")
HEADCOUNTS = Label("人员", "Headcounts")
QUALITY = Label("质量问题及处理", "Quality issues and their resolution")
HELD_BACK = Label(
    "此文件因严重质量问题未发布到指标表",
    "This disclosure is held back from the marts by an error-level issue",
)
NO_ROWS = "—（无 none）"


# --------------------------------------------------------------------------- columns of the marts
class ColumnLabels(Mapping[str, Label]):
    """Labels of mart columns, read from the publication's column catalogue (``dashboard.catalogue``: the marts'
    yml ``meta``); ``extra`` holds those of the columns the dashboard derives itself.  A column in neither is
    shown by its name."""

    def __init__(self, tables: tuple[str, ...], extra: dict[str, Label]):
        self.tables = tables
        self.extra = extra

    def __getitem__(self, column: str) -> Label:
        if column in self.extra:
            return self.extra[column]
        found = catalogue.entry(self.tables, column)
        if found and found.get("label_zh"):
            return Label(found["label_zh"], found.get("label_en") or "")
        return Label(column, "")

    def __contains__(self, column: object) -> bool:
        return True  # every column has a label (its name at worst)

    def __iter__(self) -> Iterator[str]:
        return iter(self.extra)

    def __len__(self) -> int:
        return len(self.extra)

    def update(self, more: dict[str, Label]) -> None:
        self.extra.update(more)


# unit_metrics columns come from the catalogue; these are the overview's own columns
METRICS = ColumnLabels(
    ("unit_metrics",),
    {
        "quality": Label("质量状态", "Quality"),
        "basic_share": Label("基本支出占比", "Basic share"),
        "per_capita_note": Label("人均说明", "Per-capita note"),
        "rank": Label("排名", "Rank"),
        "unit_page": Label("详情", "Unit page"),
    },
)

# the two definitions of per-capita personnel cost, each with its numerator
PER_CAPITA_DEFINITIONS: dict[str, Label] = {
    "per_capita_personnel": Label("人员经费 ÷ 人数", "personnel expenditure ÷ staff"),
    "per_capita_wage_welfare": Label("工资福利支出(301) ÷ 人数", "wages & welfare (class 301) ÷ staff"),
}

STAFF_BASIS: dict[str, str] = {
    "在职人员": "在职人员 staff in service",
    "财政供给人员": "财政供给人员 fiscally funded staff",
}

QUALITY_STATUS: dict[str, str] = {
    "ok": "正常 ok",
    "warning": "⚠ 警告 warning",
    "error": "✗ 错误 error",
}

SEVERITY: dict[str, str] = {
    "info": "提示 info",
    "warning": "⚠ 警告 warning",
    "error": "✗ 错误 error",
}

# --------------------------------------------------------------------------- figure_sources.figure
FIGURES: dict[str, Label] = {
    "total_expenditure": Label("支出总计", "Total expenditure"),
    "basic_expenditure": Label("基本支出", "Basic expenditure"),
    "project_expenditure": Label("项目支出", "Project expenditure"),
    "reserve_expenditure": Label("单位预留机动经费", "Unit reserve"),
    "personnel_expenditure": Label("人员经费", "Personnel expenditure"),
    "public_expenditure": Label("公用经费", "Public expenditure"),
    "wage_welfare_expenditure": Label("工资福利支出", "Wages and welfare (301)"),
    "three_public_total": Label("“三公”经费合计", "Three public expenses, total"),
    "three_public_outbound": Label("因公出国（境）费", "Official travel abroad"),
    "three_public_reception": Label("公务接待费", "Official reception"),
    "three_public_vehicle": Label("公务用车购置及运行维护费", "Official vehicles, total"),
    "three_public_vehicle_purchase": Label("公务用车购置费", "Vehicle purchase"),
    "three_public_vehicle_operation": Label("公务用车运行维护费", "Vehicle operation and maintenance"),
    "operating_expenditure": Label("机关运行经费", "Administrative running cost"),
    "staff_in_service": Label("在职人数", "Staff in service"),
    "staff_funded": Label("财政供给人数", "Fiscally funded staff"),
    "staff_actual": Label("实有人数", "Actual staff"),
    "staff_retired": Label("离退休人数", "Retired staff"),
    "staff_authorized": Label("编制数", "Authorized posts"),
}

THREE_PUBLIC_FIGURES = (
    "three_public_total",
    "three_public_outbound",
    "three_public_vehicle_purchase",
    "three_public_vehicle_operation",
    "three_public_reception",
)
THREE_PUBLIC_PART_FIGURES = THREE_PUBLIC_FIGURES[1:]
HEADCOUNT_FIGURES = ("staff_in_service", "staff_funded", "staff_actual", "staff_retired", "staff_authorized")

FUNCTION_CLASSES: dict[str, Label] = {
    "208": Label("208 社会保障和就业", "Social security & employment"),
    "210": Label("210 卫生健康", "Health"),
    "221": Label("221 住房保障", "Housing"),
    "other": Label("其他", "Other"),
}

# --------------------------------------------------------------------------- table headers (unit page)
# quality_issues and figure_sources columns come from the catalogue; the rest are the pages' own headers (and
# the columns of the marts whose yml has no labels yet)
COLUMNS = ColumnLabels(
    ("quality_issues", "figure_sources"),
    {
        "unit": Label("单位", "Unit"),
        "source": Label("出处", "Source"),
        "conflict": Label("冲突", "Conflict"),
        "subject_code": Label("科目编码", "Code"),
        "subject_level": Label("级次", "Level"),
        "subject_name": Label("科目名称", "Subject"),
        "total_amount": Label("合计", "Total"),
        "basic_amount": Label("基本支出", "Basic"),
        "project_amount": Label("项目支出", "Project"),
        "personnel_amount": Label("人员经费", "Personnel"),
        "public_amount": Label("公用经费", "Public"),
        "is_derived": Label("推算", "Derived"),
        "share": Label("占支出总计", "Share of total"),
        "line": Label("行号", "Line"),
        "text": Label("内容", "Text"),
        "classification": Label("分类", "Classification"),
        "unit_page": Label("详情", "Unit page"),
    },
)

MONEY_UNIT = "万元"
HEADCOUNT_UNIT = "人"

# --------------------------------------------------------------------------- 决算: execution and series (issue 15)
OVERVIEW_KIND = Label("文件类型", "Budget or final accounts (one kind per ranking)")
EXECUTION_RANKING = Label(
    "预算执行率排名", "Ranking on the execution rate of total expenditure (决算 ÷ 预算)"
)
EXECUTION_RANK_DEFINITION = Label(
    "执行率（支出总计 决算数 ÷ 预算数）", "execution rate (final ÷ budget, total)"
)
SERIES = Label("逐年指标", "Figures over the years, with the change on the previous year of the same kind")
EXECUTION = Label("预算执行", "Budget vs final accounts: execution rates")
BUDGET_SOURCES: dict[str, str] = {
    "loaded_budget": "已载预算 the loaded 预算",
    "final_accounts_stated": "决算所列预算数 stated in the 决算",
}
EXECUTION_COLUMNS: dict[str, Label] = {
    "budget_amount": Label("预算数", "Budget"),
    "final_amount": Label("决算数", "Final"),
    "execution_rate": Label("执行率", "Execution rate"),
    "budget_source": Label("预算来源", "Budget from"),
    "budget_document_id": Label("预算文件", "Budget document"),
    "budget_differs": Label("预算不一致", "Budgets differ"),
    "value": Label("数值", "Value"),
    "previous_value": Label("上年数值", "Previous year"),
    "change": Label("增减额", "Change"),
    "change_rate": Label("增减率", "Change rate"),
}
METRICS.update(
    {
        "execution_rate": Label("执行率", "Execution rate"),
        "execution_budget": Label("预算数", "Budget (total)"),
        "execution_final": Label("决算数", "Final (total)"),
        "budget_source": Label("预算来源", "Budget from"),
    }
)
FISCAL_YEAR_ANY = Label("年度", "Fiscal year")
