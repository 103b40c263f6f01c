-- A share of total_expenditure outside [0, 1] is never published unflagged: the document must carry a
-- share_above_100 (or negative_amount) issue.  (Such a document is published with a warning, not held back.)
select
    unit_metrics.document_id,
    three_public_share,
    share_208,
    share_210,
    share_221
from {{ ref('unit_metrics') }} as unit_metrics
where (
    three_public_share not between 0 and 1
    or share_208 not between 0 and 1
    or share_210 not between 0 and 1
    or share_221 not between 0 and 1
)
and not exists (
    select 1
    from {{ ref('quality_issues') }} as issues
    where issues.document_id = unit_metrics.document_id
        and issues.rule in ('share_above_100', 'negative_amount')
)
