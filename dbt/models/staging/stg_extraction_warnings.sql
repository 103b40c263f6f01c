with

source as (
    select * from {{ source('raw', 'extraction_warnings') }}
),

renamed as (
    select
        document_id,
        kind as warning_kind,
        location as source_location,
        message

    from source
)

select * from renamed
