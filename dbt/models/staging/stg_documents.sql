with

source as (
    select * from {{ source('raw', 'documents') }}
),

renamed as (
    select
        -- ids
        cast(document_id as varchar) as document_id,

        -- unit and document
        trim(unit_name) as unit_name,
        {{ unit_key('unit_name') }} as unit_key,
        cast(fiscal_year as integer) as fiscal_year,
        document_kind,
        scope,
        title,

        -- file
        file_name,
        source_format,
        content_sha256,
        extractor_version,
        cast(loaded_at as timestamp) as loaded_at

    from source
)

select * from renamed
