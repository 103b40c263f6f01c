-- Function-classification (支出功能分类) amounts per document, from ONE primary source per document:
--   1. the expenditure_summary table (支出总表) if it passed every check and has function subject rows;
--   2. else the gpb_expenditure table (一般公共预算支出表), same conditions;
--   3. else the income_summary table (收入总表) rows with subject codes (column total), same conditions;
--   4. else the prose facts with fact_key = 'function_amount'.
-- The ranks are table_kinds.function_source_rank (a 决算 kind ranks as its 预算 counterpart).
-- The first qualifying table (lowest table_id) of the chosen kind is used.  Rows at 类/款/项 carry total,
-- basic and project amounts; a 款 without a row is derived from its 项 rows (first 5 digits) and a 类 without
-- a row from its 款 rows, printed or derived (first 3 digits); derived rows say 'derived from N rows'.

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

-- the kinds whose function rows can be the document's source, with their rank (a 决算's 支出决算表 /
-- 一般公共预算财政拨款支出决算表 / 收入决算表 rank as their 预算 counterparts)
source_kinds as (
    select
        table_kind,
        function_source_rank
    from {{ ref('table_kinds') }}
    where function_source_rank is not null
),

-- ---------------------------------------------------------------- candidate sources
table_subject_rows as (
    select
        facts.document_id,
        facts.table_id,
        facts.table_kind,
        source_kinds.function_source_rank as source_rank,
        facts.row_index,
        facts.subject_code,
        min(facts.row_label) as printed_name,
        min(facts.source_line) as source_line,
        min(facts.source_page) as source_page,
        min(facts.source_location) as source_location,
        max(facts.amount) filter (where facts.column_key = 'total') as total_amount,
        max(facts.amount) filter (where facts.column_key = 'basic') as basic_amount,
        max(facts.amount) filter (where facts.column_key = 'project') as project_amount
    from facts
    inner join consistency
        on consistency.document_id = facts.document_id
            and consistency.table_id = facts.table_id
    inner join source_kinds
        on source_kinds.table_kind = facts.table_kind
    where consistency.is_consistent
        and facts.subject_system = 'function'
        and facts.subject_code is not null
        and length(facts.subject_code) in (3, 5, 7)
    group by all
),

table_sources as (
    select
        document_id,
        table_id,
        table_kind,
        source_rank
    from table_subject_rows
    where total_amount is not null
    group by document_id, table_id, table_kind, source_rank
),

prose_sources as (
    select
        document_id,
        cast(null as integer) as table_id,
        cast(null as varchar) as table_kind,
        4 as source_rank
    from prose
    where fact_key = 'function_amount'
        and subject_code is not null
        and length(subject_code) in (3, 5, 7)
    group by document_id
),

primary_source as (
    select *
    from (
        select
            *,
            row_number() over (partition by document_id order by source_rank, table_id) as pick
        from (
            select * from table_sources
            union all
            select * from prose_sources
        )
    )
    where pick = 1
),

-- ---------------------------------------------------------------- printed rows of the primary source
table_rows as (
    select
        table_subject_rows.document_id,
        'table' as source_kind,
        table_subject_rows.table_kind as source_table_kind,
        table_subject_rows.table_id,
        table_subject_rows.subject_code,
        table_subject_rows.printed_name,
        table_subject_rows.total_amount,
        table_subject_rows.basic_amount,
        table_subject_rows.project_amount,
        table_subject_rows.source_location,
        -- a code printed twice in one table counts once (its first row)
        row_number() over (
            partition by table_subject_rows.document_id, table_subject_rows.subject_code
            order by table_subject_rows.row_index
        ) as occurrence
    from table_subject_rows
    inner join primary_source
        on primary_source.document_id = table_subject_rows.document_id
            and primary_source.table_id = table_subject_rows.table_id
    where primary_source.source_rank in (1, 2, 3)
),

prose_rows as (
    select
        prose.document_id,
        'prose' as source_kind,
        cast(null as varchar) as source_table_kind,
        cast(null as integer) as table_id,
        prose.subject_code,
        cast(null as varchar) as printed_name,
        prose.value as total_amount,
        cast(null as decimal(20, 6)) as basic_amount,
        cast(null as decimal(20, 6)) as project_amount,
        prose.source_location,
        -- a subject stated several times counts once (its first statement)
        row_number() over (
            partition by prose.document_id, prose.subject_code
            order by prose.source_page nulls first, prose.source_line nulls first
        ) as occurrence
    from prose
    inner join primary_source
        on primary_source.document_id = prose.document_id
    where primary_source.source_rank = 4
        and prose.fact_key = 'function_amount'
        and prose.subject_code is not null
        and length(prose.subject_code) in (3, 5, 7)
),

printed as (
    select
        document_id,
        source_kind,
        source_table_kind,
        table_id,
        subject_code,
        {{ level_from_code('subject_code') }} as subject_level,
        printed_name,
        total_amount,
        basic_amount,
        project_amount,
        false as is_derived,
        source_location
    from (
        select * from table_rows
        union all
        select * from prose_rows
    )
    where occurrence = 1
        and (total_amount is not null or basic_amount is not null or project_amount is not null)
),

-- ---------------------------------------------------------------- derived parents
source_of_document as (
    select distinct
        document_id,
        source_kind,
        source_table_kind,
        table_id
    from printed
),

derived_kuan as (
    select
        xiang.document_id,
        left(xiang.subject_code, 5) as subject_code,
        sum(xiang.total_amount) as total_amount,
        sum(xiang.basic_amount) as basic_amount,
        sum(xiang.project_amount) as project_amount,
        count(*) as row_count
    from printed as xiang
    where xiang.subject_level = '项'
        and not exists (
            select 1 from printed as kuan
            where kuan.document_id = xiang.document_id
                and kuan.subject_code = left(xiang.subject_code, 5)
        )
    group by xiang.document_id, left(xiang.subject_code, 5)
),

all_kuan as (
    select
        document_id,
        subject_code,
        total_amount,
        basic_amount,
        project_amount
    from printed
    where subject_level = '款'
    union all
    select
        document_id,
        subject_code,
        total_amount,
        basic_amount,
        project_amount
    from derived_kuan
),

derived_lei as (
    select
        kuan.document_id,
        left(kuan.subject_code, 3) as subject_code,
        sum(kuan.total_amount) as total_amount,
        sum(kuan.basic_amount) as basic_amount,
        sum(kuan.project_amount) as project_amount,
        count(*) as row_count
    from all_kuan as kuan
    where not exists (
            select 1 from printed as lei
            where lei.document_id = kuan.document_id
                and lei.subject_code = left(kuan.subject_code, 3)
        )
    group by kuan.document_id, left(kuan.subject_code, 3)
),

derived as (
    select
        derived_rows.document_id,
        source_of_document.source_kind,
        source_of_document.source_table_kind,
        source_of_document.table_id,
        derived_rows.subject_code,
        {{ level_from_code('derived_rows.subject_code') }} as subject_level,
        cast(null as varchar) as printed_name,
        derived_rows.total_amount,
        derived_rows.basic_amount,
        derived_rows.project_amount,
        true as is_derived,
        'derived from ' || derived_rows.row_count || ' rows' as source_location
    from (
        select * from derived_kuan
        union all
        select * from derived_lei
    ) as derived_rows
    inner join source_of_document
        on source_of_document.document_id = derived_rows.document_id
),

final as (
    select
        document_id,
        source_kind,
        source_table_kind,
        table_id,
        subject_code,
        subject_level,
        printed_name,
        {{ money('total_amount') }} as total_amount,
        {{ money('basic_amount') }} as basic_amount,
        {{ money('project_amount') }} as project_amount,
        is_derived,
        source_location
    from (
        select * from printed
        union all
        select * from derived
    )
)

select * from final
