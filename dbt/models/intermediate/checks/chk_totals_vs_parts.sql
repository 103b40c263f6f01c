-- A total printed in one place vs its parts printed in another:
--   gpb_basic_total_vs_gpb_expenditure  一般公共预算基本支出表 合计 (column total) vs the 基本支出 column of the
--                                       一般公共预算支出表 合计 row (both tables consistent); tolerance
--                                       money_tolerance. expected = 一般公共预算支出表, found = 基本支出表.
--   headcount_components                prose 实有人数 vs 在职 + 离退休 stated in the same section (the nearest
--                                       statements); tolerance 0 persons. expected = 在职 + 离退休, found = 实有.

with

consistent_facts as (
    select facts.*
    from {{ ref('stg_table_facts') }} as facts
    inner join {{ ref('int_table_consistency') }} as consistency
        on consistency.document_id = facts.document_id
            and consistency.table_id = facts.table_id
    where consistency.is_consistent
),

figures as (
    select * from {{ ref('int_figures_reconciled') }}
),

-- ---------------------------------------------------------------- 一般公共预算基本支出表 vs 一般公共预算支出表
gpb_basic_totals as (
    select
        document_id,
        table_id,
        table_kind,
        amount,
        source_location
    from consistent_facts
    where table_kind = 'gpb_basic_expenditure' and line_item = 'table_total' and column_key = 'total'
),

gpb_expenditure_basic as (
    select
        document_id,
        table_id,
        amount,
        source_location
    from consistent_facts
    where table_kind = 'gpb_expenditure' and line_item = 'table_total' and column_key = 'basic'
),

gpb_basic_issues as (
    select
        {{ issue_row(
            rule="'gpb_basic_total_vs_gpb_expenditure'",
            document_id='gpb_basic_totals.document_id',
            table_id='gpb_basic_totals.table_id',
            table_kind='gpb_basic_totals.table_kind',
            figure="'basic_expenditure'",
            row_key="'table_total'",
            location='gpb_basic_totals.source_location',
            column_key="'total'",
            expected='gpb_expenditure_basic.amount',
            found='gpb_basic_totals.amount',
            tolerance=var('money_tolerance'),
            value_unit="'万元'",
            detail="'一般公共预算基本支出表 合计 ' || " ~ fmt_amount('gpb_basic_totals.amount') ~ " || ' ('
                || gpb_basic_totals.source_location || ') vs 一般公共预算支出表 合计/基本支出 '
                || " ~ fmt_amount('gpb_expenditure_basic.amount') ~ " || ' (' || gpb_expenditure_basic.source_location
                || ')'",
            resolution="'flagged; basic_expenditure uses ' || coalesce(figures.source_description, 'no source')"
        ) }}
    from gpb_basic_totals
    inner join gpb_expenditure_basic
        on gpb_expenditure_basic.document_id = gpb_basic_totals.document_id
    left join figures
        on figures.document_id = gpb_basic_totals.document_id
            and figures.figure = 'basic_expenditure'
    where abs(gpb_basic_totals.amount - gpb_expenditure_basic.amount) > {{ var('money_tolerance') }}
),

-- ---------------------------------------------------------------- 实有 = 在职 + 离退休
staff_facts as (
    select
        document_id,
        fact_key,
        value,
        section,
        source_line,
        source_location
    from {{ ref('stg_prose_facts') }}
    where fact_key in ('staff_actual', 'staff_in_service', 'staff_retired')
),

staff_matches as (
    select
        actual.document_id,
        actual.section,
        actual.source_line,
        actual.source_location,
        actual.value as actual_value,
        part.fact_key,
        part.value as part_value,
        row_number() over (
            partition by actual.document_id, actual.section, actual.source_line, actual.value, part.fact_key
            order by
                abs(coalesce(part.source_line, 0) - coalesce(actual.source_line, 0)),
                part.source_line nulls last
        ) as nearest
    from staff_facts as actual
    inner join staff_facts as part
        on part.document_id = actual.document_id
            and part.section = actual.section
            and part.fact_key in ('staff_in_service', 'staff_retired')
    where actual.fact_key = 'staff_actual'
),

staff_triples as (
    select
        document_id,
        section,
        source_location,
        actual_value,
        max(part_value) filter (where fact_key = 'staff_in_service') as in_service_value,
        max(part_value) filter (where fact_key = 'staff_retired') as retired_value
    from staff_matches
    where nearest = 1
    group by document_id, section, source_line, source_location, actual_value
),

headcount_issues as (
    select
        {{ issue_row(
            rule="'headcount_components'",
            document_id='staff_triples.document_id',
            figure="'staff_actual'",
            location='staff_triples.source_location',
            expected='staff_triples.in_service_value + staff_triples.retired_value',
            found='staff_triples.actual_value',
            tolerance='0',
            value_unit="'人'",
            detail="'section “' || staff_triples.section || '”: 实有 ' || " ~ fmt_amount('staff_triples.actual_value')
                ~ " || ' vs 在职 ' || " ~ fmt_amount('staff_triples.in_service_value') ~ " || ' + 离退休 ' || "
                ~ fmt_amount('staff_triples.retired_value'),
            resolution="'flagged; in_service_staff uses ' || coalesce("
                ~ fmt_amount('in_service.value') ~ " || ' from ' || in_service.source_description,
                'no in-service count')"
        ) }}
    from staff_triples
    left join figures as in_service
        on in_service.document_id = staff_triples.document_id
            and in_service.figure = 'staff_in_service'
    where staff_triples.in_service_value is not null
        and staff_triples.retired_value is not null
        and staff_triples.actual_value <> staff_triples.in_service_value + staff_triples.retired_value
),

final as (
    select * from gpb_basic_issues
    union all
    select * from headcount_issues
)

select * from final
