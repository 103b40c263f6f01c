-- 预算执行 — one row per published 决算 (final accounts) × figure: the year's final amount beside the budget it
-- executes (int_budget_execution; docs/final_accounts.md).  budget_amount is the loaded 预算 of the same unit_id and
-- fiscal year where there is one, else the 决算's own 预算数 (budget_source says which); a 决算 whose stated 预算数
-- differs from the loaded 预算 has a final_budget_vs_loaded_budget issue in quality_issues.

with

execution as (
    select * from {{ ref('int_budget_execution') }}
),

publishable as (
    select * from {{ ref('int_documents_publishable') }}
),

final as (
    select
        execution.unit_id,
        execution.unit_name,
        execution.fiscal_year,
        execution.document_kind,
        execution.figure,
        execution.document_id,
        execution.budget_amount,
        execution.budget_source,
        execution.budget_document_id,
        execution.loaded_budget_amount,
        execution.stated_budget_amount,
        execution.final_amount,
        execution.execution_rate,
        execution.budget_differs
    from execution
    inner join publishable
        on publishable.document_id = execution.document_id
    where publishable.is_publishable
)

select * from final
