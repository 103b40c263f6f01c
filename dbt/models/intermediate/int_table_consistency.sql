-- One row per table: consistent when none of the int_table_checks rules fires on it.
-- Figures and function amounts are never taken from an inconsistent table.
-- A table read by OCR is consistent only when it is verified (int_ocr_tables: passes its sums, and has one to pass).

with

tables as (
    select * from {{ ref('stg_tables') }}
),

checks as (
    select * from {{ ref('int_table_checks') }}
),

ocr_tables as (
    select * from {{ ref('int_ocr_tables') }}
),

firings as (
    select
        document_id,
        table_id,
        count(*) as firing_count,
        string_agg(distinct rule, ', ' order by rule) as fired_rules
    from checks
    group by document_id, table_id
),

final as (
    select
        tables.document_id,
        tables.table_id,
        tables.table_kind,
        tables.is_empty,
        tables.source_location,
        cast(coalesce(firings.firing_count, 0) as integer) as firing_count,
        firings.fired_rules,
        coalesce(firings.firing_count, 0) = 0 and coalesce(ocr_tables.is_verified, true) as is_consistent
    from tables
    left join firings
        on firings.document_id = tables.document_id
            and firings.table_id = tables.table_id
    left join ocr_tables
        on ocr_tables.document_id = tables.document_id
            and ocr_tables.table_id = tables.table_id
)

select * from final
