-- A document with an error issue has no row in the published marts (it stays in quality_issues and raw).
with errors as (
    select distinct document_id from {{ ref('quality_issues') }} where severity = 'error'
)
select
    'unit_metrics' as mart,
    document_id
from {{ ref('unit_metrics') }} where document_id in (select * from errors)
union all
select
    'fct_expenditure_by_function',
    document_id
from {{ ref('fct_expenditure_by_function') }}
where document_id in (select * from errors)
union all
select
    'figure_sources',
    document_id
from {{ ref('figure_sources') }} where document_id in (select * from errors)
union all
select
    'quality_issues (document_published)',
    document_id
from {{ ref('quality_issues') }}
where document_published and document_id in (select * from errors)
