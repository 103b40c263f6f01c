-- Every coded value of the marts with its Chinese and English label: the table kinds (table_kinds catalogue),
-- the small vocabularies (codes seed: subject levels, scopes, document kinds, severities, categories, staff bases,
-- identity sources, quarantine reasons …), the quality rules, the function and economic subjects and the
-- administrative divisions.

with

codes as (
    select
        code_type,
        code,
        label_zh,
        label_en
    from {{ ref('codes') }}
),

table_kinds as (
    select
        'table_kind' as code_type,
        table_kind as code,
        name_zh as label_zh,
        name_en as label_en
    from {{ ref('table_kinds') }}
),

rules as (
    select
        'quality_rule' as code_type,
        rule as code,
        rule as label_zh,
        description as label_en
    from {{ ref('quality_rules') }}
),

function_subjects as (
    select
        'function_subject' as code_type,
        code,
        name as label_zh,
        cast(null as varchar) as label_en
    from {{ ref('function_subjects') }}
),

economic_subjects as (
    select
        'economic_subject' as code_type,
        code,
        name as label_zh,
        cast(null as varchar) as label_en
    from {{ ref('economic_subjects') }}
),

divisions as (
    select
        'admin_division' as code_type,
        code,
        name as label_zh,
        cast(null as varchar) as label_en
    from {{ ref('admin_divisions') }}
),

final as (
    select * from codes
    union all
    select * from table_kinds
    union all
    select * from rules
    union all
    select * from function_subjects
    union all
    select * from economic_subjects
    union all
    select * from divisions
)

select * from final
