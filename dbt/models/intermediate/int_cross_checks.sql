-- One row per cross-source check that fires: the same quantity read from two places of one document disagrees.
--
-- Rules (tolerance: 0.01 per term summed on the side with more terms; a printed amount is one term):
--   function_class_cross_table     a function 类 total in the tables (column total): 收支总表 (income_expenditure_summary),
--                                  支出总表 (expenditure_summary), 财政拨款收支总表 (fiscal_grant_summary),
--                                  一般公共预算支出表 (gpb_expenditure). A table gives a 类 as its printed 类 row, or
--                                  the sum of its top-level rows of that 类 (a 项-only table). A 类 the table does not
--                                  print is 0 there. Only tables that passed their own checks take part. A table is
--                                  flagged when more comparable tables give another value than agree with it (on a
--                                  tie, when a higher-ranked table disagrees): one issue per deviating table and 类,
--                                  expected = the other tables' value.
--   function_class_prose_vs_table  a 类 amount stated in the prose that no comparable table gives (expected = the
--                                  value most of them give)
--   Scopes: 收支总表 / 支出总表 / prose scope all cover the whole budget ('all'); 财政拨款收支总表 / prose scope
--   fiscal the fiscal grants ('fiscal'); 一般公共预算支出表 / prose scope gpb the general public budget ('gpb').
--   Two sources are compared when they have the same scope, or when the totals of their scopes are both known and
--   coincide (no other funds, no carry-over only on one side), or — fiscal vs gpb — when one of those totals is
--   unknown (fiscal and gpb differ only by 政府性基金 / 国有资本 money).
--   gpb_basic_total_vs_gpb_expenditure  一般公共预算基本支出表 合计 (column total) vs 一般公共预算支出表 合计 row,
--                                  column basic (both consistent)
--   headcount_components           prose 实有人数 vs 在职 + 离退休 stated in the same section (nearest statements);
--                                  tolerance 0 persons
--   stated_share_mismatch          a prose share “占 N%” (fact <key>_share) vs 100 × its amount (the fact stated with
--                                  it) / a candidate denominator: for function_amount / basic / project any total of the
--                                  same scope (the chosen total_expenditure, eligible total candidates and prose totals
--                                  of that scope, the sum of the same-scope prose 类 amounts, for gpb/fiscal shares the
--                                  consistent gpb_expenditure / fiscal_grant_summary totals); for personnel / public any
--                                  basic-spending candidate or the consistent 一般公共预算基本支出表 total. Fires only
--                                  when no denominator reproduces the printed share within one unit of its last
--                                  printed digit (3.98 → 0.01; 2 → 1). Shares above 100 go to share_above_100.
-- 决算 (final accounts; docs/final_accounts.md), documents whose document_kind is a 决算:
--   final_table_missing            one of the nine tables of the 决算 family is not printed at all (expected 1 table,
--                                  found 0); a table printed empty with its note (本部门无…) counts as printed
--   final_prose_vs_table           a total stated in the prose vs the table that prints it: 收入支出总计 (scope all:
--                                  收入支出决算总表 总计; scope fiscal: 财政拨款收入支出决算总表 总计), 本年收入合计,
--                                  本年支出合计 (收入支出决算总表), 一般公共预算财政拨款支出 (一般公共预算财政拨款支出
--                                  决算表 合计); tolerance 0.01
--   completion_rate_stated         a stated rate (完成预算的 Z%: execution_rate, three_public_*_rate) vs 100 × the
--                                  决算 ÷ the 预算 stated with it (年初 or 全年; fires when neither reproduces it
--                                  within one unit of the last printed digit: 98.20 → 0.01, 0 → 1)
--   execution_direction_stated     “决算数大于/小于/等于预算数” vs the two figures stated with it (equal: the same amount)
--   three_public_budget_vs_table   the “三公” 年初预算 stated in the prose vs the 预算数 of the “三公” 决算表 (a blank
--                                  cell of a printed table is 0)
--   stated_year_vs_fiscal_year     a year the 决算 names for itself (a part heading “…2023 年度部门决算…”, 截至 2023 年
--                                  12 月 31 日 in the 国有资产 section) differs from its fiscal year
--   template_placeholder_left      the template's XX left in a heading or sentence
--   final_budget_vs_loaded_budget  the 决算's own 预算数 vs the loaded 预算 of the same unit and year
--                                  (int_budget_execution): budgets are adjusted during the year; the issue says which
--                                  one marts.budget_execution used
-- expected / found: for class comparisons the higher-ranked source / the other one; for shares the nearest computed
-- share / the printed one (in %); for head counts in service + retired / actual (persons).

with

facts as (
    select * from {{ ref('stg_table_facts') }}
),

consistency as (
    select * from {{ ref('int_table_consistency') }}
),

prose as (
    select * from {{ ref('stg_prose_facts') }}
),

candidates as (
    select * from {{ ref('int_figure_candidates') }}
),

figures as (
    select * from {{ ref('int_figures_reconciled') }}
),

function_amounts as (
    select * from {{ ref('int_function_amounts') }}
),

consistent_facts as (
    select facts.*
    from facts
    inner join consistency
        on consistency.document_id = facts.document_id
        and consistency.table_id = facts.table_id
    where consistency.is_consistent
),

-- ================================================================ function 类 totals across sources
class_table_kinds as (
    select * from (values
        ('income_expenditure_summary', 1, 'all'),
        ('expenditure_summary', 2, 'all'),
        ('fiscal_grant_summary', 3, 'fiscal'),
        ('gpb_expenditure', 4, 'gpb')
    ) as kinds (table_kind, source_rank, scope)
),

subject_rows as (
    select
        consistent_facts.document_id,
        consistent_facts.table_id,
        consistent_facts.table_kind,
        consistent_facts.row_index,
        min(consistent_facts.subject_code) as subject_code,
        min(consistent_facts.parent_code) as parent_code,
        sum(consistent_facts.amount) filter (where consistent_facts.column_key = 'total') as total_amount,
        min(consistent_facts.source_line) as source_line,
        min(consistent_facts.source_location) as source_location
    from consistent_facts
    inner join class_table_kinds
        on class_table_kinds.table_kind = consistent_facts.table_kind
    where consistent_facts.subject_system = 'function'
        and length(consistent_facts.subject_code) in (3, 5, 7)
    group by consistent_facts.document_id, consistent_facts.table_id, consistent_facts.table_kind,
        consistent_facts.row_index
),

top_level_rows as (
    select subject_rows.*
    from subject_rows
    where not exists (
        select 1
        from subject_rows as parent
        where parent.document_id = subject_rows.document_id
            and parent.table_id = subject_rows.table_id
            and parent.subject_code = subject_rows.parent_code
    )
),

table_classes as (
    select
        top_level_rows.document_id,
        top_level_rows.table_id,
        top_level_rows.table_kind,
        left(top_level_rows.subject_code, 3) as class_code,
        sum(coalesce(top_level_rows.total_amount, 0)) as amount,
        count(*) as term_count,
        arg_min(top_level_rows.source_location, top_level_rows.source_line) as source_location
    from top_level_rows
    group by top_level_rows.document_id, top_level_rows.table_id, top_level_rows.table_kind,
        left(top_level_rows.subject_code, 3)
),

table_sources as (
    select distinct
        table_classes.document_id,
        table_classes.table_id,
        table_classes.table_kind,
        class_table_kinds.source_rank,
        class_table_kinds.scope
    from table_classes
    inner join class_table_kinds
        on class_table_kinds.table_kind = table_classes.table_kind
),

-- every 類 any source of the document mentions, so a 类 a table does not print counts as 0 there
document_classes as (
    select document_id, class_code from table_classes
    union
    select document_id, subject_code as class_code
    from prose
    where fact_key = 'function_amount' and length(subject_code) = 3
),

table_class_grid as (
    select
        table_sources.*,
        document_classes.class_code,
        coalesce(table_classes.amount, 0) as amount,
        coalesce(table_classes.term_count, 1) as term_count,
        coalesce(table_classes.source_location, tables.source_location) as source_location,
        table_classes.class_code is not null as is_printed
    from table_sources
    inner join document_classes
        on document_classes.document_id = table_sources.document_id
    left join table_classes
        on table_classes.document_id = table_sources.document_id
        and table_classes.table_id = table_sources.table_id
        and table_classes.class_code = document_classes.class_code
    left join {{ ref('stg_tables') }} as tables
        on tables.document_id = table_sources.document_id
        and tables.table_id = table_sources.table_id
),

-- a prose 类 statement: each distinct value in a scope once (its first statement)
prose_classes as (
    select
        document_id,
        scope,
        subject_code as class_code,
        value as amount,
        arg_min(source_location, coalesce(source_line, 0)) as source_location
    from prose
    where fact_key = 'function_amount'
        and length(subject_code) = 3
    group by document_id, scope, subject_code, value
),

-- the total of each scope, to decide which scopes coincide
scope_total_sources as (
    select document_id, 'all' as scope, 1 as source_rank, amount, source_line
    from consistent_facts
    where table_kind = 'income_expenditure_summary' and line_item = 'expenditure_total' and column_key = 'total'
    union all
    select document_id, 'all', 2, amount, source_line
    from consistent_facts
    where table_kind = 'expenditure_summary' and line_item = 'table_total' and column_key = 'total'
    union all
    select document_id, 'fiscal', 1, amount, source_line
    from consistent_facts
    where table_kind = 'fiscal_grant_summary' and line_item = 'expenditure_total' and column_key = 'total'
    union all
    select document_id, 'gpb', 1, amount, source_line
    from consistent_facts
    where table_kind = 'gpb_expenditure' and line_item = 'table_total' and column_key = 'total'
    union all
    select document_id, scope, 3, value, source_line
    from prose
    where fact_key = 'total_expenditure'
),

scope_totals as (
    select
        document_id,
        scope,
        arg_min(amount, source_rank * 1000000 + coalesce(source_line, 0)) as total
    from scope_total_sources
    group by document_id, scope
),

scope_pairs as (
    select
        documents.document_id,
        a.scope as scope_a,
        b.scope as scope_b,
        a.scope = b.scope
            or (total_a.total is not null and total_b.total is not null and abs(total_a.total - total_b.total) <= 0.01)
            or (
                list_sort([a.scope, b.scope]) = ['fiscal', 'gpb']
                and (total_a.total is null or total_b.total is null)
            ) as is_comparable,
        total_a.total as total_a,
        total_b.total as total_b
    from (select distinct document_id from {{ ref('stg_documents') }}) as documents
    cross join (values ('all'), ('fiscal'), ('gpb')) as a (scope)
    cross join (values ('all'), ('fiscal'), ('gpb')) as b (scope)
    left join scope_totals as total_a
        on total_a.document_id = documents.document_id and total_a.scope = a.scope
    left join scope_totals as total_b
        on total_b.document_id = documents.document_id and total_b.scope = b.scope
),

primary_class as (
    select
        document_id,
        subject_code as class_code,
        total_amount,
        coalesce(source_table_kind || ' table', 'prose') || ', ' || source_location as source_text
    from function_amounts
    where subject_level = '类'
),

-- every comparable pair of sources for a 类: a table b judged against its peers p — the other tables and the prose
-- statements (prose only counts as support: it breaks a tie between two tables, it is never flagged here)
class_peers as (
    select document_id, class_code, table_id, table_kind, source_rank, scope, amount, term_count, source_location,
        is_printed
    from table_class_grid
    union all
    select document_id, class_code, -1, 'prose', 10, scope, amount, 1, source_location, true
    from prose_classes
),

table_pairs as (
    select
        b.document_id,
        b.class_code,
        b.table_id,
        b.table_kind,
        b.source_rank,
        b.scope,
        b.amount,
        b.term_count,
        b.source_location,
        b.is_printed,
        p.table_kind as peer_kind,
        p.source_rank as peer_rank,
        p.amount as peer_amount,
        p.source_location as peer_location,
        abs(b.amount - p.amount) <= 0.01 * greatest(b.term_count, p.term_count) as agrees
    from table_class_grid as b
    inner join class_peers as p
        on p.document_id = b.document_id
        and p.class_code = b.class_code
        and not (p.table_id = b.table_id and p.table_kind = b.table_kind)
    inner join scope_pairs
        on scope_pairs.document_id = b.document_id
        and scope_pairs.scope_a = b.scope
        and scope_pairs.scope_b = p.scope
    where scope_pairs.is_comparable
        and (b.is_printed or p.is_printed)
),

-- how many sources (b included) agree with b
table_agreement as (
    select
        document_id, class_code, table_id, table_kind, source_rank, scope, amount, term_count, source_location,
        is_printed,
        1 + count(*) filter (where agrees) as agree_count
    from table_pairs
    group by all
),

-- the values of the peers that disagree with b, each with its support and its best-ranked source
table_alternatives as (
    select
        document_id,
        class_code,
        table_id,
        peer_amount as alternative,
        count(*) as support,
        min(peer_rank) as best_rank,
        string_agg(peer_kind || ' ' || peer_location, ', ' order by peer_rank) as alternative_sources
    from table_pairs
    where not agrees
    group by document_id, class_code, table_id, peer_amount
),

-- b is flagged when more comparable sources say something else than agree with it (on a tie: when a
-- higher-ranked table says something else); expected = that other value.  At least one table must disagree.
class_table_vs_table as (
    select
        'function_class_cross_table' as rule,
        table_agreement.document_id,
        table_agreement.table_id,
        table_agreement.table_kind,
        table_agreement.class_code,
        table_agreement.source_location as location,
        best.alternative as expected,
        table_agreement.amount as found,
        table_agreement.term_count,
        '类 ' || table_agreement.class_code || ': ' || table_agreement.table_kind || ' (' || table_agreement.scope
            || ', ' || table_agreement.source_location || ') '
            || {{ fmt_amount('table_agreement.amount') }}
            || case when table_agreement.is_printed then '' else ' (not printed)' end
            || ' vs ' || {{ fmt_amount('best.alternative') }} || ' in ' || best.alternative_sources
            || ' (' || best.support || ' against ' || table_agreement.agree_count || ')' as detail
    from table_agreement
    inner join (
        select
            *,
            row_number() over (
                partition by document_id, class_code, table_id order by support desc, best_rank
            ) as pick
        from table_alternatives
    ) as best
        on best.document_id = table_agreement.document_id
        and best.class_code = table_agreement.class_code
        and best.table_id = table_agreement.table_id
        and best.pick = 1
    where best.best_rank < 10
        and (
            best.support > table_agreement.agree_count
            or (best.support = table_agreement.agree_count and best.best_rank < table_agreement.source_rank)
        )
),

-- a prose 类 statement that no comparable table reproduces; expected = the value most of those tables give
-- (ties: the best-ranked table).  When the tables disagree among themselves that is function_class_cross_table.
prose_table_values as (
    select
        prose_classes.document_id,
        prose_classes.scope,
        prose_classes.class_code,
        prose_classes.amount as prose_amount,
        prose_classes.source_location as prose_location,
        table_class_grid.amount as table_amount,
        count(*) as support,
        min(table_class_grid.source_rank) as best_rank,
        max(table_class_grid.term_count) as term_count,
        arg_min(table_class_grid.table_id, table_class_grid.source_rank) as table_id,
        arg_min(table_class_grid.table_kind, table_class_grid.source_rank) as table_kind,
        string_agg(table_class_grid.table_kind || ' ' || table_class_grid.source_location, ', '
            order by table_class_grid.source_rank) as table_sources,
        bool_or(
            abs(prose_classes.amount - table_class_grid.amount) <= 0.01 * table_class_grid.term_count
        ) as agrees
    from prose_classes
    inner join table_class_grid
        on table_class_grid.document_id = prose_classes.document_id
        and table_class_grid.class_code = prose_classes.class_code
    inner join scope_pairs
        on scope_pairs.document_id = prose_classes.document_id
        and scope_pairs.scope_a = prose_classes.scope
        and scope_pairs.scope_b = table_class_grid.scope
    where scope_pairs.is_comparable
    group by prose_classes.document_id, prose_classes.scope, prose_classes.class_code, prose_classes.amount,
        prose_classes.source_location, table_class_grid.amount
),

class_prose_vs_table as (
    select
        'function_class_prose_vs_table' as rule,
        document_id,
        table_id,
        table_kind,
        class_code,
        prose_location as location,
        table_amount as expected,
        prose_amount as found,
        term_count,
        '类 ' || class_code || ': prose (' || scope || ', ' || prose_location || ') '
            || {{ fmt_amount('prose_amount') }} || ' vs ' || {{ fmt_amount('table_amount') }} || ' in '
            || table_sources as detail
    from (
        select
            *,
            bool_or(agrees) over (
                partition by document_id, scope, class_code, prose_amount, prose_location
            ) as any_table_agrees,
            row_number() over (
                partition by document_id, scope, class_code, prose_amount, prose_location
                order by support desc, best_rank
            ) as pick
        from prose_table_values
    )
    where pick = 1
        and not any_table_agrees
),

class_issues as (
    select
        class_checks.rule,
        class_checks.document_id,
        class_checks.table_id,
        class_checks.table_kind,
        cast(null as varchar) as figure,
        class_checks.class_code as row_key,
        class_checks.location,
        'total' as column_key,
        class_checks.expected,
        class_checks.found,
        0.01 * class_checks.term_count as tolerance,
        '万元' as value_unit,
        class_checks.detail,
        case
            when primary_class.class_code is null
                then 'flagged; 类 ' || class_checks.class_code || ' is not in fct_expenditure_by_function'
            else 'flagged; fct_expenditure_by_function shows 类 ' || class_checks.class_code || ' = '
                || {{ fmt_amount('primary_class.total_amount') }} || ' from ' || primary_class.source_text
        end as resolution
    from (
        select * from class_table_vs_table
        union all
        select * from class_prose_vs_table
    ) as class_checks
    left join primary_class
        on primary_class.document_id = class_checks.document_id
        and primary_class.class_code = class_checks.class_code
    where abs(class_checks.found - class_checks.expected) > 0.01 * class_checks.term_count
),

-- ================================================================ 一般公共预算基本支出表 vs 一般公共预算支出表
gpb_basic_totals as (
    select document_id, table_id, table_kind, amount, source_location
    from consistent_facts
    where table_kind = 'gpb_basic_expenditure' and line_item = 'table_total' and column_key = 'total'
),

gpb_expenditure_basic as (
    select document_id, table_id, amount, source_location
    from consistent_facts
    where table_kind = 'gpb_expenditure' and line_item = 'table_total' and column_key = 'basic'
),

gpb_basic_issues as (
    select
        'gpb_basic_total_vs_gpb_expenditure' as rule,
        gpb_basic_totals.document_id,
        gpb_basic_totals.table_id,
        gpb_basic_totals.table_kind,
        'basic_expenditure' as figure,
        'table_total' as row_key,
        gpb_basic_totals.source_location as location,
        'total' as column_key,
        gpb_expenditure_basic.amount as expected,
        gpb_basic_totals.amount as found,
        0.01 as tolerance,
        '万元' as value_unit,
        '一般公共预算基本支出表 合计 ' || {{ fmt_amount('gpb_basic_totals.amount') }} || ' ('
            || gpb_basic_totals.source_location || ') vs 一般公共预算支出表 合计/基本支出 '
            || {{ fmt_amount('gpb_expenditure_basic.amount') }} || ' (' || gpb_expenditure_basic.source_location
            || ')' as detail,
        'flagged; basic_expenditure uses ' || coalesce(figures.source_description, 'no source') as resolution
    from gpb_basic_totals
    inner join gpb_expenditure_basic
        on gpb_expenditure_basic.document_id = gpb_basic_totals.document_id
    left join figures
        on figures.document_id = gpb_basic_totals.document_id
        and figures.figure = 'basic_expenditure'
    where abs(gpb_basic_totals.amount - gpb_expenditure_basic.amount) > 0.01
),

-- ================================================================ 实有 = 在职 + 离退休
staff_facts as (
    select document_id, fact_key, value, section, source_line, source_location
    from prose
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
        part.source_location as part_location,
        row_number() over (
            partition by actual.document_id, actual.section, actual.source_line, actual.value, part.fact_key
            order by abs(coalesce(part.source_line, 0) - coalesce(actual.source_line, 0)),
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
        'headcount_components' as rule,
        staff_triples.document_id,
        cast(null as integer) as table_id,
        cast(null as varchar) as table_kind,
        'staff_actual' as figure,
        cast(null as varchar) as row_key,
        staff_triples.source_location as location,
        cast(null as varchar) as column_key,
        staff_triples.in_service_value + staff_triples.retired_value as expected,
        staff_triples.actual_value as found,
        0 as tolerance,
        '人' as value_unit,
        'section “' || staff_triples.section || '”: 实有 ' || {{ fmt_amount('staff_triples.actual_value') }}
            || ' vs 在职 ' || {{ fmt_amount('staff_triples.in_service_value') }} || ' + 离退休 '
            || {{ fmt_amount('staff_triples.retired_value') }} as detail,
        'flagged; in_service_staff uses ' || coalesce(
            {{ fmt_amount('in_service.value') }} || ' from ' || in_service.source_description, 'no in-service count'
        ) as resolution
    from staff_triples
    left join figures as in_service
        on in_service.document_id = staff_triples.document_id
        and in_service.figure = 'staff_in_service'
    where staff_triples.in_service_value is not null
        and staff_triples.retired_value is not null
        and staff_triples.actual_value <> staff_triples.in_service_value + staff_triples.retired_value
),

-- ================================================================ stated shares
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
    select * from (values
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
            partition by shares.document_id, shares.fact_key, shares.subject_code, shares.scope, shares.source_line,
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
    select document_id, scope, sum(amount) as amount, count(*) as class_count
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
    select shares_total.document_id, shares_total.scope, 'total' as family, figures.value as denominator,
        'chosen total_expenditure' as denominator_source
    from (select distinct document_id, scope from shares) as shares_total
    inner join figures
        on figures.document_id = shares_total.document_id and figures.figure = 'total_expenditure'
    union all
    -- eligible table totals of the share's scope (prose totals follow)
    select shares_total.document_id, shares_total.scope, 'total', candidates.value,
        candidates.table_kind || ' table total, ' || candidates.source_location
    from (select distinct document_id, scope from shares) as shares_total
    inner join candidates
        on candidates.document_id = shares_total.document_id
        and candidates.figure = 'total_expenditure'
        and candidates.source_kind = 'table'
        and candidates.is_eligible
        and candidates.source_scope = shares_total.scope
    union all
    -- prose totals of the share's scope
    select document_id, scope, 'total', value, 'prose total (' || scope || '), ' || source_location
    from prose
    where fact_key = 'total_expenditure'
    union all
    -- the sum of the same-scope prose 类 amounts
    select document_id, scope, 'total', amount, 'sum of ' || class_count || ' prose 类 amounts (' || scope || ')'
    from same_scope_prose_classes
    union all
    -- the fiscal / gpb table totals, for fiscal and gpb shares
    select consistent_facts.document_id, share_scope.scope, 'total', consistent_facts.amount,
        consistent_facts.table_kind || ' table total, ' || consistent_facts.source_location
    from consistent_facts
    cross join (values ('fiscal'), ('gpb')) as share_scope (scope)
    where consistent_facts.column_key = 'total'
        and (
            (consistent_facts.table_kind = 'gpb_expenditure' and consistent_facts.line_item = 'table_total')
            or (consistent_facts.table_kind = 'fiscal_grant_summary'
                and consistent_facts.line_item = 'expenditure_total')
        )
    union all
    -- family basic: any eligible basic-spending candidate
    select candidates.document_id, share_scope.scope, 'basic', candidates.value,
        coalesce(candidates.table_kind || ' table', 'prose') || ' basic, ' || candidates.source_location
    from candidates
    cross join (values ('all'), ('fiscal'), ('gpb')) as share_scope (scope)
    where candidates.figure = 'basic_expenditure' and candidates.is_eligible
    union all
    -- …or the 一般公共预算基本支出表 total
    select consistent_facts.document_id, share_scope.scope, 'basic', consistent_facts.amount,
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

share_issues as (
    select
        'stated_share_mismatch' as rule,
        document_id,
        cast(null as integer) as table_id,
        cast(null as varchar) as table_kind,
        fact_key as figure,
        subject_code as row_key,
        source_location as location,
        cast(null as varchar) as column_key,
        nearest_computed as expected,
        printed as found,
        share_tolerance as tolerance,
        '%' as value_unit,
        fact_key || coalesce(' ' || subject_code, '') || ' (' || scope || '): printed '
            || {{ fmt_amount('printed') }} || '% of ' || {{ fmt_amount('numerator') }}
            || ' 万元; nearest computed ' || {{ fmt_amount('round(nearest_computed, 4)') }} || '% (denominator '
            || {{ fmt_amount('nearest_denominator') }} || '); denominators tried: ' || denominators_tried as detail,
        'flagged; unit_metrics computes shares from the chosen figures, the printed share is not used' as resolution
    from share_results
    where not is_reproduced
),

-- ================================================================ 决算
tables as (
    select * from {{ ref('stg_tables') }}
),

final_documents as (
    select document_id, fiscal_year
    from {{ ref('stg_documents') }}
    where document_kind like '%决算'
),

final_prose as (
    select prose.*
    from prose
    inner join final_documents using (document_id)
),

final_kinds as (
    select * from (values
        ('final_income_expenditure_summary', '收入支出决算总表'),
        ('final_income', '收入决算表'),
        ('final_expenditure', '支出决算表'),
        ('final_fiscal_grant_summary', '财政拨款收入支出决算总表'),
        ('final_gpb_expenditure', '一般公共预算财政拨款支出决算表'),
        ('final_gpb_basic_expenditure', '一般公共预算财政拨款基本支出决算表'),
        ('final_three_public', '财政拨款“三公”经费支出决算表'),
        ('final_gov_fund', '政府性基金预算财政拨款收入支出决算表'),
        ('final_state_capital', '国有资本经营预算财政拨款收入支出决算表')
    ) as kinds (table_kind, title)
),

missing_table_issues as (
    select
        'final_table_missing' as rule,
        final_documents.document_id,
        cast(null as integer) as table_id,
        final_kinds.table_kind,
        cast(null as varchar) as figure,
        final_kinds.table_kind as row_key,
        '' as location,
        cast(null as varchar) as column_key,
        1 as expected,
        0 as found,
        0 as tolerance,
        '表' as value_unit,
        '决算 table not printed: ' || final_kinds.title as detail,
        'flagged; the figures it would give are taken from the other tables and the prose' as resolution
    from final_documents
    cross join final_kinds
    where not exists (
        select 1 from tables
        where tables.document_id = final_documents.document_id
            and tables.table_kind = final_kinds.table_kind
    )
),

final_prose_table_pairs as (
    select * from (values
        ('grand_total', 'all', 'final_income_expenditure_summary', 'income_total'),
        ('grand_total', 'fiscal', 'final_fiscal_grant_summary', 'income_total'),
        ('income_current_total', 'all', 'final_income_expenditure_summary', 'income_current_total'),
        ('expenditure_current_total', 'all', 'final_income_expenditure_summary', 'expenditure_current_total'),
        ('expenditure_current_total', 'gpb', 'final_gpb_expenditure', 'table_total')
    ) as pairs (fact_key, scope, table_kind, line_item)
),

final_table_values as (
    select
        facts.document_id,
        facts.table_kind,
        facts.line_item,
        max(facts.amount) as amount,
        min(facts.source_location) as source_location
    from facts
    where facts.column_key = 'total'
        and facts.table_kind in (select table_kind from final_prose_table_pairs)
    group by facts.document_id, facts.table_id, facts.table_kind, facts.line_item
),

final_prose_issues as (
    select
        'final_prose_vs_table' as rule,
        final_prose.document_id,
        cast(null as integer) as table_id,
        pairs.table_kind,
        final_prose.fact_key as figure,
        pairs.line_item as row_key,
        final_prose.source_location as location,
        'total' as column_key,
        final_table_values.amount as expected,
        final_prose.value as found,
        0.01 as tolerance,
        '万元' as value_unit,
        final_prose.fact_key || ' (' || final_prose.scope || '): prose ' || {{ fmt_amount('final_prose.value') }}
            || ' (“' || left(final_prose.sentence, 60) || '”) vs ' || pairs.table_kind || ' ' || pairs.line_item
            || ' ' || {{ fmt_amount('final_table_values.amount') }} || ' (' || final_table_values.source_location
            || ')' as detail,
        'flagged; the table value is used' as resolution
    from final_prose
    inner join final_prose_table_pairs as pairs
        on pairs.fact_key = final_prose.fact_key
        and pairs.scope = final_prose.scope
    inner join final_table_values
        on final_table_values.document_id = final_prose.document_id
        and final_table_values.table_kind = pairs.table_kind
        and final_table_values.line_item = pairs.line_item
    where abs(final_prose.value - final_table_values.amount) > 0.01
),

-- a statement's figures: the facts read from one statement share its sentence (and subject)
statement_figures as (
    select
        rates.document_id,
        rates.fact_key,
        rates.subject_code,
        rates.value as printed,
        rates.source_location,
        rates.sentence,
        max(finals.value) as final,
        max(budgets.value) filter (where budgets.fact_key in ('execution_budget', regexp_replace(rates.fact_key,
            '_rate$', '_budget'))) as budget,
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
        and budgets.fact_key in ('execution_budget', 'execution_budget_adjusted',
            regexp_replace(rates.fact_key, '_rate$', '_budget'))
    where rates.fact_key = 'execution_rate' or rates.fact_key like 'three_public%_rate'
    group by all
),

rate_checks as (
    select
        *,
        case when printed = round(printed) then 1 else 0.01 end as rate_tolerance,
        case when budget <> 0 then 100 * final / budget end as computed,
        case when budget_adjusted <> 0 then 100 * final / budget_adjusted end as computed_adjusted
    from statement_figures
    where coalesce(budget, 0) <> 0 or coalesce(budget_adjusted, 0) <> 0
),

rate_issues as (
    select
        'completion_rate_stated' as rule,
        document_id,
        cast(null as integer) as table_id,
        cast(null as varchar) as table_kind,
        fact_key as figure,
        subject_code as row_key,
        source_location as location,
        cast(null as varchar) as column_key,
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
            (budgets.subject_code is not distinct from directions.subject_code
                and budgets.fact_key in ('execution_budget', 'execution_budget_adjusted'))
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

direction_issues as (
    select
        'execution_direction_stated' as rule,
        document_id,
        cast(null as integer) as table_id,
        cast(null as varchar) as table_kind,
        'execution_stated_direction' as figure,
        subject_code as row_key,
        source_location as location,
        cast(null as varchar) as column_key,
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

three_public_table_budget as (
    select
        tables.document_id,
        tables.table_id,
        tables.source_location,
        coalesce(sum(facts.amount) filter (where facts.line_item = 'three_public_total'), 0) as budget
    from tables
    inner join final_documents using (document_id)
    left join facts
        on facts.document_id = tables.document_id
        and facts.table_id = tables.table_id
        and facts.column_key = 'budget'
    where tables.table_kind = 'final_three_public'
    group by tables.document_id, tables.table_id, tables.source_location
),

three_public_budget_issues as (
    select
        'three_public_budget_vs_table' as rule,
        final_prose.document_id,
        three_public_table_budget.table_id,
        'final_three_public' as table_kind,
        'three_public_total_budget' as figure,
        'three_public_total' as row_key,
        final_prose.source_location as location,
        'budget' as column_key,
        three_public_table_budget.budget as expected,
        final_prose.value as found,
        0.01 as tolerance,
        '万元' as value_unit,
        '“三公” 年初预算: prose ' || {{ fmt_amount('final_prose.value') }} || ' vs the 预算数 of the “三公” 决算表 ('
            || three_public_table_budget.source_location || ') ' || {{ fmt_amount('three_public_table_budget.budget') }}
            as detail,
        'flagged; budget_execution takes the table''s 预算数 where it prints one, else the prose' as resolution
    from final_prose
    inner join three_public_table_budget
        on three_public_table_budget.document_id = final_prose.document_id
    where final_prose.fact_key = 'three_public_total_budget'
        and abs(final_prose.value - three_public_table_budget.budget) > 0.01
),

stated_year_issues as (
    select
        'stated_year_vs_fiscal_year' as rule,
        final_prose.document_id,
        cast(null as integer) as table_id,
        cast(null as varchar) as table_kind,
        'stated_year' as figure,
        cast(null as varchar) as row_key,
        final_prose.source_location as location,
        cast(null as varchar) as column_key,
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

placeholder_issues as (
    select
        'template_placeholder_left' as rule,
        document_id,
        cast(null as integer) as table_id,
        cast(null as varchar) as table_kind,
        'template_placeholder' as figure,
        cast(null as varchar) as row_key,
        source_location as location,
        cast(null as varchar) as column_key,
        0 as expected,
        value as found,
        0 as tolerance,
        '处' as value_unit,
        'template placeholder left in: “' || left(sentence, 80) || '”' as detail,
        'flagged; nothing is read from the placeholder' as resolution
    from final_prose
    where fact_key = 'template_placeholder'
),

loaded_budget_issues as (
    select
        'final_budget_vs_loaded_budget' as rule,
        document_id,
        cast(null as integer) as table_id,
        cast(null as varchar) as table_kind,
        figure,
        cast(null as varchar) as row_key,
        '' as location,
        cast(null as varchar) as column_key,
        loaded_budget_amount as expected,
        stated_budget_amount as found,
        0.01 as tolerance,
        '万元' as value_unit,
        figure || ': the 决算 states 预算数 ' || {{ fmt_amount('stated_budget_amount') }} || ', the loaded 预算 ('
            || budget_document_id || ') ' || {{ fmt_amount('loaded_budget_amount') }} as detail,
        'budget_execution uses the loaded 预算 (' || budget_document_id || '); the 决算''s own 预算数 is the '
            || 'adjusted budget' as resolution
    from {{ ref('int_budget_execution') }}
    where budget_differs
),

-- ================================================================ all
unioned as (
    select * from class_issues
    union all
    select * from gpb_basic_issues
    union all
    select * from headcount_issues
    union all
    select * from share_issues
    union all
    select * from missing_table_issues
    union all
    select * from final_prose_issues
    union all
    select * from rate_issues
    union all
    select * from direction_issues
    union all
    select * from three_public_budget_issues
    union all
    select * from stated_year_issues
    union all
    select * from placeholder_issues
    union all
    select * from loaded_budget_issues
),

final as (
    select
        {{ check_firing_columns() }}
    from unioned
)

select * from final
