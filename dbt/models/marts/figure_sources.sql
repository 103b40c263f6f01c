-- One row per document × key figure that has a value: the value used and where it was read, so a dashboard
-- can link each figure to its page/line.  Documents with an error issue are held back (int_documents_publishable).

with

figures as (
    select * from {{ ref('int_figures_reconciled') }}
),

publishable as (
    select document_id from {{ ref('int_documents_publishable') }} where is_publishable
),

final as (
    select
        document_id || ':' || figure as figure_source_id,
        document_id,
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
        has_conflict
    from figures
    where value is not null
        and document_id in (select document_id from publishable)
)

select * from final
