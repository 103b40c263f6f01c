-- Plausibility: a figure that is possible as printed but unlikely to be right. Bands come from the quality_rules
-- seed (lower_bound / upper_bound; docs/quality_rules.md). The value is published as it is and flagged.
--   share_above_100                         a printed share above 100%, or a share computed from the chosen figures
--                                           above 100% by more than money_tolerance (class / total, 三公 / total,
--                                           basic / total, project / total, personnel / basic, public / basic)
--   per_capita_personnel_out_of_band        personnel_expenditure / head count outside [lower, upper] 万元/人
--   three_public_share_out_of_band          three_public_total / total_expenditure above upper %
--   operating_exceeds_public_and_three_public  机关运行经费 > 公用经费 + “三公”经费 (+ 2 × money_tolerance, two
--                                           rounded terms)
-- expected = the bound crossed (公用经费 + 三公 for the operating rule), found = the value judged.

with

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
        max(source_location) filter (where figure = 'personnel_expenditure') as personnel_location,
        max(source_location) filter (where figure = 'three_public_total') as three_public_location,
        max(source_location) filter (where figure = 'operating_expenditure') as operating_location
    from figures
    group by document_id
),

stated_shares_above_firings as (
    select
        'share_above_100' as rule,
        prose.document_id,
        prose.fact_key as figure,
        prose.subject_code as row_key,
        prose.source_location as location,
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

stated_shares_above as (
    select
        {{ issue_row(
            'rule', 'document_id', 'figure', 'row_key', 'location', 'expected', 'found', 'tolerance',
            'value_unit', 'detail', 'resolution'
        ) }}
    from stated_shares_above_firings
),

computed_share_pairs as (
    select
        unit_figures.document_id,
        pairs.share_name,
        pairs.numerator,
        pairs.denominator
    from unit_figures
    cross join lateral (
        select * from (
            values
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

computed_shares_above_firings as (
    select
        'share_above_100' as rule,
        computed_share_pairs.document_id,
        computed_share_pairs.share_name as figure,
        '' as location,
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
        and numerator - denominator > {{ var('money_tolerance') }}
),

computed_shares_above as (
    select
        {{ issue_row(
            'rule', 'document_id', 'figure', 'location', 'expected', 'found', 'tolerance', 'value_unit',
            'detail', 'resolution'
        ) }}
    from computed_shares_above_firings
),

per_capita_band_firings as (
    select
        'per_capita_personnel_out_of_band' as rule,
        unit_figures.document_id,
        'per_capita_personnel' as figure,
        figure_locations.personnel_location as location,
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

per_capita_band as (
    select
        {{ issue_row(
            'rule', 'document_id', 'figure', 'location', 'expected', 'found', 'tolerance', 'value_unit',
            'detail', 'resolution'
        ) }}
    from per_capita_band_firings
),

three_public_band_firings as (
    select
        'three_public_share_out_of_band' as rule,
        unit_figures.document_id,
        'three_public_share' as figure,
        figure_locations.three_public_location as location,
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

three_public_band as (
    select
        {{ issue_row(
            'rule', 'document_id', 'figure', 'location', 'expected', 'found', 'tolerance', 'value_unit',
            'detail', 'resolution'
        ) }}
    from three_public_band_firings
),

operating_check_firings as (
    select
        'operating_exceeds_public_and_three_public' as rule,
        unit_figures.document_id,
        'operating_expenditure' as figure,
        figure_locations.operating_location as location,
        unit_figures.public_expenditure + coalesce(unit_figures.three_public_total, 0) as expected,
        unit_figures.operating_expenditure as found,
        2 * {{ var('money_tolerance') }} as tolerance,
        '万元' as value_unit,
        '机关运行经费 ' || {{ fmt_amount('unit_figures.operating_expenditure') }} || ' > 公用经费 '
        || {{ fmt_amount('unit_figures.public_expenditure') }} || ' + “三公”经费 '
        || {{ fmt_amount('coalesce(unit_figures.three_public_total, 0)') }}
        || case
            when abs(unit_figures.operating_expenditure - unit_figures.total_expenditure) <= {{ var('money_tolerance') }}
                then ' (it equals the whole budget)'
            else ''
        end as detail,
        'flagged; operating_expenditure is published as stated' as resolution
    from unit_figures
    left join figure_locations
        on figure_locations.document_id = unit_figures.document_id
    where unit_figures.operating_expenditure
        > unit_figures.public_expenditure + coalesce(unit_figures.three_public_total, 0)
        + 2 * {{ var('money_tolerance') }}
),

operating_check as (
    select
        {{ issue_row(
            'rule', 'document_id', 'figure', 'location', 'expected', 'found', 'tolerance', 'value_unit',
            'detail', 'resolution'
        ) }}
    from operating_check_firings
),

final as (
    select * from stated_shares_above
    union all
    select * from computed_shares_above
    union all
    select * from per_capita_band
    union all
    select * from three_public_band
    union all
    select * from operating_check
)

select * from final
