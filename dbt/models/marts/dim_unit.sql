-- One row per budget unit (预算单位) seen in the loaded documents.

with

documents as (
    select * from {{ ref('int_documents') }}
),

final as (
    select
        unit_name,
        min(region) as region,
        min(province) as province,
        min(admin_level) as admin_level,
        min(region_source) as region_source,
        cast(count(*) as integer) as document_count,
        min(fiscal_year) as first_fiscal_year,
        max(fiscal_year) as last_fiscal_year
    from documents
    group by unit_name
)

select * from final
