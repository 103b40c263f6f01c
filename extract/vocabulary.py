"""The controlled vocabulary of the facts: table kinds, column roles, row line items, prose fact keys.

These strings are stored in the raw layer and used by the dbt models; change them only together.  The table
kinds are catalogued in dbt/seeds/table_kinds.csv (extract.catalogue): the TableKind enum is built from its rows,
so the seed is the one place a kind is declared.
"""

from enum import StrEnum

from extract.catalogue import FINAL, table_kinds

# One member per row of the catalogue dbt/seeds/table_kinds.csv, in its order; the member's name is its value in
# capitals (TableKind.GPB_BASIC_EXPENDITURE == "gpb_basic_expenditure").  What a kind is (its Chinese and English
# names, title variants, shape …) is said by its row: a new kind is a new row, no line here.
TableKind = StrEnum(
    "TableKind", [(e.table_kind.upper(), e.table_kind) for e in table_kinds()], module=__name__
)


# The 预算 table each 决算 table answers (same shape, same checks): a 决算 kind is read as its counterpart.
# Both come from the catalogue dbt/seeds/table_kinds.csv (columns document_kind, budget_counterpart).
BUDGET_COUNTERPART: dict[TableKind, TableKind] = {
    TableKind(entry.table_kind): TableKind(entry.budget_counterpart)
    for entry in table_kinds()
    if entry.budget_counterpart != entry.table_kind
}
FINAL_KINDS = frozenset(
    TableKind(entry.table_kind) for entry in table_kinds() if entry.document_kind == FINAL
)


def base_kind(kind: TableKind) -> TableKind:
    """The 预算 kind whose shape a table has (a 决算 kind's counterpart; any other kind itself)."""
    return BUDGET_COUNTERPART.get(kind, kind)


class ColumnKey(StrEnum):
    TOTAL = "total"  # 合计 / 总计 / 预算数
    BASIC = "basic"  # 基本支出
    PROJECT = "project"  # 项目支出
    PERSONNEL = "personnel"  # 人员经费
    PUBLIC = "public"  # 公用经费
    RESERVE = "reserve"  # 单位预留机动经费
    BUSINESS = "business"  # 事业单位经营支出
    REMIT_UPWARD = "remit_upward"  # 上缴上级支出
    SUBSIDY_SUBORDINATE = "subsidy_subordinate"  # 对附属单位补助支出
    CURRENT_YEAR = "current_year"  # 当年预算 / 本年
    CARRYOVER = "carryover"  # 上年结转(结余)
    FISCAL = "fiscal"  # 财政拨款（补助）小计
    GPB = "gpb"  # 一般公共预算
    GOV_FUND = "gov_fund"  # 政府性基金预算
    STATE_CAPITAL = "state_capital"  # 国有资本经营预算
    SPECIAL_ACCOUNT = "special_account"  # 财政专户管理资金
    UNIT_FUNDS = "unit_funds"  # 单位资金 / 事业收入 …
    IN_SERVICE = "in_service"  # 在职人数 (staffing tables; unit 人)
    # 决算 tables: the 决算数 column is 'total' (the document's own figure, as 预算数 is in a 预算 table)
    BUDGET = "budget"  # 预算数 / 年初预算数 / 全年预算数 printed beside the 决算数 of a 决算 table
    COMPLETION_RATE = "completion_rate"  # 完成率 / 完成预算% (a percentage, value in %)
    OPENING_BALANCE = "opening_balance"  # 年初结转和结余
    CURRENT_INCOME = "current_income"  # 本年收入 (a column of a 决算 fund table)
    CURRENT_EXPENDITURE = "current_expenditure"  # 本年支出 / 小计 (a column of a 决算 fund table)
    CLOSING_BALANCE = "closing_balance"  # 年末结转和结余
    OTHER = "other"


class LineItem(StrEnum):
    TABLE_TOTAL = "table_total"  # 合计 / 总计 row of a subject table
    INCOME_TOTAL = "income_total"  # 收入总计 (收入合计 where no 总计 is printed)
    EXPENDITURE_TOTAL = "expenditure_total"  # 支出总计 (支出合计 where no 总计 is printed)
    INCOME_CURRENT_TOTAL = "income_current_total"  # 本年收入合计
    EXPENDITURE_CURRENT_TOTAL = "expenditure_current_total"  # 本年支出合计
    INCOME_GPB = "income_gpb"  # 一般公共预算拨款(收入)
    INCOME_CARRYOVER = "income_carryover"  # 上年结转(结余)
    EXPENDITURE_CARRYOVER_OUT = "expenditure_carryover_out"  # 结转下年
    THREE_PUBLIC_TOTAL = "three_public_total"  # “三公”经费合计
    THREE_PUBLIC_OUTBOUND = "three_public_outbound"  # 因公出国（境）费
    THREE_PUBLIC_RECEPTION = "three_public_reception"  # 公务接待费
    THREE_PUBLIC_VEHICLE = "three_public_vehicle"  # 公务用车购置及运行费
    THREE_PUBLIC_VEHICLE_PURCHASE = "three_public_vehicle_purchase"  # 公务用车购置费
    THREE_PUBLIC_VEHICLE_OPERATION = "three_public_vehicle_operation"  # 公务用车运行(维护)费
    OPERATING_EXPENDITURE = "operating_expenditure"  # 机关运行经费, a column or row of the “三公” table
    OPENING_BALANCE = "opening_balance"  # 年初(财政拨款)结转和结余 row of a 决算 summary
    CLOSING_BALANCE = "closing_balance"  # 年末(财政拨款)结转和结余 row of a 决算 summary
    PERSONNEL_TOTAL = "personnel_total"  # 人员经费合计 row of a 决算 基本支出表
    PUBLIC_TOTAL = "public_total"  # 公用经费合计 row of a 决算 基本支出表


class ProseKey(StrEnum):
    TOTAL_EXPENDITURE = "total_expenditure"  # 支出总预算 / 收支总预算
    TOTAL_INCOME = "total_income"
    BASIC_EXPENDITURE = "basic_expenditure"
    PROJECT_EXPENDITURE = "project_expenditure"
    PERSONNEL_EXPENDITURE = "personnel_expenditure"  # 人员经费
    PUBLIC_EXPENDITURE = "public_expenditure"  # 公用经费
    WAGE_WELFARE = "economic_301"  # 工资福利支出 (within basic spending)
    FAMILY_SUBSIDY = "economic_303"  # 对个人和家庭的补助
    OPERATING_EXPENDITURE = "operating_expenditure"  # 机关运行经费
    THREE_PUBLIC_TOTAL = "three_public_total"
    THREE_PUBLIC_OUTBOUND = "three_public_outbound"
    THREE_PUBLIC_RECEPTION = "three_public_reception"
    THREE_PUBLIC_VEHICLE = "three_public_vehicle"
    THREE_PUBLIC_VEHICLE_PURCHASE = "three_public_vehicle_purchase"
    THREE_PUBLIC_VEHICLE_OPERATION = "three_public_vehicle_operation"
    FUNCTION_AMOUNT = "function_amount"  # a function subject's amount; subject_code says which
    STAFF_AUTHORIZED = "staff_authorized"  # 编制数
    STAFF_ACTUAL = "staff_actual"  # 实有人数 / 共有人员
    STAFF_IN_SERVICE = "staff_in_service"  # 在职人员
    STAFF_RETIRED = "staff_retired"  # 退休 / 离退休人员
    STAFF_FUNDED = "staff_funded"  # 财政供给人员
    # 决算 (final accounts) prose, read only in a 决算 (a heading names 决算); docs/final_accounts.md
    GRAND_TOTAL = "grand_total"  # 收入支出总计 (scope fiscal: 财政拨款收入支出总计)
    INCOME_CURRENT_TOTAL = "income_current_total"  # 本年收入合计
    EXPENDITURE_CURRENT_TOTAL = "expenditure_current_total"  # 本年支出合计
    # 与上年度相比 增加 / 减少 X 万元, 增长 / 下降 Y% (持平: increase 0); subject_code: the fact_key of the figure the
    # change is stated for (the last one stated before it). Values are never negative: the direction is the key.
    YOY_INCREASE = "yoy_increase"
    YOY_DECREASE = "yoy_decrease"
    YOY_INCREASE_RATE = "yoy_increase_rate"
    YOY_DECREASE_RATE = "yoy_decrease_rate"
    EXECUTION_BUDGET = "execution_budget"  # 年初预算为 X (subject_code: the 项 code, else its printed 类/款/项 path; NULL = all)
    EXECUTION_BUDGET_ADJUSTED = "execution_budget_adjusted"  # 全年预算 / 调整预算为 X
    EXECUTION_FINAL = "execution_final"  # 支出决算为 Y
    EXECUTION_RATE = "execution_rate"  # 完成(年初)预算的 Z%
    # “决算数大于 / 小于 / 等于(持平) 预算数” (value 1; subject_code as for execution_budget, or a 三公 figure)
    EXECUTION_STATED_ABOVE = "execution_stated_above"
    EXECUTION_STATED_BELOW = "execution_stated_below"
    EXECUTION_STATED_EQUAL = "execution_stated_equal"
    THREE_PUBLIC_TOTAL_BUDGET = (
        "three_public_total_budget"  # “三公”经费 年初预算为 X (the 决算 is three_public_total)
    )
    THREE_PUBLIC_TOTAL_RATE = "three_public_total_rate"  # “三公”经费 完成预算的 Z%
    THREE_PUBLIC_OUTBOUND_RATE = "three_public_outbound_rate"
    THREE_PUBLIC_VEHICLE_RATE = "three_public_vehicle_rate"
    THREE_PUBLIC_RECEPTION_RATE = "three_public_reception_rate"
    PROCUREMENT_TOTAL = "procurement_total"  # 政府采购金额
    PROCUREMENT_GOODS = "procurement_goods"  # 货物采购金额
    PROCUREMENT_WORKS = "procurement_works"  # 工程采购金额
    PROCUREMENT_SERVICES = "procurement_services"  # 服务采购金额
    VEHICLES = "vehicles"  # 共有车辆 N 辆 (value_unit 辆)
    EQUIPMENT_OVER_MILLION = "equipment_over_million"  # 单价100万元以上设备 N 台（套）
    BUILDING_AREA = "building_area"  # 房屋 N 平方米, where printed
    STATED_YEAR = "stated_year"  # a year a 决算 names for itself (a part heading, 截至 YYYY 年 12 月 31 日); value_unit 年
    TEMPLATE_PLACEHOLDER = (
        "template_placeholder"  # a template's XX left in a heading or sentence (value 1, 处)
    )
    # A money fact followed by “占 88.33%” also yields '<fact_key>_share' (value in %, value_unit '%').
