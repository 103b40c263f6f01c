with

source as (
    select * from {{ source('raw', 'table_facts') }}
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
        cast(row_index as integer) as row_index,

        -- row
        table_kind,
        row_label,
        subject_system,
        nullif(trim(subject_code), '') as subject_code,
        subject_level,
        nullif(trim(parent_code), '') as parent_code,
        code_origin,
        line_item,

        -- column and amount (万元)
        column_key,
        column_label,
        {{ money('amount') }} as amount,
        unit_label,

        -- provenance
        cast(source_line as integer) as source_line,
        cast(source_page as integer) as source_page,
        {{ file_location(source_location('source_line', 'source_page'), 'files') }} as source_location,
        raw_text,
        -- text | pdf | ocr: an 'ocr' fact reaches the marts only from a verified table
        coalesce(source_method, 'text') as source_method

    from source
    inner join files
        on files.source_document_id = source.document_id
)

select * from renamed
