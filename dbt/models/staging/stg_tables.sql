with

source as (
    select * from {{ source('raw', 'tables') }}
),

renamed as (
    select
        -- ids
        document_id,
        cast(table_id as integer) as table_id,

        -- classification
        table_kind,
        title,
        subject_system,
        code_layout,
        unit_label,
        cast(is_empty as boolean) as is_empty,
        empty_note,
        cast(row_count as integer) as row_count,

        -- provenance
        cast(start_line as integer) as start_line,
        cast(end_line as integer) as end_line,
        cast(start_page as integer) as start_page,
        cast(end_page as integer) as end_page,
        {{ source_location('start_line', 'start_page') }} as source_location

    from source
)

select * from renamed
