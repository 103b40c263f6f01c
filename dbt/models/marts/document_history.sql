-- 版本历史 — one row per loaded document (disclosure) of each unit_id × fiscal_year × document_kind, in the order
-- its content was first seen (int_document_versions): its version number, files, first_seen_at, the document that
-- superseded it, whether it is the current (published) one, and which key figures changed against the previous
-- version (changed_figures; the figures with their old and new values: marts.document_history_changes).
-- A duplicate (other bytes, same figures) has the number of the version it copies and status 'duplicate'.

with

versions as (
    select * from {{ ref('int_document_versions') }}
),

changes as (
    select
        document_id,
        count(*) as changed_figure_count,
        string_agg(figure, ', ' order by figure) as changed_figures
    from {{ ref('int_document_version_changes') }}
    group by document_id
),

final as (
    select
        versions.unit_id,
        versions.unit_name,
        versions.fiscal_year,
        versions.document_kind,
        versions.version_number,
        versions.version_count,
        versions.document_id,
        versions.file_names,
        strftime(versions.first_seen_at, '%Y-%m-%dT%H:%M:%S.%f') as first_seen_at,
        versions.version_status,
        versions.is_current,
        versions.superseded_by,
        versions.duplicate_of,
        versions.previous_document_id,
        cast(coalesce(changes.changed_figure_count, 0) as integer) as changed_figure_count,
        changes.changed_figures
    from versions
    left join changes
        on changes.document_id = versions.document_id
)

select * from final
