-- Values that cannot be right, and a missing total:
--   negative_amount                      (warning) a table cell or a prose amount below 0; kept as printed
--   fiscal_year_implausible (error)      fiscal year < lower or > the year of loading + upper (quality_rules seed)
--   negative_total_expenditure (error)   the chosen total expenditure < 0
--   missing_total_expenditure (error)    no usable total_expenditure: no source states it, or only tables that
--                                        failed a check do
-- An error holds the document back from the marts (int_documents_publishable; int_quality_issues words it).

with

documents as (
    select * from {{ ref('stg_documents') }}
),

facts as (
    select * from {{ ref('stg_table_facts') }}
),

prose as (
    select * from {{ ref('stg_prose_facts') }}
),

unit_figures as (
    select * from {{ ref('int_unit_figures') }}
),

figures as (
    select * from {{ ref('int_figures_reconciled') }}
),

bounds as (
    select
        rule,
        lower_bound,
        upper_bound
    from {{ ref('quality_rules') }}
),

figure_locations as (
    select
        document_id,
        max(source_location) filter (where figure = 'total_expenditure') as total_location,
        max(source_description) filter (where figure = 'total_expenditure') as total_source
    from figures
    group by document_id
),

negative_table_amounts_firings as (
    select
        'negative_amount' as rule,
        document_id,
        table_id,
        table_kind,
        coalesce(subject_code, line_item, row_label) as row_key,
        source_location as location,
        column_key,
        cast(0 as decimal(20, 6)) as expected,
        amount as found,
        cast(0 as decimal(20, 6)) as tolerance,
        '万元' as value_unit,
        table_kind || ' row ' || coalesce(subject_code, line_item, row_label) || ', column ' || column_key
        || ': ' || {{ fmt_amount('amount') }} as detail,
        'flagged; the amount is kept as printed' as resolution
    from facts
    where amount < 0
),

negative_table_amounts as (
    select
        {{ issue_row(
            'rule', 'document_id', 'table_id', 'table_kind', 'row_key', 'location', 'column_key', 'expected',
            'found', 'tolerance', 'value_unit', 'detail', 'resolution'
        ) }}
    from negative_table_amounts_firings
),

negative_prose_amounts_firings as (
    select
        'negative_amount' as rule,
        document_id,
        fact_key as figure,
        subject_code as row_key,
        source_location as location,
        cast(0 as decimal(20, 6)) as expected,
        value as found,
        cast(0 as decimal(20, 6)) as tolerance,
        value_unit,
        'prose ' || fact_key || coalesce(' ' || subject_code, '') || ': ' || {{ fmt_amount('value') }} as detail,
        'flagged; the amount is kept as printed' as resolution
    from prose
    where value < 0
        and value_unit <> '%'
),

negative_prose_amounts as (
    select
        {{ issue_row(
            'rule', 'document_id', 'figure', 'row_key', 'location', 'expected', 'found', 'tolerance',
            'value_unit', 'detail', 'resolution'
        ) }}
    from negative_prose_amounts_firings
),

fiscal_year_check_firings as (
    select
        'fiscal_year_implausible' as rule,
        documents.document_id,
        'fiscal_year' as figure,
        '' as location,
        case
            when documents.fiscal_year < bounds.lower_bound then bounds.lower_bound
            else year(documents.loaded_at) + bounds.upper_bound
        end as expected,
        documents.fiscal_year as found,
        cast(0 as decimal(20, 6)) as tolerance,
        '年' as value_unit,
        'fiscal year ' || documents.fiscal_year || ' (title “' || documents.title || '”) outside '
        || cast(bounds.lower_bound as integer) || '–' || (year(documents.loaded_at) + bounds.upper_bound)::integer
        || ' (load year ' || year(documents.loaded_at) || ' + ' || cast(bounds.upper_bound as integer) || ')'
            as detail,
        'document held back from the marts' as resolution
    from documents
    inner join bounds
        on bounds.rule = 'fiscal_year_implausible'
    where documents.fiscal_year < bounds.lower_bound
        or documents.fiscal_year > year(documents.loaded_at) + bounds.upper_bound
),

fiscal_year_check as (
    select
        {{ issue_row(
            'rule', 'document_id', 'figure', 'location', 'expected', 'found', 'tolerance', 'value_unit',
            'detail', 'resolution'
        ) }}
    from fiscal_year_check_firings
),

negative_total_firings as (
    select
        'negative_total_expenditure' as rule,
        unit_figures.document_id,
        'total_expenditure' as figure,
        figure_locations.total_location as location,
        cast(0 as decimal(20, 6)) as expected,
        unit_figures.total_expenditure as found,
        cast(0 as decimal(20, 6)) as tolerance,
        '万元' as value_unit,
        'total_expenditure ' || {{ fmt_amount('unit_figures.total_expenditure') }} || ' from '
        || figure_locations.total_source as detail,
        'document held back from the marts' as resolution
    from unit_figures
    left join figure_locations
        on figure_locations.document_id = unit_figures.document_id
    where unit_figures.total_expenditure < 0
),

negative_total as (
    select
        {{ issue_row(
            'rule', 'document_id', 'figure', 'location', 'expected', 'found', 'tolerance', 'value_unit',
            'detail', 'resolution'
        ) }}
    from negative_total_firings
),

missing_total as (
    select
        {{ issue_row(
            'document_id', 'figure',
            rule="'missing_total_expenditure'",
            location="''",
            value_unit="'万元'",
            detail="case
                when candidate_count = 0 then 'total_expenditure: no table or prose states it'
                else 'total_expenditure: ' || candidate_count || ' candidate(s), all from tables that failed a check'
            end",
            resolution="'document held back from the marts'"
        ) }}
    from figures
    where figure = 'total_expenditure'
        and value is null
),

final as (
    select * from negative_table_amounts
    union all
    select * from negative_prose_amounts
    union all
    select * from fiscal_year_check
    union all
    select * from negative_total
    union all
    select * from missing_total
)

select * from final
