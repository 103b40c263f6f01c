-- Every quality issue found while reconciling the raw facts, with how it was resolved.

with

issues as (
    select * from {{ ref('int_quality_issues') }}
),

final as (
    select
        issue_id,
        document_id,
        rule,
        table_id,
        table_kind,
        figure,
        location,
        column_key,
        {{ money('expected') }} as expected,
        {{ money('found') }} as found,
        {{ money('difference') }} as difference,
        severity,
        detail,
        resolution
    from issues
)

select * from final
