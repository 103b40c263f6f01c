-- The quality issues of revisions and duplicates (int_document_versions):
--   * superseded_revision (info): a version replaced by a newer one of the same unit_id, fiscal year and kind —
--     which document replaced it and which key figures changed (int_document_version_changes);
--   * duplicate_disclosure (info): a document with other bytes but the figures of the version before it (another
--     encoding, a BOM): not counted, the version it copies stands for both.
-- None with BUDGET_DOCUMENT_VERSIONS=off (int_documents_publishable).

with

versions as (
    select * from {{ ref('int_document_versions') }}
),

changes as (
    select
        previous_document_id as document_id,
        count(*) as changed_count,
        string_agg(
            figure || ' ' || coalesce({{ fmt_amount('previous_value') }}, '—') || ' → '
            || coalesce({{ fmt_amount('value') }}, '—'),
            '; ' order by figure
        ) as changed
    from {{ ref('int_document_version_changes') }}
    group by previous_document_id
),

superseded_firings as (
    select
        'superseded_revision' as rule,
        versions.document_id,
        versions.file_names as location,
        'version ' || versions.version_number || ' of ' || versions.version_count || ' of ' || versions.unit_name
        || ' ' || versions.fiscal_year || ' ' || versions.document_kind || ': superseded by '
        || versions.superseded_by || ' (' || newer.file_names || ', first seen '
        || strftime(newer.first_seen_at, '%Y-%m-%d %H:%M:%S') || '); changed: '
        || coalesce(changes.changed, 'none') as detail,
        'superseded: held back from the marts; ' || versions.superseded_by
        || ' is published; both versions in marts.document_history' as resolution
    from versions
    inner join versions as newer
        on newer.document_id = versions.superseded_by
    left join changes
        on changes.document_id = versions.document_id
    where versions.version_status = 'superseded'
),

duplicate_firings as (
    select
        'duplicate_disclosure' as rule,
        versions.document_id,
        versions.file_names as location,
        versions.unit_name || ' ' || versions.fiscal_year || ' ' || versions.document_kind
        || ': other bytes, same key figures as ' || versions.duplicate_of || ' (' || original.file_names
        || ')' as detail,
        'duplicate: not counted; ' || versions.duplicate_of || ' stands for both' as resolution
    from versions
    inner join versions as original
        on original.document_id = versions.duplicate_of
    where versions.version_status = 'duplicate'
),

superseded as (
    select {{ issue_row('rule', 'document_id', 'location', 'detail', 'resolution') }}
    from superseded_firings
),

duplicates as (
    select {{ issue_row('rule', 'document_id', 'location', 'detail', 'resolution') }}
    from duplicate_firings
)

select * from superseded
{%- if env_var('BUDGET_DOCUMENT_VERSIONS', 'on') == 'off' %} where false {%- endif %}
union all
select * from duplicates
{%- if env_var('BUDGET_DOCUMENT_VERSIONS', 'on') == 'off' %} where false {%- endif %}
