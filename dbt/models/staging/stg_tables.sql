with

source as (
    select * from {{ source('raw', 'tables') }}
),

files as (
    select * from {{ ref('stg_source_files') }}
),

renamed as (
    select
        -- ids
        files.document_id,
        files.source_document_id,
        cast(source.table_id as integer) + files.table_id_offset as table_id,

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
        {{ file_location(source_location('start_line', 'start_page'), 'files') }} as source_location,
        coalesce(source_method, 'text') as source_method  -- text | pdf | ocr

    from source
    inner join files
        on files.source_document_id = source.document_id
)

select * from renamed
