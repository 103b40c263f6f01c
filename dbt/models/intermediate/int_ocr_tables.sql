-- One row per table read by OCR (any of its pages had no text layer; docs/ocr.md): verified when it passes its own
-- sums (no int_table_checks rule fires on it) and at least one of those sums could be checked on it.  An
-- unverified OCR table is inconsistent (int_table_consistency): its facts never reach the marts, and it is an
-- ocr_table_unverified issue (int_quality_issues).
--
-- has_checkable_sum: the table prints something int_table_checks can add up — a subject row with rows under it,
-- a total line (合计 / 支出总计 / 收入总计 / “三公” 合计) beside other rows, or a row with a 合计 column and a part
-- column (基本支出, 项目支出, 人员经费, 公用经费).  An empty OCR table (no amounts) has nothing to misread and is
-- verified.

with

tables as (
    select * from {{ ref('stg_tables') }}
    where source_method = 'ocr'
),

facts as (
    select * from {{ ref('stg_table_facts') }}
    where source_method = 'ocr'
),

checks as (
    select * from {{ ref('int_table_checks') }}
),

firings as (
    select
        document_id,
        table_id,
        count(*) as firing_count
    from checks
    group by document_id, table_id
),

rows_ as (
    select
        document_id,
        table_id,
        row_index,
        min(subject_code) as subject_code,
        min(parent_code) as parent_code,
        min(line_item) as line_item,
        bool_or(column_key = 'total') as has_total,
        bool_or(column_key in ('basic', 'project', 'personnel', 'public')) as has_part
    from facts
    group by document_id, table_id, row_index
),

parents as (
    select distinct
        parent.document_id,
        parent.table_id
    from rows_ as parent
    inner join rows_ as child
        on child.document_id = parent.document_id
            and child.table_id = parent.table_id
            and child.parent_code = parent.subject_code
            and child.row_index <> parent.row_index
),

checkable as (
    select
        rows_.document_id,
        rows_.table_id,
        count(*) as fact_rows,
        bool_or(rows_.has_total and rows_.has_part) as has_row_identity,
        bool_or(rows_.line_item in ('table_total', 'expenditure_total', 'income_total', 'three_public_total'))
        and count(*) > 1 as has_total_line,
        bool_or(parents.table_id is not null) as has_children
    from rows_
    left join parents
        on parents.document_id = rows_.document_id
            and parents.table_id = rows_.table_id
    group by rows_.document_id, rows_.table_id
),

final as (
    select
        tables.document_id,
        tables.table_id,
        tables.table_kind,
        tables.is_empty,
        tables.source_location,
        cast(coalesce(firings.firing_count, 0) as integer) as firing_count,
        coalesce(checkable.has_row_identity or checkable.has_total_line or checkable.has_children, false)
            as has_checkable_sum,
        coalesce(checkable.fact_rows, 0) = 0
        or (
            coalesce(firings.firing_count, 0) = 0
            and coalesce(checkable.has_row_identity or checkable.has_total_line or checkable.has_children, false))
            as is_verified
    from tables
    left join firings
        on firings.document_id = tables.document_id
            and firings.table_id = tables.table_id
    left join checkable
        on checkable.document_id = tables.document_id
            and checkable.table_id = tables.table_id
)

select * from final
