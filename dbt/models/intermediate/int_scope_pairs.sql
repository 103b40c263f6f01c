-- One row per document × pair of scopes (all | fiscal | gpb): may amounts of the two scopes be compared?
-- Yes when the scopes are the same, or when the totals of both are known and coincide within money_tolerance (no
-- other funds, no carry-over only on one side), or — fiscal vs gpb — when one of those totals is unknown (fiscal
-- and gpb differ only by 政府性基金 / 国有资本 money). A scope's total: 收支总表 支出总计, else 支出总表 合计
-- (all); 财政拨款收支总表 支出总计 (fiscal); 一般公共预算支出表 合计 (gpb); else the prose total of that scope.
-- Only tables that passed their own checks. Shared by the class checks (checks/chk_function_classes).

with

facts as (
    select facts.*
    from {{ ref('stg_table_facts') }} as facts
    inner join {{ ref('int_table_consistency') }} as consistency
        on consistency.document_id = facts.document_id
            and consistency.table_id = facts.table_id
    where consistency.is_consistent
        and facts.column_key = 'total'
),

scope_total_sources as (
    select
        document_id,
        'all' as scope,
        1 as source_rank,
        amount,
        source_line
    from facts
    where table_kind = 'income_expenditure_summary' and line_item = 'expenditure_total'
    union all
    select
        document_id,
        'all',
        2,
        amount,
        source_line
    from facts
    where table_kind = 'expenditure_summary' and line_item = 'table_total'
    union all
    select
        document_id,
        'fiscal',
        1,
        amount,
        source_line
    from facts
    where table_kind = 'fiscal_grant_summary' and line_item = 'expenditure_total'
    union all
    select
        document_id,
        'gpb',
        1,
        amount,
        source_line
    from facts
    where table_kind = 'gpb_expenditure' and line_item = 'table_total'
    union all
    select
        document_id,
        scope,
        3,
        value,
        source_line
    from {{ ref('stg_prose_facts') }}
    where fact_key = 'total_expenditure'
),

scope_totals as (
    select
        document_id,
        scope,
        arg_min(amount, source_rank * 1000000 + coalesce(source_line, 0)) as total
    from scope_total_sources
    group by document_id, scope
),

final as (
    select
        documents.document_id,
        a.scope as scope_a,
        b.scope as scope_b,
        a.scope = b.scope
        or (
            total_a.total is not null and total_b.total is not null
            and abs(total_a.total - total_b.total) <= {{ var('money_tolerance') }}
        )
        or (
            list_sort([a.scope, b.scope]) = ['fiscal', 'gpb']
            and (total_a.total is null or total_b.total is null)
        ) as is_comparable,
        total_a.total as total_a,
        total_b.total as total_b
    from (select distinct document_id from {{ ref('stg_documents') }}) as documents
    cross join (values ('all'), ('fiscal'), ('gpb')) as a (scope)
    cross join (values ('all'), ('fiscal'), ('gpb')) as b (scope)
    left join scope_totals as total_a
        on total_a.document_id = documents.document_id and total_a.scope = a.scope
    left join scope_totals as total_b
        on total_b.document_id = documents.document_id and total_b.scope = b.scope
)

select * from final
