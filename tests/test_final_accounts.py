"""Final accounts (决算) and budget execution (docs/final_accounts.md).

* The three real 2024 部门决算 of ../shared/pdfs/final_accounts: their key figures as printed, read exactly.
* The 测试问题版本 (a copy of the 财政局 决算 into which errors were planted): every planted error is flagged, and the
  unmodified original raises nothing but the extraction warning for its untitled 单位构成 list.
* Generated series (tools/generate_series.py, from seed 002): the execution of a 预算 + 决算 pair, the year-on-year
  change of a two-year 预算 series, and mutated copies of the generated 决算 for the within-table 决算 rules.
"""

from __future__ import annotations

import shutil
from decimal import ROUND_HALF_UP, Decimal

import duckdb
import pytest
from dbt_warehouse import RAW, dbt_build, load_documents, rows

from extract import extract_file
from tools.generate_series import generate

FINAL_ACCOUNTS = RAW.parents[1].parent / "shared" / "pdfs" / "final_accounts"
GOOD = FINAL_ACCOUNTS / "samples_good_上海市普陀区财政局2024年度部门决算.pdf"
PLANTED = FINAL_ACCOUNTS / "24年普陀区财政局（测试问题版本）.pdf"
PLANNING = FINAL_ACCOUNTS / "samples_bad_上海市普陀区规划和自然资源局 2024 年度部门决算.pdf"
SOCIAL = FINAL_ACCOUNTS / "samples_bad_中共上海市普陀区委社会工作部 2024 年度部门决算.pdf"
REAL = (GOOD, PLANTED, PLANNING, SOCIAL)
needs_pdfs = pytest.mark.skipif(
    not all(p.exists() for p in REAL), reason="../shared/pdfs/final_accounts is absent"
)
SEED = RAW / "002_5e80dbdf814b782e.txt"
D = Decimal

FINAL_KINDS = {
    "final_income_expenditure_summary",
    "final_income",
    "final_expenditure",
    "final_fiscal_grant_summary",
    "final_gpb_expenditure",
    "final_gpb_basic_expenditure",
    "final_three_public",
    "final_gov_fund",
    "final_state_capital",
}


def cell(
    extraction, kind: str, column: str, *, line_item: str | None = None, code: str | None = None
) -> list:
    return [
        f.amount
        for f in extraction.table_facts
        if f.table_kind == kind
        and f.column_key == column
        and (line_item is None or f.line_item == line_item)
        and (code is None or f.subject_code == code)
    ]


def prose(extraction, key: str, code: str | None = None) -> list:
    return [
        f.value
        for f in extraction.prose_facts
        if f.fact_key == key and (code is None or f.subject_code == code)
    ]


# --------------------------------------------------------------------------- the real 决算, as printed
@needs_pdfs
def test_finance_bureau_final_accounts_as_printed():
    e = extract_file(GOOD)
    assert e.document.document_kind == "部门决算" and e.document.fiscal_year == 2024
    assert {t.table_kind for t in e.tables} == FINAL_KINDS | {
        "unclassified"
    }  # unclassified: the 单位构成 list
    summary = "final_income_expenditure_summary"
    assert cell(e, summary, "total", line_item="income_current_total") == [D("2946.25")]
    assert cell(e, summary, "total", line_item="expenditure_current_total") == [D("2940.05")]
    assert cell(e, summary, "total", line_item="opening_balance") == [D("49.14")]
    assert cell(e, summary, "total", line_item="closing_balance") == [D("55.34")]
    assert cell(e, summary, "total", line_item="income_total") == [D("2995.39")]
    assert cell(e, summary, "total", code="208") == [D("326.71")]  # printed so; the 支出决算表 says 326.72
    assert cell(e, "final_expenditure", "basic", line_item="table_total") == [D("2336.91")]
    assert cell(e, "final_expenditure", "project", line_item="table_total") == [D("603.14")]
    assert cell(e, "final_expenditure", "total", code="2010601") == [D("1511.89")]
    assert cell(e, "final_income", "unit_funds", code="2010602") == [D("6.19")]
    assert cell(e, "final_fiscal_grant_summary", "total", line_item="income_total") == [D("2961.68")]
    assert cell(e, "final_fiscal_grant_summary", "gpb", line_item="closing_balance") == [D("21.63")]
    assert cell(e, "final_gpb_expenditure", "total", line_item="table_total") == [D("2940.05")]
    assert cell(e, "final_gpb_basic_expenditure", "total", line_item="personnel_total") == [D("2152.26")]
    assert cell(e, "final_gpb_basic_expenditure", "total", line_item="public_total") == [D("184.65")]
    assert cell(e, "final_gpb_basic_expenditure", "total", code="30239") == [D("48.49")]
    assert cell(e, "final_three_public", "budget", line_item="three_public_total") == [D("0.95")]
    assert cell(e, "final_three_public", "budget", line_item="three_public_reception") == [D("0.95")]
    assert cell(e, "final_three_public", "total") == []  # 决算数 blank: nothing spent
    assert all(t.is_empty for t in e.tables if t.table_kind in ("final_gov_fund", "final_state_capital"))


@needs_pdfs
def test_planning_bureau_final_accounts_as_printed():
    e = extract_file(PLANNING)
    assert FINAL_KINDS <= {t.table_kind for t in e.tables}
    summary = "final_income_expenditure_summary"
    assert cell(e, summary, "total", line_item="income_current_total") == [D("9746.50")]
    assert cell(e, summary, "total", line_item="expenditure_current_total") == [D("9759.38")]
    assert cell(e, summary, "total", line_item="opening_balance") == [D("112.88")]
    assert cell(e, summary, "total", line_item="closing_balance") == [D("100.00")]
    assert cell(e, "final_expenditure", "basic", line_item="table_total") == [D("5377.64")]
    assert cell(e, "final_expenditure", "project", line_item="table_total") == [D("4381.74")]
    assert cell(e, "final_gpb_basic_expenditure", "total", line_item="personnel_total") == [D("4884.09")]
    assert cell(e, "final_three_public", "budget", line_item="three_public_total") == [D("2.85")]
    assert cell(e, "final_three_public", "total", line_item="three_public_total") == [D("0.39")]
    assert prose(e, "execution_budget")[0] == D("10210.34") and prose(e, "execution_final")[0] == D("9746.50")
    assert prose(e, "execution_rate")[0] == D("95.45")
    assert prose(e, "three_public_total_budget") == [D("2.85")] and prose(e, "three_public_total_rate") == [
        D("13.68")
    ]
    assert prose(e, "personnel_expenditure") == [D("4896.98")]  # the prose disagrees with the table: flagged
    assert prose(e, "procurement_total") == [D("2319.21")] and prose(e, "vehicles") == [D(0)]
    assert prose(e, "operating_expenditure") == [D("142.80")]
    assert prose(e, "yoy_decrease", "operating_expenditure") == [D("13.52")]


@needs_pdfs
def test_social_work_department_final_accounts_as_printed():
    e = extract_file(SOCIAL)
    assert cell(e, "final_income_expenditure_summary", "total", line_item="income_total") == [D("307.82")]
    assert cell(e, "final_expenditure", "basic", line_item="table_total") == [D("105.58")]
    assert cell(e, "final_expenditure", "project", line_item="table_total") == [D("202.24")]
    assert cell(e, "final_gpb_basic_expenditure", "total", line_item="public_total") == [D("10.23")]
    assert [t.is_empty for t in e.tables if t.table_kind == "final_three_public"] == [True]
    # 年初预算 0, 全年预算 321.02: the rate is against the adjusted budget
    assert prose(e, "execution_budget")[0] == D(0) and prose(e, "execution_budget_adjusted")[0] == D("321.02")
    assert prose(e, "execution_rate")[0] == D("95.89")


# --------------------------------------------------------------------------- one warehouse for the rest
@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("final_accounts")
    generated = generate(SEED, tmp / "generated")
    final_text = generated["final"].read_text(encoding="utf-8")
    mutants = {
        # 年末结转和结余 no longer closes 年初 + 本年收入 − 本年支出 (the 总计 rows untouched)
        "m_balance.txt": final_text.replace("年末结转和结余\t20.71", "年末结转和结余\t21.71", 1),
        # a printed 完成率 that 决算数 ÷ 预算数 does not give
        "m_rate_column.txt": final_text.replace("0.00\t99.00\n20801", "0.00\t97.00\n20801", 1),
        # the stated completion rate of the execution statement
        "m_rate_prose.txt": final_text.replace("完成年初预算的99.00%", "完成年初预算的97.00%", 1),
        # the 基本支出决算表 prints its 类 rows above the totals: 301 gives 人员经费合计 974.14, 302 50.53 ≠ 公用经费合计 51.53
        "m_basic_totals.txt": final_text.replace(
            "人员经费合计\t\t974.14\t公用经费合计\t\t51.53",
            "301\t工资福利支出\t974.14\t302\t商品和服务支出\t50.53\n人员经费合计\t\t974.14\t公用经费合计\t\t51.53",
            1,
        ),
    }
    files = [SEED, generated["final"], generated["previous_budget"]]
    for name, text in mutants.items():
        assert text != final_text, name
        (tmp / name).write_text(text, encoding="utf-8")
        files.append(tmp / name)
    if all(p.exists() for p in REAL):
        files += [GOOD, PLANTED]
    db = tmp / "budget.duckdb"
    load_documents(db, files)
    dbt_build(db, tmp)
    con = duckdb.connect(str(db), read_only=True)
    yield con, generated
    con.close()


def issues(con, file_name: str) -> list[dict]:
    return rows(
        con,
        """
        select q.* from marts.quality_issues q join raw.documents d using (document_id) where d.file_name = ?
    """,
        [file_name],
    )


# The errors planted in the 测试问题版本, found by diffing its extraction and text against the original's.
PLANTED_ERRORS = [
    # (what was planted, rule, predicate on the issue)
    (
        "第二部分 heading: the unit's name replaced by the template's “XX局”",
        "template_placeholder_left",
        lambda i: "XX局" in i["detail"],
    ),
    ("支出决算表 left out entirely", "final_table_missing", lambda i: i["row_key"] == "final_expenditure"),
    (
        "“三公” table: its 预算数 0.95 (合计, 公务接待费) blanked while the prose keeps 年初预算 0.95",
        "three_public_budget_vs_table",
        lambda i: i["found"] == D("0.95") and i["expected"] == 0,
    ),
    (
        "第三部分 heading: 2023 年度部门决算情况说明 in the 2024 决算",
        "stated_year_vs_fiscal_year",
        lambda i: "第三部分" in i["detail"],
    ),
    (
        "国有资产: 截至 2023 年 12 月 31 日 in the 2024 决算",
        "stated_year_vs_fiscal_year",
        lambda i: "截至" in i["detail"],
    ),
    (
        "收入支出总计 0 万元 (the table: 2995.39)",
        "final_prose_vs_table",
        lambda i: i["figure"] == "grand_total" and i["found"] == 0 and i["expected"] == D("2995.39"),
    ),
    (
        "行政运行: “决算数大于预算数” for 1511.89 against 1560.05",
        "execution_direction_stated",
        lambda i: "行政运行" in (i["row_key"] or "") and i["found"] == 1,
    ),
    (
        "职业年金缴费支出 2080506: “大于” for 80.38 against 80.81",
        "execution_direction_stated",
        lambda i: i["row_key"] == "2080506" and i["found"] == 1,
    ),
    (
        "行政单位医疗 2101101: “等于” for 60.99 against 62.29",
        "execution_direction_stated",
        lambda i: i["row_key"] == "2101101" and i["found"] == 0,
    ),
]


@needs_pdfs
@pytest.mark.parametrize("what, rule, matches", PLANTED_ERRORS, ids=[p[0][:20] for p in PLANTED_ERRORS])
def test_every_planted_error_is_flagged(warehouse, what, rule, matches):
    con, _ = warehouse
    found = [i for i in issues(con, PLANTED.name) if i["rule"] == rule and matches(i)]
    assert found, f"not flagged: {what}"


@needs_pdfs
def test_the_unmodified_original_raises_nothing_new(warehouse):
    con, _ = warehouse
    raised = {(i["rule"], i["detail"]) for i in issues(con, GOOD.name)}
    unclassified = (
        "unclassified_table: a table without a recognised title or header was kept but not classified"
    )
    assert raised == {("extraction_warning", unclassified)}


@needs_pdfs
def test_planted_copy_keeps_the_basic_table_sums(warehouse):
    # no error was planted in the 基本支出决算表: 人员经费合计 2152.26 = 301 2082.85 + 303 69.41 and 公用经费合计
    # 184.65 = 302 171.07 + 310 13.58, as in the original
    con, _ = warehouse
    assert [i for i in issues(con, PLANTED.name) if i["rule"] == "final_basic_personnel_public_totals"] == []
    totals = {
        r["line_item"]: r["amount"]
        for r in rows(
            con,
            """
        select f.line_item, f.amount from raw.table_facts f join raw.documents d using (document_id)
        where d.file_name = ? and f.table_kind = 'final_gpb_basic_expenditure' and f.line_item is not null
    """,
            [PLANTED.name],
        )
    }
    assert totals == {"personnel_total": D("2152.26"), "public_total": D("184.65")}


def test_basic_table_totals_of_the_mutated_final_accounts(warehouse):
    con, _ = warehouse
    [issue] = [
        i for i in issues(con, "m_basic_totals.txt") if i["rule"] == "final_basic_personnel_public_totals"
    ]
    assert (issue["row_key"], issue["expected"], issue["found"], issue["tolerance"]) == (
        "public_total",
        D("50.53"),
        D("51.53"),
        D("0.01"),
    )


# --------------------------------------------------------------------------- generated 预算 + 决算
def test_generated_final_accounts_execute_the_loaded_budget(warehouse):
    con, generated = warehouse
    extraction = extract_file(generated["final"])
    budget = extract_file(SEED)
    execution = {
        r["figure"]: r
        for r in rows(
            con,
            """
        select b.* from marts.budget_execution b join raw.documents d using (document_id) where d.file_name = ?
    """,
            [generated["final"].name],
        )
    }
    seed_total = next(
        f.amount
        for f in budget.table_facts
        if f.table_kind == "income_expenditure_summary"
        and f.line_item == "expenditure_total"
        and f.column_key == "total"
    )
    final_total = cell(
        extraction, "final_income_expenditure_summary", "total", line_item="expenditure_current_total"
    )[0]
    total = execution["total_expenditure"]
    assert (total["budget_amount"], total["budget_source"], total["final_amount"]) == (
        seed_total,
        "loaded_budget",
        final_total,
    )
    assert total["execution_rate"] == (final_total / seed_total).quantize(
        D("0.000001"), rounding=ROUND_HALF_UP
    )
    # every stated rate of the generated 决算 is 100 × 决算 ÷ 预算
    for f in extraction.table_facts:
        if f.column_key == "completion_rate":
            row = [
                x for x in extraction.table_facts if x.table_id == f.table_id and x.row_index == f.row_index
            ]
            b = next(x.amount for x in row if x.column_key == "budget")
            t = next(x.amount for x in row if x.column_key == "total")
            assert f.amount == ((100 * t / b).quantize(D("0.01"), rounding=ROUND_HALF_UP) if b else 0)
    # the 决算 states its own 一般公共预算 budget, which is not the loaded 预算's total: flagged, the loaded one used
    flagged = {i["rule"] for i in issues(con, generated["final"].name)}
    assert flagged == {"final_budget_vs_loaded_budget"}
    assert total["budget_differs"] is True and total["stated_budget_amount"] != total["loaded_budget_amount"]
    three = execution["three_public_total"]
    assert three["execution_rate"] == D("0.800000")


@pytest.mark.parametrize(
    "name, rule",
    [
        ("m_balance.txt", "final_balance_identity"),
        ("m_rate_column.txt", "completion_rate_vs_columns"),
        ("m_rate_prose.txt", "completion_rate_stated"),
        ("m_basic_totals.txt", "final_basic_personnel_public_totals"),
    ],
)
def test_within_table_and_statement_rules_of_the_generated_final_accounts(warehouse, name, rule):
    con, generated = warehouse
    original = {i["rule"] for i in issues(con, generated["final"].name)}
    new = {i["rule"] for i in issues(con, name)} - original
    assert new == {rule}


def test_generated_two_year_series_year_on_year(warehouse):
    con, generated = warehouse
    series = {
        r["fiscal_year"]: r
        for r in rows(
            con,
            """
        select * from marts.unit_year_metrics where figure = 'total_expenditure' and document_kind = '部门预算'
    """,
        )
    }
    assert series[2023]["previous_value"] is None
    current, previous = series[2024], series[2023]
    assert current["previous_value"] == previous["value"]
    assert current["change"] == current["value"] - previous["value"]
    assert current["change_rate"] == (current["change"] / previous["value"]).quantize(
        D("0.000001"), rounding=ROUND_HALF_UP
    )
    # the generated 2024 预算 states the change; it agrees with the series
    sentence = generated["budget"].read_text(encoding="utf-8").strip().splitlines()[-1]
    assert sentence == (
        f"支出预算比上年增加{current['change'].quantize(D('0.01'))}万元，"
        f"增长{(100 * current['change_rate']).quantize(D('0.01'))}%。"
    )
    # 预算 and 决算 are never compared with each other
    kinds = rows(
        con,
        "select distinct document_kind, previous_document_id from marts.unit_year_metrics "
        "where document_kind = '部门决算' and previous_document_id is not null",
    )
    assert kinds == []


def test_generated_previous_year_is_consistent(warehouse):
    con, generated = warehouse
    raised = {i["rule"] for i in issues(con, generated["previous_budget"].name)}
    assert not raised & {
        "subject_children_sum",
        "table_total_vs_top_level",
        "total_eq_basic_plus_project",
        "summary_total_vs_classes",
        "figure_conflict",
    }


def test_generator_is_deterministic(tmp_path):
    a = generate(SEED, tmp_path / "a")
    b = generate(SEED, tmp_path / "b")
    for role in a:
        assert a[role].read_bytes() == b[role].read_bytes()
    shutil.rmtree(tmp_path / "b")
