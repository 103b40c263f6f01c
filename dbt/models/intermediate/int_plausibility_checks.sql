-- One row per plausibility check that fires: a figure that is possible as printed but unlikely to be right.
-- Bands and bounds come from the quality_rules seed (lower_bound / upper_bound); see docs/quality_rules.md.
--
--   negative_amount                         a table cell or a prose amount below 0
--   share_above_100                         a printed share above 100%, or a share computed from the chosen figures
--                                           above 100% by more than rounding (class / total, 三公 / total,
--                                           basic / total, project / total, personnel / basic, public / basic)
--   per_capita_personnel_out_of_band        personnel_expenditure / head count outside [lower, upper] 万元/人
--   three_public_share_out_of_band          three_public_total / total_expenditure above upper %
--   operating_exceeds_public_and_three_public  机关运行经费 > 公用经费 + “三公”经费 (+ 0.02 for two rounded terms)
--   fiscal_year_implausible (error)         fiscal year < lower or > the year of loading + upper
--   negative_total_expenditure (error)      the chosen total expenditure < 0

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
    select rule, lower_bound, upper_bound from {{ ref('quality_rules') }}
),

figure_locations as (
    select
        document_id,
        max(source_location) filter (where figure = 'total_expenditure') as total_location,
        max(source_location) filter (where figure = 'personnel_expenditure') as personnel_location,
        max(source_location) filter (where figure = 'three_public_total') as three_public_location,
        max(source_location) filter (where figure = 'operating_expenditure') as operating_location,
        max(source_description) filter (where figure = 'total_expenditure') as total_source
    from figures
    group by document_id
),

-- ---------------------------------------------------------------- negative amounts
negative_table_amounts as (
    select
        'negative_amount' as rule,
        document_id,
        table_id,
        table_kind,
        cast(null as varchar) as figure,
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

negative_prose_amounts as (
    select
        'negative_amount' as rule,
        document_id,
        cast(null as integer) as table_id,
        cast(null as varchar) as table_kind,
        fact_key as figure,
        subject_code as row_key,
        source_location as location,
        cast(null as varchar) as column_key,
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

-- ---------------------------------------------------------------- shares above 100%
stated_shares_above as (
    select
        'share_above_100' as rule,
        prose.document_id,
        cast(null as integer) as table_id,
        cast(null as varchar) as table_kind,
        prose.fact_key as figure,
        prose.subject_code as row_key,
        prose.source_location as location,
        cast(null as varchar) as column_key,
        bounds.upper_bound as expected,
        prose.value as found,
        cast(0 as decimal(20, 6)) as tolerance,
        '%' as value_unit,
        'printed share ' || prose.fact_key || coalesce(' ' || prose.subject_code, '') || ' = '
            || {{ fmt_amount('prose.value') }} || '%' as detail,
        'flagged; the printed share is not used' as resolution
    from prose
    inner join bounds
        on bounds.rule = 'share_above_100'
    where prose.fact_key like '%_share'
        and prose.value > bounds.upper_bound
),

computed_share_pairs as (
    select
        unit_figures.document_id,
        pairs.share_name,
        pairs.numerator,
        pairs.denominator
    from unit_figures
    cross join lateral (
        select * from (values
            ('share_208', unit_figures.expenditure_208, unit_figures.total_expenditure),
            ('share_210', unit_figures.expenditure_210, unit_figures.total_expenditure),
            ('share_221', unit_figures.expenditure_221, unit_figures.total_expenditure),
            ('three_public_share', unit_figures.three_public_total, unit_figures.total_expenditure),
            ('basic_share', unit_figures.basic_expenditure, unit_figures.total_expenditure),
            ('project_share', unit_figures.project_expenditure, unit_figures.total_expenditure),
            ('personnel_share_of_basic', unit_figures.personnel_expenditure, unit_figures.basic_expenditure),
            ('public_share_of_basic', unit_figures.public_expenditure, unit_figures.basic_expenditure)
        ) as pair (share_name, numerator, denominator)
    ) as pairs
),

computed_shares_above as (
    select
        'share_above_100' as rule,
        computed_share_pairs.document_id,
        cast(null as integer) as table_id,
        cast(null as varchar) as table_kind,
        computed_share_pairs.share_name as figure,
        cast(null as varchar) as row_key,
        '' as location,
        cast(null as varchar) as column_key,
        bounds.upper_bound as expected,
        round(100.0 * cast(numerator as double) / cast(denominator as double), 6) as found,
        cast(0 as decimal(20, 6)) as tolerance,
        '%' as value_unit,
        computed_share_pairs.share_name || ' = ' || {{ fmt_amount('numerator') }} || ' / '
            || {{ fmt_amount('denominator') }} || ' (chosen figures)' as detail,
        'flagged; the ratio is published as computed' as resolution
    from computed_share_pairs
    inner join bounds
        on bounds.rule = 'share_above_100'
    where denominator > 0
        and numerator - denominator > 0.01
),

-- ---------------------------------------------------------------- bands
per_capita_band as (
    select
        'per_capita_personnel_out_of_band' as rule,
        unit_figures.document_id,
        cast(null as integer) as table_id,
        cast(null as varchar) as table_kind,
        'per_capita_personnel' as figure,
        cast(null as varchar) as row_key,
        figure_locations.personnel_location as location,
        cast(null as varchar) as column_key,
        case
            when unit_figures.per_capita_personnel < bounds.lower_bound then bounds.lower_bound
            else bounds.upper_bound
        end as expected,
        unit_figures.per_capita_personnel as found,
        cast(0 as decimal(20, 6)) as tolerance,
        '万元/人' as value_unit,
        '人员经费 ' || {{ fmt_amount('unit_figures.personnel_expenditure') }} || ' 万元 / '
            || unit_figures.in_service_staff || ' 人 (' || unit_figures.staff_basis || ') = '
            || {{ fmt_amount('round(unit_figures.per_capita_personnel, 2)') }} || ' 万元/人, outside '
            || {{ fmt_amount('bounds.lower_bound') }} || '–' || {{ fmt_amount('bounds.upper_bound') }} as detail,
        'flagged; per_capita_personnel is published as computed' as resolution
    from unit_figures
    inner join bounds
        on bounds.rule = 'per_capita_personnel_out_of_band'
    left join figure_locations
        on figure_locations.document_id = unit_figures.document_id
    where unit_figures.per_capita_personnel not between bounds.lower_bound and bounds.upper_bound
),

three_public_band as (
    select
        'three_public_share_out_of_band' as rule,
        unit_figures.document_id,
        cast(null as integer) as table_id,
        cast(null as varchar) as table_kind,
        'three_public_share' as figure,
        cast(null as varchar) as row_key,
        figure_locations.three_public_location as location,
        cast(null as varchar) as column_key,
        bounds.upper_bound as expected,
        100 * unit_figures.three_public_share as found,
        cast(0 as decimal(20, 6)) as tolerance,
        '%' as value_unit,
        '“三公”经费 ' || {{ fmt_amount('unit_figures.three_public_total') }} || ' / total '
            || {{ fmt_amount('unit_figures.total_expenditure') }} || ' = '
            || {{ fmt_amount('round(100 * unit_figures.three_public_share, 2)') }} || '%, above '
            || {{ fmt_amount('bounds.upper_bound') }} || '%' as detail,
        'flagged; three_public_share is published as computed' as resolution
    from unit_figures
    inner join bounds
        on bounds.rule = 'three_public_share_out_of_band'
    left join figure_locations
        on figure_locations.document_id = unit_figures.document_id
    where 100 * unit_figures.three_public_share > bounds.upper_bound
),

operating_check as (
    select
        'operating_exceeds_public_and_three_public' as rule,
        unit_figures.document_id,
        cast(null as integer) as table_id,
        cast(null as varchar) as table_kind,
        'operating_expenditure' as figure,
        cast(null as varchar) as row_key,
        figure_locations.operating_location as location,
        cast(null as varchar) as column_key,
        unit_figures.public_expenditure + coalesce(unit_figures.three_public_total, 0) as expected,
        unit_figures.operating_expenditure as found,
        cast(0.02 as decimal(20, 6)) as tolerance,
        '万元' as value_unit,
        '机关运行经费 ' || {{ fmt_amount('unit_figures.operating_expenditure') }} || ' > 公用经费 '
            || {{ fmt_amount('unit_figures.public_expenditure') }} || ' + “三公”经费 '
            || {{ fmt_amount('coalesce(unit_figures.three_public_total, 0)') }}
            || case
                when abs(unit_figures.operating_expenditure - unit_figures.total_expenditure) <= 0.01
                    then ' (it equals the whole budget)'
                else ''
            end as detail,
        'flagged; operating_expenditure is published as stated' as resolution
    from unit_figures
    left join figure_locations
        on figure_locations.document_id = unit_figures.document_id
    where unit_figures.operating_expenditure
        > unit_figures.public_expenditure + coalesce(unit_figures.three_public_total, 0) + 0.02
),

-- ---------------------------------------------------------------- errors
fiscal_year_check as (
    select
        'fiscal_year_implausible' as rule,
        documents.document_id,
        cast(null as integer) as table_id,
        cast(null as varchar) as table_kind,
        'fiscal_year' as figure,
        cast(null as varchar) as row_key,
        '' as location,
        cast(null as varchar) as column_key,
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

negative_total as (
    select
        'negative_total_expenditure' as rule,
        unit_figures.document_id,
        cast(null as integer) as table_id,
        cast(null as varchar) as table_kind,
        'total_expenditure' as figure,
        cast(null as varchar) as row_key,
        figure_locations.total_location as location,
        cast(null as varchar) as column_key,
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

unioned as (
    select * from negative_table_amounts
    union all
    select * from negative_prose_amounts
    union all
    select * from stated_shares_above
    union all
    select * from computed_shares_above
    union all
    select * from per_capita_band
    union all
    select * from three_public_band
    union all
    select * from operating_check
    union all
    select * from fiscal_year_check
    union all
    select * from negative_total
),

final as (
    select
        {{ check_firing_columns() }}
    from unioned
)

select * from final
