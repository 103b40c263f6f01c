-- Rules figure_conflict, three_public_table_vs_prose, headcount_conflict: a key figure whose eligible, comparable
-- sources disagree (int_figures_reconciled.has_conflict: by more than money_tolerance, or by any person). The
-- value chosen by precedence is used; the issue lists the other values.
-- expected = the chosen value, found = the differing value furthest from it.

with

figures as (
    select * from {{ ref('int_figures_reconciled') }}
),

conflicts as (
    select
        case
            when figure like 'three_public%' then 'three_public_table_vs_prose'
            when figure like 'staff%' then 'headcount_conflict'
            else 'figure_conflict'
        end as rule,
        document_id,
        table_id,
        table_kind,
        figure,
        line_item as row_key,
        source_location as location,
        column_key,
        value as expected,
        conflict_furthest_value as found,
        case when value_kind = 'headcount' then 0 else {{ var('money_tolerance') }} end as tolerance,
        case when value_kind = 'headcount' then '人' else '万元' end as value_unit,
        figure || ': ' || {{ fmt_amount('value') }} || ' from ' || source_description
        || '; also stated: ' || conflict_detail as detail,
        'used ' || source_description || ' by precedence; other values: ' || conflict_detail as resolution
    from figures
    where has_conflict
),

final as (
    select
        {{ issue_row(
            'rule', 'document_id', 'table_id', 'table_kind', 'figure', 'row_key', 'location', 'column_key',
            'expected', 'found', 'tolerance', 'value_unit', 'detail', 'resolution'
        ) }}
    from conflicts
)

select * from final
