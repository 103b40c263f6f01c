-- Rule stated_share_mismatch: a prose share “占 N%” (fact <key>_share) vs 100 × its amount (the fact stated with
-- it: same sentence, key, subject and scope) / a candidate denominator:
--   function_amount / basic / project shares: any total of the same scope — the chosen total_expenditure, the
--   eligible table total candidates and the prose totals of that scope, the sum of the same-scope prose 类 amounts,
--   and for gpb/fiscal shares the consistent gpb_expenditure / fiscal_grant_summary totals;
--   personnel / public shares: any basic-spending candidate or the consistent 一般公共预算基本支出表 total.
-- Fires only when no denominator reproduces the printed share within one unit of its last printed digit
-- (3.98 → 0.01; 2 → 1). Shares above 100 are share_above_100 (chk_plausibility_bands).
-- expected = the nearest computed share, found = the printed one (in %).

with

prose as (
    select * from {{ ref('stg_prose_facts') }}
),

candidates as (
    select * from {{ ref('int_figure_candidates') }}
),

figures as (
    select * from {{ ref('int_figures_reconciled') }}
),

consistent_facts as (
    select facts.*
    from {{ ref('stg_table_facts') }} as facts
    inner join {{ ref('int_table_consistency') }} as consistency
        on consistency.document_id = facts.document_id
            and consistency.table_id = facts.table_id
    where consistency.is_consistent
),

shares as (
    select
        document_id,
        fact_key,
        left(fact_key, length(fact_key) - length('_share')) as base_key,
        subject_code,
        scope,
        value as printed,
        sentence,
        source_line,
        source_page,
        source_location
    from prose
    where fact_key like '%_share'
        and value <= 100
),

share_families as (
    select * from (
        values
        ('function_amount', 'total'),
        ('basic_expenditure', 'total'),
        ('project_expenditure', 'total'),
        ('personnel_expenditure', 'basic'),
        ('public_expenditure', 'basic')
    ) as families (base_key, family)
),

-- the amount stated with the share: same sentence, key, subject and scope
share_numerators as (
    select
        shares.*,
        share_families.family,
        amounts.value as numerator,
        row_number() over (
            partition by
                shares.document_id, shares.fact_key, shares.subject_code, shares.scope, shares.source_line,
                shares.sentence, shares.printed
            order by amounts.value
        ) as pick
    from shares
    inner join share_families
        on share_families.base_key = shares.base_key
    inner join prose as amounts
        on amounts.document_id = shares.document_id
            and amounts.fact_key = shares.base_key
            and amounts.scope = shares.scope
            and amounts.subject_code is not distinct from shares.subject_code
            and amounts.source_line is not distinct from shares.source_line
            and amounts.sentence = shares.sentence
),

-- decimals as printed: the “N%” of the sentence whose value is the share
share_printed as (
    select
        share_numerators.* exclude (pick),
        coalesce(
            (
                select min(case when contains(printed_text, '.') then length(split_part(printed_text, '.', 2)) else 0 end)
                from (
                    select unnest(regexp_extract_all(share_numerators.sentence, '(\d+(?:\.\d+)?)\s*[%％]', 1))
                        as printed_text
                ) as printed_shares
                where try_cast(printed_text as decimal(20, 6)) = share_numerators.printed
            ),
            length(split_part(rtrim(rtrim(cast(share_numerators.printed as varchar), '0'), '.'), '.', 2))
        ) as printed_decimals
    from share_numerators
    where pick = 1
),

same_scope_prose_classes as (
    select
        document_id,
        scope,
        sum(amount) as amount,
        count(*) as class_count
    from (
        select
            document_id,
            scope,
            subject_code,
            arg_min(value, coalesce(source_line, 0)) as amount
        from prose
        where fact_key = 'function_amount' and length(subject_code) = 3
        group by document_id, scope, subject_code
    )
    group by document_id, scope
),

denominators as (
    -- family total: the chosen total
    select
        shares_total.document_id,
        shares_total.scope,
        'total' as family,
        figures.value as denominator,
        'chosen total_expenditure' as denominator_source
    from (select distinct
        document_id,
        scope
    from shares) as shares_total
    inner join figures
        on figures.document_id = shares_total.document_id and figures.figure = 'total_expenditure'
    union all
    -- eligible table totals of the share's scope (prose totals follow)
    select
        shares_total.document_id,
        shares_total.scope,
        'total',
        candidates.value,
        candidates.table_kind || ' table total, ' || candidates.source_location
    from (select distinct
        document_id,
        scope
    from shares) as shares_total
    inner join candidates
        on candidates.document_id = shares_total.document_id
            and candidates.figure = 'total_expenditure'
            and candidates.source_kind = 'table'
            and candidates.is_eligible
            and candidates.source_scope = shares_total.scope
    union all
    -- prose totals of the share's scope
    select
        document_id,
        scope,
        'total',
        value,
        'prose total (' || scope || '), ' || source_location
    from prose
    where fact_key = 'total_expenditure'
    union all
    -- the sum of the same-scope prose 类 amounts
    select
        document_id,
        scope,
        'total',
        amount,
        'sum of ' || class_count || ' prose 类 amounts (' || scope || ')'
    from same_scope_prose_classes
    union all
    -- the fiscal / gpb table totals, for fiscal and gpb shares
    select
        consistent_facts.document_id,
        share_scope.scope,
        'total',
        consistent_facts.amount,
        consistent_facts.table_kind || ' table total, ' || consistent_facts.source_location
    from consistent_facts
    cross join (values ('fiscal'), ('gpb')) as share_scope (scope)
    where consistent_facts.column_key = 'total'
        and (
            (consistent_facts.table_kind = 'gpb_expenditure' and consistent_facts.line_item = 'table_total')
            or (
                consistent_facts.table_kind = 'fiscal_grant_summary'
                and consistent_facts.line_item = 'expenditure_total'
            )
        )
    union all
    -- family basic: any eligible basic-spending candidate
    select
        candidates.document_id,
        share_scope.scope,
        'basic',
        candidates.value,
        coalesce(candidates.table_kind || ' table', 'prose') || ' basic, ' || candidates.source_location
    from candidates
    cross join (values ('all'), ('fiscal'), ('gpb')) as share_scope (scope)
    where candidates.figure = 'basic_expenditure' and candidates.is_eligible
    union all
    -- …or the 一般公共预算基本支出表 total
    select
        consistent_facts.document_id,
        share_scope.scope,
        'basic',
        consistent_facts.amount,
        'gpb_basic_expenditure table total, ' || consistent_facts.source_location
    from consistent_facts
    cross join (values ('all'), ('fiscal'), ('gpb')) as share_scope (scope)
    where consistent_facts.table_kind = 'gpb_basic_expenditure'
        and consistent_facts.line_item = 'table_total'
        and consistent_facts.column_key = 'total'
),

share_tries as (
    select
        share_printed.*,
        denominators.denominator,
        denominators.denominator_source,
        round(100.0 * cast(share_printed.numerator as double) / cast(denominators.denominator as double), 6)
            as computed,
        power(10, -share_printed.printed_decimals) as share_tolerance
    from share_printed
    inner join denominators
        on denominators.document_id = share_printed.document_id
            and denominators.scope = share_printed.scope
            and denominators.family = share_printed.family
    where denominators.denominator > 0
),

share_results as (
    select
        document_id,
        fact_key,
        subject_code,
        scope,
        printed,
        numerator,
        source_location,
        max(share_tolerance) as share_tolerance,
        bool_or(abs(computed - printed) <= share_tolerance + 1e-9) as is_reproduced,
        arg_min(computed, abs(computed - printed)) as nearest_computed,
        arg_min(denominator, abs(computed - printed)) as nearest_denominator,
        string_agg(distinct {{ fmt_amount('denominator') }} || ' (' || denominator_source || ')', '; ')
            as denominators_tried
    from share_tries
    group by document_id, fact_key, subject_code, scope, printed, numerator, source_location, sentence, source_line
),

final as (
    select
        {{ issue_row(
            'document_id', 'location', 'expected', 'found', 'tolerance', 'detail',
            rule="'stated_share_mismatch'",
            figure='fact_key',
            row_key='subject_code',
            value_unit="'%'",
            resolution="'flagged; unit_metrics computes shares from the chosen figures, the printed share is not used'"
        ) }}
    from (
        select
            *,
            source_location as location,
            nearest_computed as expected,
            printed as found,
            share_tolerance as tolerance,
            fact_key || coalesce(' ' || subject_code, '') || ' (' || scope || '): printed '
            || {{ fmt_amount('printed') }} || '% of ' || {{ fmt_amount('numerator') }}
            || ' 万元; nearest computed ' || {{ fmt_amount('round(nearest_computed, 4)') }} || '% (denominator '
            || {{ fmt_amount('nearest_denominator') }} || '); denominators tried: ' || denominators_tried
                as detail
        from share_results
        where not is_reproduced
    )
)

select * from final
