"""The controlled vocabulary of the facts: table kinds, column roles, row line items, prose fact keys.

These strings are stored in the raw layer and used by the dbt models; change them only together.
"""

from enum import StrEnum


class TableKind(StrEnum):
    INCOME_EXPENDITURE_SUMMARY = "income_expenditure_summary"  # 收支总表 / 部门收支总体情况表 / 收支预算总表
    INCOME_SUMMARY = "income_summary"  # 收入总表 / 部门收入总体情况表
    EXPENDITURE_SUMMARY = "expenditure_summary"  # 支出总表 / 部门支出总体情况表
    FISCAL_GRANT_SUMMARY = "fiscal_grant_summary"  # 财政拨款收支总表
    GPB_EXPENDITURE = "gpb_expenditure"  # 一般公共预算支出表 (function classification)
    GPB_ECONOMIC_EXPENDITURE = "gpb_economic_expenditure"  # 一般公共预算支出经济分类情况表 (basic + project)
    GPB_BASIC_EXPENDITURE = "gpb_basic_expenditure"  # 一般公共预算基本支出表 (economic classification)
    GPB_PROJECT_EXPENDITURE = "gpb_project_expenditure"  # 一般公共预算项目支出表
    THREE_PUBLIC = "three_public"  # “三公”经费支出表
    FISCAL_GRANT_EXPENDITURE = "fiscal_grant_expenditure"  # 财政拨款支出(预算)表 (function classification)
    FISCAL_GRANT_BASIC_EXPENDITURE = "fiscal_grant_basic_expenditure"  # 财政拨款基本支出(预算)表 (economic)
    OPERATING_EXPENDITURE = "operating_expenditure"  # (一般公共预算)机关运行经费支出(预算)表
    PROCUREMENT = "procurement"  # 政府采购(支出)预算表
    GOV_FUND_EXPENDITURE = "gov_fund_expenditure"  # 政府性基金预算支出表
    STATE_CAPITAL_EXPENDITURE = "state_capital_expenditure"  # 国有资本经营预算支出表
    PROJECT_EXPENDITURE = "project_expenditure"  # 项目支出表
    PROJECT_PERFORMANCE = "project_performance"  # 项目支出绩效目标表 / 部门整体绩效目标表
    CARRYOVER = "carryover"  # 上年结转结余(情况明细)表
    STAFFING = "staffing"  # 单位构成 / 人员情况 (在职人数 …)
    UNCLASSIFIED = "unclassified"


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
    # A money fact followed by “占 88.33%” also yields '<fact_key>_share' (value in %, value_unit '%').
