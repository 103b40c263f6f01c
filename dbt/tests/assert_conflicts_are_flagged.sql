-- No figure is silently picked: every published figure whose sources disagree has its conflict issue.
select
    figure_sources.document_id,
    figure_sources.figure
from {{ ref('figure_sources') }} as figure_sources
where figure_sources.has_conflict
    and not exists (
        select 1
        from {{ ref('quality_issues') }} as issues
        where issues.document_id = figure_sources.document_id
            and issues.figure = figure_sources.figure
            and issues.rule in ('figure_conflict', 'three_public_table_vs_prose', 'headcount_conflict')
    )
