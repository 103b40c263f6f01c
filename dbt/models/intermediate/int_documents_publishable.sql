{%- set current_version = 'true' if env_var('BUDGET_DOCUMENT_VERSIONS', 'on') == 'off'
    else 'coalesce(versions.is_current, true)' -%}
-- One row per document: whether its rows may appear in the marts.  A document with an issue of severity `error`
-- (no usable total expenditure, an implausible fiscal year, a negative total) is held back from
-- fct_expenditure_by_function, unit_metrics, figure_sources and dim_unit; it stays in raw and in quality_issues.
-- Only that document is held back, never the load.  A superseded revision or a duplicate (int_document_versions)
-- is held back too: only the current version of a unit_id × fiscal_year × document_kind is published — unless the
-- environment sets BUDGET_DOCUMENT_VERSIONS=off (a test warehouse of deliberate variants of one disclosure, each
-- judged as a document of its own: tests/conftest.py sets it for test_quality_rules and test_final_accounts).

with

documents as (
    select * from {{ ref('int_documents') }}
),

issues as (
    select * from {{ ref('int_quality_issues') }}
),

versions as (
    select * from {{ ref('int_document_versions') }}
),

errors as (
    select
        document_id,
        count(*) as error_count,
        string_agg(distinct rule, ', ' order by rule) as error_rules
    from issues
    where severity = 'error'
    group by document_id
),

final as (
    select
        documents.document_id,
        errors.document_id is null and {{ current_version }} as is_publishable,
        cast(coalesce(errors.error_count, 0) as integer) as error_count,
        errors.error_rules,
        {{ current_version }} as is_current_version,
        versions.version_status,
        versions.superseded_by,
        versions.duplicate_of
    from documents
    left join versions
        on versions.document_id = documents.document_id
    left join errors
        on errors.document_id = documents.document_id
)

select * from final
