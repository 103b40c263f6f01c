-- Money and ratio columns of the marts are DECIMAL, never floating point: fails on any DOUBLE/FLOAT column.
-- depends_on: {{ ref('unit_metrics') }}
-- depends_on: {{ ref('fct_expenditure_by_function') }}
-- depends_on: {{ ref('figure_sources') }}
-- depends_on: {{ ref('quality_issues') }}
-- depends_on: {{ ref('dim_unit') }}
select
    table_name,
    column_name,
    data_type
from information_schema.columns
where table_schema = 'marts'
    and (data_type like '%DOUBLE%' or data_type like '%FLOAT%' or data_type = 'REAL')
