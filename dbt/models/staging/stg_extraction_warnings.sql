with

source as (
    select * from {{ source('raw', 'extraction_warnings') }}
),

files as (
    select * from {{ ref('stg_source_files') }}
),

renamed as (
    select
        files.document_id,
        files.source_document_id,
        source.kind as warning_kind,
        {{ file_location('source.location', 'files') }} as source_location,
        source.message

    from source
    inner join files
        on files.source_document_id = source.document_id
)

select * from renamed
