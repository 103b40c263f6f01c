-- One row per document × function 类 × source that gives it: every consistent table of the four kinds that print
-- a function breakdown (a 类 it does not print is 0 there), and every distinct prose 类 statement of a scope.
-- Shared by the class checks (checks/chk_function_classes).
--   tables: 收支总表 (income_expenditure_summary, rank 1, scope all), 支出总表 (expenditure_summary, 2, all),
--           财政拨款收支总表 (fiscal_grant_summary, 3, fiscal), 一般公共预算支出表 (gpb_expenditure, 4, gpb). A table
--           gives a 类 as its printed 类 row (column total), or the sum of its top-level rows of that 类 (a 项-only
--           table); term_count = the rows summed.
--   prose:  source_kind 'prose', table_id -1, rank 10, one term; each distinct value in a scope once (its first
--           statement).

{{ config(**incremental_by_document()) }}

with

facts as (
    select * from {{ ref('stg_table_facts') }}
    where {{ stale_documents_only('document_id') }}
),

consistency as (
    select * from {{ ref('int_table_consistency') }}
    where {{ stale_documents_only('document_id') }}
),

prose as (
    select * from {{ ref('stg_prose_facts') }}
    where {{ stale_documents_only('document_id') }}
),

class_table_kinds as (
    select * from (
        values
        ('income_expenditure_summary', 1, 'all'),
        ('expenditure_summary', 2, 'all'),
        ('fiscal_grant_summary', 3, 'fiscal'),
        ('gpb_expenditure', 4, 'gpb')
    ) as kinds (table_kind, source_rank, scope)
),

subject_rows as (
    select
        facts.document_id,
        facts.table_id,
        facts.table_kind,
        facts.row_index,
        min(facts.subject_code) as subject_code,
        min(facts.parent_code) as parent_code,
        sum(facts.amount) filter (where facts.column_key = 'total') as total_amount,
        min(facts.source_line) as source_line,
        min(facts.source_location) as source_location
    from facts
    inner join consistency
        on consistency.document_id = facts.document_id
            and consistency.table_id = facts.table_id
    inner join class_table_kinds
        on class_table_kinds.table_kind = facts.table_kind
    where consistency.is_consistent
        and facts.subject_system = 'function'
        and length(facts.subject_code) in (3, 5, 7)
    group by facts.document_id, facts.table_id, facts.table_kind, facts.row_index
),

top_level_rows as (
    select subject_rows.*
    from subject_rows
    where not exists (
            select 1
            from subject_rows as parent
            where parent.document_id = subject_rows.document_id
                and parent.table_id = subject_rows.table_id
                and parent.subject_code = subject_rows.parent_code
        )
),

table_classes as (
    select
        document_id,
        table_id,
        table_kind,
        left(subject_code, 3) as class_code,
        sum(coalesce(total_amount, 0)) as amount,
        count(*) as term_count,
        arg_min(source_location, source_line) as source_location
    from top_level_rows
    group by document_id, table_id, table_kind, left(subject_code, 3)
),

table_sources as (
    select distinct
        table_classes.document_id,
        table_classes.table_id,
        table_classes.table_kind,
        class_table_kinds.source_rank,
        class_table_kinds.scope
    from table_classes
    inner join class_table_kinds
        on class_table_kinds.table_kind = table_classes.table_kind
),

-- every 类 any source of the document mentions, so a 类 a table does not print counts as 0 there
document_classes as (
    select
        document_id,
        class_code
    from table_classes
    union
    select
        document_id,
        subject_code as class_code
    from prose
    where fact_key = 'function_amount' and length(subject_code) = 3
),

table_class_grid as (
    select
        'table' as source_kind,
        table_sources.document_id,
        document_classes.class_code,
        table_sources.table_id,
        table_sources.table_kind,
        table_sources.source_rank,
        table_sources.scope,
        coalesce(table_classes.amount, 0) as amount,
        coalesce(table_classes.term_count, 1) as term_count,
        coalesce(table_classes.source_location, tables.source_location) as source_location,
        table_classes.class_code is not null as is_printed
    from table_sources
    inner join document_classes
        on document_classes.document_id = table_sources.document_id
    left join table_classes
        on table_classes.document_id = table_sources.document_id
            and table_classes.table_id = table_sources.table_id
            and table_classes.class_code = document_classes.class_code
    left join {{ ref('stg_tables') }} as tables
        on tables.document_id = table_sources.document_id
            and tables.table_id = table_sources.table_id
),

prose_classes as (
    select
        'prose' as source_kind,
        document_id,
        subject_code as class_code,
        -1 as table_id,
        'prose' as table_kind,
        10 as source_rank,
        scope,
        value as amount,
        1 as term_count,
        arg_min(source_location, coalesce(source_line, 0)) as source_location,
        true as is_printed
    from prose
    where fact_key = 'function_amount'
        and length(subject_code) = 3
    group by document_id, scope, subject_code, value
),

final as (
    select * from table_class_grid
    union all
    select * from prose_classes
)

select * from final
