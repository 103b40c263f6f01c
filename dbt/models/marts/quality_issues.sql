-- Every quality issue found while checking a document's facts: the rule and its severity, where it fired, what
-- was expected and found, and how it was resolved.  Documents held back from the other marts (an error issue)
-- are listed here too, with document_published = false.

with

issues as (
    select * from {{ ref('int_quality_issues') }}
),

publishable as (
    select * from {{ ref('int_documents_publishable') }}
),

documents as (
    select
        document_id,
        unit_id,
        document_kind,
        file_name
    from {{ ref('int_documents') }}
),

final as (
    select
        issues.issue_id,
        issues.document_id,
        issues.rule,
        issues.table_id,
        issues.table_kind,
        issues.figure,
        issues.location,
        issues.column_key,
        {{ money('issues.expected') }} as expected,
        {{ money('issues.found') }} as found,
        {{ money('issues.difference') }} as difference,
        issues.severity,
        issues.detail,
        issues.resolution,
        issues.category,
        issues.row_key,
        {{ money('issues.tolerance') }} as tolerance,
        issues.value_unit,
        issues.unit_name,
        issues.fiscal_year,
        coalesce(publishable.is_publishable, false) as document_published,
        documents.unit_id,
        documents.document_kind,
        {{ location_file('issues.location', 'documents.file_name') }} as source_file,
        {{ location_page('issues.location') }} as source_page,
        {{ location_line('issues.location') }} as source_line
    from issues
    left join publishable
        on publishable.document_id = issues.document_id
    left join documents
        on documents.document_id = issues.document_id
)

select * from final
