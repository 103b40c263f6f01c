-- One row per document with its unit resolved against the unit registry, and its stable unit_id (the normalised
-- name qualified by the province: registry, else the listed place the name starts with, admin_divisions).
-- The unit name used downstream is the registry's spelling when the unit is registered, else the printed
-- name normalised (no whitespace, full-width parentheses).  Region: registry, else the leading place name of
-- the unit name (up to the first 市/州/盟/县/区/旗/省; “X州市” is kept whole).

with

documents as (
    select * from {{ ref('stg_documents') }}
),

places as (
    select
        divisions.code,
        divisions.name,
        divisions.short_name,
        divisions.level,
        provinces.name as province
    from {{ ref('admin_divisions') }} as divisions
    inner join {{ ref('admin_divisions') }} as provinces
        on provinces.code = divisions.province_code
),

-- the most specific listed place the unit's name starts with (XX市XX区 before XX市); a province also by its
-- short name (XX省委办公厅 → XX省)
placed as (
    select
        documents.document_id,
        places.code as place_code,
        places.province as place_province
    from documents
    inner join places
        on starts_with(documents.unit_key, places.name)
            or (places.level = '省级' and starts_with(documents.unit_key, places.short_name))
    qualify row_number() over (partition by documents.document_id order by length(places.name) desc) = 1
),

registry as (
    select
        unit_name,
        {{ unit_key('unit_name') }} as unit_key,
        region,
        province,
        admin_level,
        nullif(trim(department), '') as department
    from {{ ref('unit_registry') }}
),

resolved as (
    select
        documents.document_id,
        {{ unit_id('documents.unit_key', 'coalesce(registry.province, placed.place_province)') }} as unit_id,
        coalesce(registry.unit_name, documents.unit_key) as unit_name,
        documents.unit_name as printed_unit_name,
        coalesce(
            registry.region,
            nullif(regexp_extract(documents.unit_key, '^(.+?(州市|[市州盟县区旗省]))', 1), '')
        ) as region,
        coalesce(registry.province, placed.place_province) as province,
        placed.place_code as region_code,
        registry.admin_level,
        case
            when registry.unit_name is not null then 'registry'
            else 'derived from name'
        end as region_source,
        documents.fiscal_year,
        documents.document_kind,
        documents.scope,
        documents.title,
        documents.file_name,
        documents.file_count,
        documents.file_names,
        documents.first_seen_at,
        -- 主管部门 of a 单位预算: the registry's, else the one its cover prints; a department is its own
        case
            when documents.scope = '单位'
                then coalesce(registry.department, documents.department_name)
        end as department_name

    from documents
    left join registry
        on documents.unit_key = registry.unit_key
    left join placed
        on placed.document_id = documents.document_id
)

select * from resolved
