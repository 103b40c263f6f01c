-- One row per document (disclosure): its place among the versions of its unit_id × fiscal_year × document_kind.
-- The documents of one such key are ordered by first_seen_at (when their content was first loaded; ties: the lower
-- document_id first).  A document whose key figures (int_unit_figures: the figures with figures.versioned, NULL
-- included) equal those of the document just before it is a duplicate (a copy with other bytes: another encoding,
-- a BOM) of that version: not a version of its own, never published.  Every other document is a version:
-- version_number 1, 2, …; the latest version is current (published in the marts), each earlier one is
-- superseded_by the next version.  A duplicate carries its version's number and superseded_by.
-- A 部门预算 and a 单位预算 are different kinds, never versions of each other; the files of one disclosure
-- (stg_source_files) are one document here.

with

documents as (
    select * from {{ ref('int_documents') }}
),

unit_figures as (
    select * from {{ ref('int_unit_figures') }}
),

-- the versioned figures (figures.versioned) of every document, NULL included
figures_long as (
    select
        document_id,
        figure,
        value
    from ({{ unit_figures_long('unit_figures') }}) as unit_figures_long
    where is_versioned
),

signatures as (
    select
        document_id,
        md5(string_agg(figure || '=' || coalesce(cast(value as varchar), 'NULL'), ';' order by figure))
            as figure_signature
    from figures_long
    group by document_id
),

ordered as (
    select
        documents.document_id,
        documents.unit_id,
        documents.unit_name,
        documents.fiscal_year,
        documents.document_kind,
        documents.file_names,
        documents.first_seen_at,
        coalesce(signatures.figure_signature, 'none') as figure_signature,
        row_number() over keyed as arrival_number,
        lag(coalesce(signatures.figure_signature, 'none')) over keyed as previous_signature
    from documents
    left join signatures
        on signatures.document_id = documents.document_id
    window keyed as (
        partition by documents.unit_id, documents.fiscal_year, documents.document_kind
        order by documents.first_seen_at, documents.document_id
    )
),

flagged as (
    select
        *,
        coalesce(previous_signature = figure_signature, false) as is_duplicate
    from ordered
),

numbered as (
    select
        *,
        cast(sum(case when is_duplicate then 0 else 1 end) over (
            partition by unit_id, fiscal_year, document_kind
            order by arrival_number
            rows between unbounded preceding and current row
        ) as integer) as version_number
    from flagged
),

versions as (
    select
        unit_id,
        fiscal_year,
        document_kind,
        version_number,
        document_id as version_document_id,
        lag(document_id) over keyed as previous_document_id,
        lead(document_id) over keyed as superseded_by,
        count(*) over (partition by unit_id, fiscal_year, document_kind) as version_count
    from numbered
    where not is_duplicate
    window keyed as (partition by unit_id, fiscal_year, document_kind order by version_number)
),

final as (
    select
        numbered.document_id,
        numbered.unit_id,
        numbered.unit_name,
        numbered.fiscal_year,
        numbered.document_kind,
        numbered.file_names,
        numbered.first_seen_at,
        numbered.version_number,
        cast(versions.version_count as integer) as version_count,
        numbered.is_duplicate,
        case when numbered.is_duplicate then versions.version_document_id end as duplicate_of,
        versions.previous_document_id,
        versions.superseded_by,
        not numbered.is_duplicate and versions.superseded_by is null as is_current,
        case
            when numbered.is_duplicate then 'duplicate'
            when versions.superseded_by is null then 'current'
            else 'superseded'
        end as version_status,
        numbered.figure_signature
    from numbered
    inner join versions
        on versions.unit_id is not distinct from numbered.unit_id
            and versions.fiscal_year is not distinct from numbered.fiscal_year
            and versions.document_kind is not distinct from numbered.document_kind
            and versions.version_number = numbered.version_number
)

select * from final
