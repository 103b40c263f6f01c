-- One row per document × key figure that has a value: the value used and where it was read, so a dashboard
-- can link each figure to its page/line (source_file / source_page / source_line: provenance.sql).  Documents
-- with an error issue are held back (int_documents_publishable).

with

figures as (
    select * from {{ ref('int_figures_reconciled') }}
),

publishable as (
    select document_id from {{ ref('int_documents_publishable') }} where is_publishable
),

documents as (
    select
        document_id,
        unit_id,
        unit_name,
        fiscal_year,
        document_kind,
        file_name
    from {{ ref('int_documents') }}
),

final as (
    select
        figures.document_id || ':' || figures.figure as figure_source_id,
        figures.document_id,
        documents.unit_id,
        documents.unit_name,
        documents.fiscal_year,
        documents.document_kind,
        figure,
        value_kind,
        {{ money('value') }} as value,
        source_kind,
        table_kind,
        column_key,
        line_item,
        prose_fact_key,
        prose_scope,
        source_location,
        source_description,
        derivation,
        precedence,
        candidate_count,
        has_conflict,
        {{ location_file('source_location', 'documents.file_name') }} as source_file,
        {{ location_page('source_location') }} as source_page,
        {{ location_line('source_location') }} as source_line
    from figures
    inner join documents
        on documents.document_id = figures.document_id
    where figures.value is not null
        and figures.document_id in (select document_id from publishable)
)

select * from final
