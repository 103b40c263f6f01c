with

source as (
    select * from {{ source('raw', 'prose_facts') }}
),

files as (
    select * from {{ ref('stg_source_files') }}
),

renamed as (
    select
        -- ids
        files.document_id,
        files.source_document_id,

        -- what the figure is
        fact_key,
        nullif(trim(subject_code), '') as subject_code,
        subject_level,
        scope,

        -- value (万元, or 人 for head counts)
        {{ money('value') }} as value,
        value_unit,

        -- provenance
        section,
        sentence,
        cast(source_line as integer) as source_line,
        cast(source_page as integer) as source_page,
        {{ file_location(source_location('source_line', 'source_page'), 'files') }} as source_location,
        coalesce(source_method, 'text') as source_method  -- text | pdf | ocr: 'ocr' prose is never a figure candidate

    from source
    inner join files
        on files.source_document_id = source.document_id
)

select * from renamed
