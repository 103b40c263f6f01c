-- One row per 决算 (final accounts) document × figure: the year's final amount beside the budget it executes.
--
-- final_amount: the 决算's chosen figure (int_unit_figures; the 类 totals from int_function_amounts).
-- loaded_budget_amount: the same figure of a loaded 预算 of the same unit_id and fiscal_year (a 部门预算 for a
--   部门决算, a 单位预算 for a 单位决算 first; then the other scope; ties: the lowest document_id).
-- stated_budget_amount: the 预算数 the 决算 prints itself — the “三公” 决算表's 预算数 columns (a blank cell of a
--   table that prints its 预算数 row is 0), else the prose “年初预算为 X” (三公; and for total_expenditure the
--   一般公共预算财政拨款支出 statement when its 支出决算 is the total, i.e. all spending is general public budget;
--   全年预算 where the prose states one, the adjusted budget being the one executed).
-- budget_amount / budget_source: the loaded 预算 ('loaded_budget') when there is one, else the 决算's own
--   ('final_accounts_stated'); NULL when neither states the figure.
-- execution_rate: final_amount ÷ budget_amount as a DECIMAL ratio (1 = 100%), computed in integer arithmetic
--   (never through a float); NULL when the budget is missing or 0.
-- budget_differs: both budgets known and more than money_tolerance (0.01 万元) apart (budgets are adjusted during
--   the year); the check final_budget_vs_loaded_budget (checks/chk_final_tables) reports it, saying which one was used.

with

documents as (
    select * from {{ ref('int_documents') }}
),

unit_figures as (
    select * from {{ ref('int_unit_figures') }}
),

unit_figures_long as (
    {{ unit_figures_long('unit_figures') }}
),

function_amounts as (
    select * from {{ ref('int_function_amounts') }}
),

facts as (
    select * from {{ ref('stg_table_facts') }}
),

tables as (
    select * from {{ ref('stg_tables') }}
),

prose as (
    select * from {{ ref('stg_prose_facts') }}
),

-- ---------------------------------------------------------------- figures of every document, long
figure_long as (
    -- the executed figures (figures.executed); a figure the document does not state has no row
    select
        document_id,
        figure,
        value
    from unit_figures_long
    where is_executed
        and value is not null

    union all

    select
        document_id,
        'expenditure_' || subject_code as figure,
        sum(total_amount) as value
    from function_amounts
    where subject_level = '类'
    group by document_id, subject_code
),

final_documents as (
    select
        document_id,
        unit_id,
        unit_name,
        fiscal_year,
        document_kind,
        scope
    from documents
    where document_kind like '%决算'
),

current_versions as (
    select document_id from {{ ref('int_document_versions') }} where is_current
),

-- the loaded 预算 of the same unit and year: its current version (never a superseded or duplicate copy)
budget_documents as (
    select
        final_documents.document_id as final_document_id,
        budgets.document_id as budget_document_id
    from final_documents
    inner join documents as budgets
        on budgets.unit_id = final_documents.unit_id
            and budgets.fiscal_year = final_documents.fiscal_year
            and budgets.document_kind like '%预算'
    inner join current_versions
        on current_versions.document_id = budgets.document_id
    qualify row_number() over (
            partition by final_documents.document_id
            order by (budgets.scope = final_documents.scope) desc, budgets.document_id
        ) = 1
),

-- ---------------------------------------------------------------- the 决算's own 预算数
three_public_tables as (
    select
        tables.document_id,
        tables.table_id
    from tables
    inner join final_documents on final_documents.document_id = tables.document_id
    inner join {{ ref('table_kinds') }} as table_kinds
        on table_kinds.table_kind = tables.table_kind
    where table_kinds.shape = 'three_public'
        and table_kinds.document_kind = '决算'
        and exists (
            select 1 from facts
            where facts.document_id = tables.document_id
                and facts.table_id = tables.table_id
                and facts.column_key = 'budget'
        )
),

three_public_parts as (
    select * from (
        values
        ('three_public_total'), ('three_public_outbound'), ('three_public_reception'),
        ('three_public_vehicle_purchase'), ('three_public_vehicle_operation')
    ) as parts (figure)
),

stated_table as (
    select
        three_public_tables.document_id,
        three_public_parts.figure,
        coalesce(sum(facts.amount), 0) as value
    from three_public_tables
    cross join three_public_parts
    left join facts
        on facts.document_id = three_public_tables.document_id
            and facts.table_id = three_public_tables.table_id
            and facts.line_item = three_public_parts.figure
            and facts.column_key = 'budget'
    group by three_public_tables.document_id, three_public_parts.figure
),

gpb_statement as (
    select
        document_id,
        coalesce(
            max(value) filter (where fact_key = 'execution_budget_adjusted'),
            max(value) filter (where fact_key = 'execution_budget')
        ) as budget,
        max(value) filter (where fact_key = 'execution_final') as final
    from prose
    where subject_code is null
        and fact_key in ('execution_budget', 'execution_budget_adjusted', 'execution_final')
    group by document_id
),

stated_prose as (
    select
        document_id,
        'three_public_total' as figure,
        min(value) as value
    from prose
    where fact_key = 'three_public_total_budget'
    group by document_id

    union all

    select
        gpb_statement.document_id,
        'total_expenditure' as figure,
        gpb_statement.budget as value
    from gpb_statement
    inner join unit_figures
        on unit_figures.document_id = gpb_statement.document_id
    where gpb_statement.budget is not null
        and abs(gpb_statement.final - unit_figures.total_expenditure) <= {{ var('money_tolerance') }}
),

stated as (
    select
        document_id,
        figure,
        value
    from stated_table
    union all
    select
        stated_prose.document_id,
        stated_prose.figure,
        stated_prose.value
    from stated_prose
    where not exists (
            select 1 from stated_table
            where stated_table.document_id = stated_prose.document_id
                and stated_table.figure = stated_prose.figure
        )
),

-- ---------------------------------------------------------------- joined
rows_out as (
    select
        final_documents.document_id,
        final_documents.unit_id,
        final_documents.unit_name,
        final_documents.fiscal_year,
        final_documents.document_kind,
        finals.figure,
        finals.value as final_amount,
        budget_documents.budget_document_id,
        budget_figures.value as loaded_budget_amount,
        stated.value as stated_budget_amount
    from final_documents
    inner join figure_long as finals
        on finals.document_id = final_documents.document_id
    left join budget_documents
        on budget_documents.final_document_id = final_documents.document_id
    left join figure_long as budget_figures
        on budget_figures.document_id = budget_documents.budget_document_id
            and budget_figures.figure = finals.figure
    left join stated
        on stated.document_id = final_documents.document_id
            and stated.figure = finals.figure
    where finals.value is not null
),

chosen as (
    select
        *,
        coalesce(loaded_budget_amount, stated_budget_amount) as budget_amount,
        case
            when loaded_budget_amount is not null then 'loaded_budget'
            when stated_budget_amount is not null then 'final_accounts_stated'
        end as budget_source
    from rows_out
),

final as (
    select
        document_id,
        unit_id,
        unit_name,
        fiscal_year,
        document_kind,
        figure,
        {{ money('budget_amount') }} as budget_amount,
        budget_source,
        budget_document_id,
        {{ money('loaded_budget_amount') }} as loaded_budget_amount,
        {{ money('stated_budget_amount') }} as stated_budget_amount,
        {{ money('final_amount') }} as final_amount,
        case
            when budget_amount is null or budget_amount = 0 or final_amount is null then null
            else cast(
                    cast(
                        (cast(final_amount * 1000000 as hugeint) * 2000000 + cast(budget_amount * 1000000 as hugeint))
                        // (2 * cast(budget_amount * 1000000 as hugeint))
                        as decimal(18, 0)
                    ) * 0.000001 as decimal(12, 6)
                )
        end as execution_rate,
        coalesce(abs(loaded_budget_amount - stated_budget_amount) > {{ var('money_tolerance') }}, false) as budget_differs
    from chosen
)

select * from final
