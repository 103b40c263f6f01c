-- One row per disclosure (a unit's budget for a year), typed and renamed from raw.documents.
-- A disclosure published as several files (stg_source_files) is one row: the primary file's name, title and
-- hash, with the number and names of all its files.  first_seen_at: when the disclosure's first file was first
-- loaded (raw.documents.first_seen_at, kept across reloads of the same content); revisions are ordered by it.

with

source as (
    select * from {{ source('raw', 'documents') }}
),

files as (
    select * from {{ ref('stg_source_files') }}
),

renamed as (
    select
        files.document_id,
        files.source_document_id,
        files.file_rank,

        trim(source.unit_name) as unit_name,
        {{ unit_key('source.unit_name') }} as unit_key,
        cast(source.fiscal_year as integer) as fiscal_year,
        source.document_kind,
        source.scope,
        source.title,
        nullif(trim(source.department_name), '') as department_name,

        source.file_name,
        source.source_format,
        source.content_sha256,
        source.extractor_version,
        cast(source.loaded_at as timestamp) as loaded_at,
        cast(coalesce(source.first_seen_at, source.loaded_at) as timestamp) as first_seen_at

    from source
    inner join files
        on files.source_document_id = cast(source.document_id as varchar)
),

final as (
    select
        document_id,
        arg_min(unit_name, file_rank) as unit_name,
        arg_min(unit_key, file_rank) as unit_key,
        arg_min(fiscal_year, file_rank) as fiscal_year,
        arg_min(document_kind, file_rank) as document_kind,
        arg_min(scope, file_rank) as scope,
        arg_min(title, file_rank) as title,
        max(department_name) as department_name,
        arg_min(file_name, file_rank) as file_name,
        arg_min(source_format, file_rank) as source_format,
        arg_min(content_sha256, file_rank) as content_sha256,
        arg_min(extractor_version, file_rank) as extractor_version,
        max(loaded_at) as loaded_at,
        min(first_seen_at) as first_seen_at,
        count(*) as file_count,
        string_agg(file_name, ' + ' order by file_rank) as file_names
    from renamed
    group by document_id
)

select * from final
