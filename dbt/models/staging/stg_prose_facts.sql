with

source as (
    select * from {{ source('raw', 'prose_facts') }}
),

renamed as (
    select
        -- ids
        document_id,

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
        {{ source_location('source_line', 'source_page') }} as source_location

    from source
)

select * from renamed
