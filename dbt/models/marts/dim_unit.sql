-- One row per budget unit (预算单位), keyed by unit_id (the same across years and files), seen in the published
-- documents (a document held back by an error issue does
-- not count: its year or unit may be the very thing that is wrong).

with

documents as (
    select * from {{ ref('int_documents') }}
    where document_id in (
            select document_id from {{ ref('int_documents_publishable') }} where is_publishable
        )
),

final as (
    select
        unit_id,
        arg_max(unit_name, fiscal_year) as unit_name,
        min(region) as region,
        min(region_code) as region_code,
        min(province) as province,
        min(admin_level) as admin_level,
        min(region_source) as region_source,
        cast(count(*) as integer) as document_count,
        min(fiscal_year) as first_fiscal_year,
        max(fiscal_year) as last_fiscal_year
    from documents
    group by unit_id
)

select * from final
