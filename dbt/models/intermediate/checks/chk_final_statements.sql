-- 决算 (final accounts; docs/final_accounts.md), documents whose document_kind is a 决算: what its prose says
-- about itself.
--   completion_rate_stated         a stated rate (完成预算的 Z%: execution_rate, three_public_*_rate) vs 100 × the
--                                  决算 ÷ the 预算 stated with it (年初 or 全年; fires when neither reproduces it
--                                  within one unit of the last printed digit: 98.20 → rate_tolerance, 0 → 1)
--   execution_direction_stated     “决算数大于/小于/等于预算数” vs the two figures stated with it (equal: the same amount)
--   stated_year_vs_fiscal_year     a year the 决算 names for itself (a part heading “…2023 年度部门决算…”, 截至 2023 年
--                                  12 月 31 日 in the 国有资产 section) differs from its fiscal year
--   template_placeholder_left      the template's XX left in a heading or sentence
-- expected / found: the computed rate / the printed one (%); the sign of 决算 − 预算 / the stated one; the fiscal
-- year / the stated one.

with

final_documents as (
    select
        document_id,
        fiscal_year
    from {{ ref('stg_documents') }}
    where document_kind like '%决算'
),

final_prose as (
    select prose.*
    from {{ ref('stg_prose_facts') }} as prose
    inner join final_documents using (document_id)
),

statement_figures as (
    select
        rates.document_id,
        rates.fact_key,
        rates.subject_code,
        rates.value as printed,
        rates.source_location,
        rates.sentence,
        max(finals.value) as final,
        max(budgets.value) filter (where budgets.fact_key in ('execution_budget', regexp_replace(
            rates.fact_key,
            '_rate$', '_budget'
        ))) as budget,
        max(budgets.value) filter (where budgets.fact_key = 'execution_budget_adjusted') as budget_adjusted
    from final_prose as rates
    inner join final_prose as finals
        on finals.document_id = rates.document_id
            and finals.sentence = rates.sentence
            and finals.subject_code is not distinct from rates.subject_code
            and finals.fact_key = case
                when rates.fact_key = 'execution_rate' then 'execution_final'
                else regexp_replace(rates.fact_key, '_rate$', '')
            end
    left join final_prose as budgets
        on budgets.document_id = rates.document_id
            and budgets.sentence = rates.sentence
            and budgets.subject_code is not distinct from rates.subject_code
            and budgets.fact_key in (
                'execution_budget', 'execution_budget_adjusted',
                regexp_replace(rates.fact_key, '_rate$', '_budget')
            )
    where rates.fact_key = 'execution_rate' or rates.fact_key like 'three_public%_rate'
    group by all
),

rate_checks as (
    select
        *,
        case when printed = round(printed) then 1 else {{ var('rate_tolerance') }} end as rate_tolerance,
        case when budget <> 0 then 100 * final / budget end as computed,
        case when budget_adjusted <> 0 then 100 * final / budget_adjusted end as computed_adjusted
    from statement_figures
    where coalesce(budget, 0) <> 0 or coalesce(budget_adjusted, 0) <> 0
),

rate_firings as (
    select
        'completion_rate_stated' as rule,
        document_id,
        fact_key as figure,
        subject_code as row_key,
        source_location as location,
        cast(round(coalesce(computed, computed_adjusted), 4) as decimal(20, 6)) as expected,
        printed as found,
        rate_tolerance as tolerance,
        '%' as value_unit,
        fact_key || coalesce(' ' || subject_code, '') || ': printed ' || {{ fmt_amount('printed') }}
        || '%; 决算 ' || {{ fmt_amount('final') }} || ' ÷ 预算 ' || coalesce({{ fmt_amount('budget') }}, '–')
        || coalesce(' (全年 ' || {{ fmt_amount('budget_adjusted') }} || ')', '') || ' = '
        || coalesce({{ fmt_amount('round(computed, 4)') }}, '–') || '%' as detail,
        'flagged; budget_execution computes the rate from the figures' as resolution
    from rate_checks
    where not coalesce(abs(computed - printed) <= rate_tolerance, false)
        and not coalesce(abs(computed_adjusted - printed) <= rate_tolerance, false)
),

rate_issues as (
    select
        {{ issue_row(
            'rule', 'document_id', 'figure', 'row_key', 'location', 'expected', 'found', 'tolerance',
            'value_unit', 'detail', 'resolution'
        ) }}
    from rate_firings
),

direction_statements as (
    select
        directions.document_id,
        directions.subject_code,
        case directions.fact_key
            when 'execution_stated_above' then 1 when 'execution_stated_below' then -1 else 0
        end as stated_sign,
        directions.source_location,
        directions.sentence,
        coalesce(
            max(budgets.value) filter (where budgets.fact_key in ('execution_budget_adjusted')),
            max(budgets.value)
        ) as budget,
        max(finals.value) as final
    from final_prose as directions
    inner join final_prose as budgets
        on budgets.document_id = directions.document_id
            and strpos(budgets.sentence, directions.sentence) > 0
            and (
                (
                    budgets.subject_code is not distinct from directions.subject_code
                    and budgets.fact_key in ('execution_budget', 'execution_budget_adjusted')
                )
                or budgets.fact_key = directions.subject_code || '_budget'
            )
    inner join final_prose as finals
        on finals.document_id = directions.document_id
            and finals.sentence = budgets.sentence
            and (
                (finals.subject_code is not distinct from directions.subject_code and finals.fact_key = 'execution_final')
                or finals.fact_key = directions.subject_code
            )
    where directions.fact_key in ('execution_stated_above', 'execution_stated_below', 'execution_stated_equal')
    group by all
),

direction_firings as (
    select
        'execution_direction_stated' as rule,
        document_id,
        'execution_stated_direction' as figure,
        subject_code as row_key,
        source_location as location,
        sign(final - budget) as expected,
        stated_sign as found,
        0 as tolerance,
        'sign' as value_unit,
        coalesce(subject_code, 'total') || ': “' || left(sentence, 40) || '…” says 决算 '
        || case stated_sign when 1 then '>' when -1 then '<' else '=' end || ' 预算, but 决算 '
        || {{ fmt_amount('final') }} || ' vs 预算 ' || {{ fmt_amount('budget') }} as detail,
        'flagged; the figures are used, the stated direction is not' as resolution
    from direction_statements
    where stated_sign <> sign(final - budget)
),

direction_issues as (
    select
        {{ issue_row(
            'rule', 'document_id', 'figure', 'row_key', 'location', 'expected', 'found', 'tolerance',
            'value_unit', 'detail', 'resolution'
        ) }}
    from direction_firings
),

stated_year_firings as (
    select
        'stated_year_vs_fiscal_year' as rule,
        final_prose.document_id,
        'stated_year' as figure,
        final_prose.source_location as location,
        final_documents.fiscal_year as expected,
        final_prose.value as found,
        0 as tolerance,
        '年' as value_unit,
        'the 决算 of ' || final_documents.fiscal_year || ' names ' || cast(final_prose.value as integer)
        || ': “' || left(final_prose.sentence, 80) || '”' as detail,
        'flagged; the fiscal year of the document identity is kept' as resolution
    from final_prose
    inner join final_documents using (document_id)
    where final_prose.fact_key = 'stated_year'
        and final_prose.value <> final_documents.fiscal_year
),

stated_year_issues as (
    select
        {{ issue_row(
            'rule', 'document_id', 'figure', 'location', 'expected', 'found', 'tolerance', 'value_unit',
            'detail', 'resolution'
        ) }}
    from stated_year_firings
),

placeholder_firings as (
    select
        'template_placeholder_left' as rule,
        document_id,
        'template_placeholder' as figure,
        source_location as location,
        0 as expected,
        value as found,
        0 as tolerance,
        '处' as value_unit,
        'template placeholder left in: “' || left(sentence, 80) || '”' as detail,
        'flagged; nothing is read from the placeholder' as resolution
    from final_prose
    where fact_key = 'template_placeholder'
),

placeholder_issues as (
    select
        {{ issue_row(
            'rule', 'document_id', 'figure', 'location', 'expected', 'found', 'tolerance', 'value_unit',
            'detail', 'resolution'
        ) }}
    from placeholder_firings
),

final as (
    select * from rate_issues
    union all
    select * from direction_issues
    union all
    select * from stated_year_issues
    union all
    select * from placeholder_issues
)

select * from final
