-- Every issue carries the severity and category its rule has in the quality_rules catalogue.
select
    issues.issue_id,
    issues.rule,
    issues.severity,
    rules.severity as catalogue_severity
from {{ ref('quality_issues') }} as issues
inner join {{ ref('quality_rules') }} as rules
    on rules.rule = issues.rule
where issues.severity <> rules.severity
    or issues.category <> rules.category
