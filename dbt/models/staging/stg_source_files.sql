-- One row per loaded file, with the disclosure it belongs to.
-- A disclosure is one unit's budget (or final accounts) for one year: usually one file, but some bureaus publish
-- it as two (a prose file and a tables file).  A file without tables joins the file with tables of the same unit
-- (unit_key), fiscal year and kind; its id is the document_id of that primary file, so a one-file disclosure
-- keeps its file's id.  Tables of the other files are renumbered after
-- the primary's (table_id_offset = 1000 × the file's rank), so (document_id, table_id) stays a key.

with

documents as (
    select * from {{ source('raw', 'documents') }}
),

tables_per_file as (
    select
        document_id,
        count(*) as table_count
    from {{ source('raw', 'tables') }}
    group by document_id
),

keyed as (
    select
        cast(documents.document_id as varchar) as source_document_id,
        {{ unit_key('documents.unit_name') }} as unit_key,
        cast(documents.fiscal_year as integer) as fiscal_year,
        documents.document_kind,
        documents.file_name,
        documents.source_format,
        documents.unit_name_source,
        coalesce(tables_per_file.table_count, 0) as table_count
    from documents
    left join tables_per_file
        on tables_per_file.document_id = documents.document_id
),

-- a file without tables (the prose half) joins the file with tables of the same unit, year and kind — the one
-- with the most tables, then the smallest id; a file with tables is a disclosure of its own (two files that
-- both print tables are two publications, e.g. a corrected re-issue, and are never merged)
table_files as (
    select
        unit_key,
        fiscal_year,
        document_kind,
        source_document_id as primary_id
    from keyed
    where table_count > 0
    qualify row_number() over (
            partition by unit_key, fiscal_year, document_kind order by table_count desc, source_document_id
        ) = 1
),

assigned as (
    select
        keyed.*,
        case
            when keyed.table_count > 0 then keyed.source_document_id
            else coalesce(table_files.primary_id, keyed.source_document_id)
        end as document_id
    from keyed
    left join table_files
        on table_files.unit_key = keyed.unit_key
            and table_files.fiscal_year = keyed.fiscal_year
            and table_files.document_kind = keyed.document_kind
),

final as (
    select
        source_document_id,
        document_id,
        row_number() over (partition by document_id order by table_count desc, source_document_id) as file_rank,
        (row_number() over (partition by document_id order by table_count desc, source_document_id) - 1) * 1000
            as table_id_offset,
        count(*) over (partition by document_id) as disclosure_file_count,
        file_name,
        source_format,
        unit_name_source,
        table_count
    from assigned
)

select * from final
