-- Rules subject_children_sum, table_total_vs_top_level, total_eq_basic_plus_project,
-- basic_eq_personnel_plus_public, three_public_parts_sum, summary_total_vs_classes,
-- income_total_eq_expenditure_total, final_balance_identity, completion_rate_vs_columns: a table fails one of its
-- own sums. int_table_checks computes the firings (they also decide int_table_consistency); this model words them
-- as issues. The table is excluded from the marts; its figures are taken from other sources.

with

firings as (
    select * from {{ ref('int_table_checks') }}
),

final as (
    select
        {{ issue_row(
            'rule', 'document_id', 'table_id', 'table_kind', 'row_key', 'location', 'column_key', 'expected',
            'found', 'difference', 'tolerance', 'detail',
            value_unit="'万元'",
            resolution="'table excluded from marts; figures taken from other sources'"
        ) }}
    from (
        select
            *,
            'row ' || row_key || ', column ' || column_key || ': printed ' || {{ fmt_amount('found') }}
            || ', sum of ' || term_count || ' terms (' || coalesce(nullif(terms, ''), 'none printed') || ') = '
            || {{ fmt_amount('expected') }} || ', tolerance ' || {{ fmt_amount('tolerance') }} as detail
        from firings
    )
)

select * from final
