-- Every quality issue found while reconciling, one row each:
--   * a table check that fired (severity warning): the table is excluded from the marts;
--   * a figure whose sources disagree (severity warning): the value chosen by precedence is used;
--   * an extraction warning from extract/ (severity info);
--   * a document without any usable total_expenditure (severity error).

with

checks as (
    select * from {{ ref('int_table_checks') }}
),

figures as (
    select * from {{ ref('int_figures_reconciled') }}
),

warnings as (
    select * from {{ ref('stg_extraction_warnings') }}
),

table_check_issues as (
    select
        rule,
        document_id,
        table_id,
        table_kind,
        cast(null as varchar) as figure,
        location,
        column_key,
        expected,
        found,
        difference,
        'warning' as severity,
        'row ' || row_key || ', column ' || column_key || ': printed ' || {{ fmt_amount('found') }}
            || ', sum of ' || term_count || ' terms (' || terms || ') = ' || {{ fmt_amount('expected') }}
            || ', tolerance ' || {{ fmt_amount('tolerance') }} as detail,
        'table excluded from marts; figures taken from other sources' as resolution
    from checks
),

conflict_issues as (
    select
        'figure_conflict' as rule,
        document_id,
        table_id,
        table_kind,
        figure,
        source_location as location,
        column_key,
        value as expected,
        conflict_furthest_value as found,
        {{ money('conflict_furthest_value - value') }} as difference,
        'warning' as severity,
        figure || ': ' || {{ fmt_amount('value') }} || ' from ' || source_description
            || '; also stated: ' || conflict_detail as detail,
        'used ' || source_description || ' by precedence; other values: ' || conflict_detail as resolution
    from figures
    where has_conflict
),

extraction_issues as (
    select
        'extraction_warning' as rule,
        document_id,
        cast(null as integer) as table_id,
        cast(null as varchar) as table_kind,
        cast(null as varchar) as figure,
        source_location as location,
        cast(null as varchar) as column_key,
        cast(null as decimal(20, 6)) as expected,
        cast(null as decimal(20, 6)) as found,
        cast(null as decimal(20, 6)) as difference,
        'info' as severity,
        warning_kind || ': ' || message as detail,
        'recorded by the extractor; no figure taken from it' as resolution
    from warnings
),

missing_total_issues as (
    select
        'missing_total_expenditure' as rule,
        document_id,
        cast(null as integer) as table_id,
        cast(null as varchar) as table_kind,
        figure,
        '' as location,
        cast(null as varchar) as column_key,
        cast(null as decimal(20, 6)) as expected,
        cast(null as decimal(20, 6)) as found,
        cast(null as decimal(20, 6)) as difference,
        'error' as severity,
        case
            when candidate_count = 0 then 'total_expenditure: no table or prose states it'
            else 'total_expenditure: ' || candidate_count || ' candidate(s), all from tables that failed a check'
        end as detail,
        'total_expenditure and the shares based on it are NULL' as resolution
    from figures
    where figure = 'total_expenditure'
        and value is null
),

unioned as (
    select * from table_check_issues
    union all
    select * from conflict_issues
    union all
    select * from extraction_issues
    union all
    select * from missing_total_issues
),

numbered as (
    select
        *,
        row_number() over (
            partition by rule, document_id, table_id, figure, location, column_key, expected, found, detail
        ) as occurrence
    from unioned
),

final as (
    select
        md5(concat_ws('|',
            rule, document_id, table_id, figure, location, column_key, expected, found, detail, occurrence
        )) as issue_id,
        rule,
        document_id,
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
    from numbered
)

select * from final
