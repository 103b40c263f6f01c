with

source as (
    select * from {{ source('raw', 'quarantine') }}
),

renamed as (
    select
        document_id,
        file_name,
        reason,
        detail,
        cast(quarantined_at as timestamp) as quarantined_at

    from source
)

select * from renamed
