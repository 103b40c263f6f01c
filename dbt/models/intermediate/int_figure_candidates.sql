-- One row per document × figure × candidate source: every place a unit-level figure can be read from.
--
-- precedence: lower wins (see docs/data_model.md).  A candidate from a table that failed a check
-- (int_table_consistency) is kept here with from_consistent_table = false and is_eligible = false: it is
-- never chosen and never counted in a conflict.  Prose candidates are always eligible.
-- source_scope: what the amount covers — a table's table_kinds.figure_scope: all (the whole budget: 收支总表,
-- 支出总表, prose scope all), gpb (一般公共预算 tables and prose), fiscal (财政拨款收支总表, prose scope fiscal).
-- is_comparable: for the scope-bound figures (figures.scope_bound: total/basic/project/reserve) only
-- whole-budget candidates (scope all) are compared with each other; for every other figure all candidates are.
-- The rules (which row, column or prose fact gives which figure, at which precedence) are the seed figure_rules.

{{ config(**incremental_by_document()) }}

with

facts as (
    select * from {{ ref('stg_table_facts') }}
    where {{ stale_documents_only('document_id') }}
),

tables as (
    select * from {{ ref('stg_tables') }}
    where {{ stale_documents_only('document_id') }}
),

consistency as (
    select * from {{ ref('int_table_consistency') }}
    where {{ stale_documents_only('document_id') }}
),

-- prose read by OCR is never a candidate: a misread digit in a sentence has no sum to catch it (docs/ocr.md)
prose as (
    select * from {{ ref('stg_prose_facts') }}
    where {{ stale_documents_only('document_id') }}
        and source_method is distinct from 'ocr'
),

table_kinds as (
    select * from {{ ref('table_kinds') }}
),

-- ---------------------------------------------------------------- rules (seed figure_rules)
-- table rows: a row is matched by its line_item, or (for wage_welfare) by its economic subject code
table_rules as (
    select
        figure,
        precedence,
        table_kind,
        line_item,
        subject_code,
        column_key
    from {{ ref('figure_rules') }}
    where source_kind = 'table'
),

-- prose facts: scope NULL = any scope
prose_rules as (
    select
        figure,
        precedence,
        fact_key,
        prose_scope as scope
    from {{ ref('figure_rules') }}
    where source_kind = 'prose'
),

three_public_parts as (
    select * from (
        values
        ('three_public_total'),
        ('three_public_outbound'),
        ('three_public_reception'),
        ('three_public_vehicle'),
        ('three_public_vehicle_purchase'),
        ('three_public_vehicle_operation')
    ) as parts (line_item)
),

-- ---------------------------------------------------------------- table candidates
table_printed as (
    select
        table_rules.figure,
        table_rules.precedence,
        facts.document_id,
        'table' as source_kind,
        facts.table_id,
        facts.table_kind,
        facts.column_key,
        coalesce(facts.line_item, facts.subject_code) as line_item,
        cast(null as varchar) as prose_fact_key,
        cast(null as varchar) as prose_scope,
        facts.amount as value,
        facts.source_location,
        facts.source_line,
        facts.source_page,
        'printed' as derivation
    from table_rules
    inner join facts
        on facts.table_kind = table_rules.table_kind
            and facts.column_key = table_rules.column_key
            and (
                facts.line_item = table_rules.line_item
                or (
                    table_rules.line_item is null
                    and facts.subject_system = 'economic'
                    and facts.subject_code = table_rules.subject_code
                )
            )
),

-- staffing table without a total row: the sum of its rows
staffing_sum as (
    select
        'staff_in_service' as figure,
        3 as precedence,
        facts.document_id,
        'table' as source_kind,
        facts.table_id,
        facts.table_kind,
        'in_service' as column_key,
        'sum of rows' as line_item,
        cast(null as varchar) as prose_fact_key,
        cast(null as varchar) as prose_scope,
        sum(facts.amount) as value,
        min(facts.source_location) as source_location,
        min(facts.source_line) as source_line,
        min(facts.source_page) as source_page,
        'sum of ' || count(*) || ' rows' as derivation
    from facts
    inner join table_kinds
        on table_kinds.table_kind = facts.table_kind
    where table_kinds.shape = 'staffing'
        and facts.column_key = 'in_service'
        and coalesce(facts.line_item, '') <> 'table_total'
    group by facts.document_id, facts.table_id, facts.table_kind
),

-- a “三公” table with no amounts means 0 for every part; in a table that prints its total, a blank part is 0
-- (the vehicle subtotal only when neither of its own parts is printed either)
three_public_zero as (
    select
        three_public_parts.line_item as figure,
        1 as precedence,
        tables.document_id,
        'table' as source_kind,
        tables.table_id,
        tables.table_kind,
        'total' as column_key,
        three_public_parts.line_item,
        cast(null as varchar) as prose_fact_key,
        cast(null as varchar) as prose_scope,
        0 as value,
        tables.source_location,
        tables.start_line as source_line,
        tables.start_page as source_page,
        case when tables.is_empty then 'empty table' else 'blank cell' end as derivation
    from tables
    inner join table_kinds
        on table_kinds.table_kind = tables.table_kind
    cross join three_public_parts
    where table_kinds.shape = 'three_public'
        and not exists (
            select 1 from facts
            where facts.document_id = tables.document_id
                and facts.table_id = tables.table_id
                and facts.line_item = three_public_parts.line_item
                and facts.column_key = 'total'
        )
        and (
            tables.is_empty
            -- a 决算's “三公” table that prints its 预算数 row: a blank 决算数 cell is 0
            or (
                table_kinds.document_kind = '决算'
                and exists (
                    select 1 from facts
                    where facts.document_id = tables.document_id
                        and facts.table_id = tables.table_id
                        and facts.column_key = 'budget'
                )
            )
            or (
                exists (
                    select 1 from facts
                    where facts.document_id = tables.document_id
                        and facts.table_id = tables.table_id
                        and facts.line_item = 'three_public_total'
                        and facts.column_key = 'total'
                )
                and (
                    three_public_parts.line_item <> 'three_public_vehicle'
                    or not exists (
                        select 1 from facts
                        where facts.document_id = tables.document_id
                            and facts.table_id = tables.table_id
                            and facts.line_item in ('three_public_vehicle_purchase', 'three_public_vehicle_operation')
                            and facts.column_key = 'total'
                    )
                )
            )
        )
),

-- project / reserve are 0 in a table whose total row has no such amount and whose total = the other parts
-- (the kinds that give the breakdown: table_kinds.breakdown_precedence, the candidate's precedence)
basic_table_totals as (
    select
        facts.document_id,
        facts.table_id,
        facts.table_kind,
        table_kinds.breakdown_precedence as precedence,
        min(facts.source_location) as source_location,
        min(facts.source_line) as source_line,
        min(facts.source_page) as source_page,
        max(facts.amount) filter (where facts.column_key = 'total') as c_total,
        max(facts.amount) filter (where facts.column_key = 'basic') as c_basic,
        max(facts.amount) filter (where facts.column_key = 'project') as c_project,
        max(facts.amount) filter (where facts.column_key = 'reserve') as c_reserve
    from facts
    inner join table_kinds
        on table_kinds.table_kind = facts.table_kind
    where table_kinds.breakdown_precedence is not null
        and facts.line_item = 'table_total'
    group by facts.document_id, facts.table_id, facts.table_kind, table_kinds.breakdown_precedence
),

implied_zero as (
    select
        'project_expenditure' as figure,
        precedence,
        document_id,
        'table' as source_kind,
        table_id,
        table_kind,
        'project' as column_key,
        'table_total' as line_item,
        cast(null as varchar) as prose_fact_key,
        cast(null as varchar) as prose_scope,
        0 as value,
        source_location,
        source_line,
        source_page,
        'no project amount in table; total = basic' as derivation
    from basic_table_totals
    where c_project is null
        and c_basic is not null
        and c_total is not null
        and abs(c_total - c_basic - coalesce(c_reserve, 0)) <= 2 * {{ var('money_tolerance') }}  -- two terms

    union all

    select
        'reserve_expenditure' as figure,
        precedence,
        document_id,
        'table' as source_kind,
        table_id,
        table_kind,
        'reserve' as column_key,
        'table_total' as line_item,
        cast(null as varchar) as prose_fact_key,
        cast(null as varchar) as prose_scope,
        0 as value,
        source_location,
        source_line,
        source_page,
        'no reserve amount in table; total = basic + project' as derivation
    from basic_table_totals
    where c_reserve is null
        and c_basic is not null
        and c_total is not null
        and abs(c_total - c_basic - coalesce(c_project, 0)) <= 2 * {{ var('money_tolerance') }}  -- two terms
),

table_candidates as (
    select * from table_printed
    union all
    select * from staffing_sum
    union all
    select * from three_public_zero
    union all
    select * from implied_zero
),

-- ---------------------------------------------------------------- prose candidates
prose_matches as (
    select
        prose_rules.figure,
        prose_rules.precedence,
        prose.document_id,
        'prose' as source_kind,
        cast(null as integer) as table_id,
        cast(null as varchar) as table_kind,
        cast(null as varchar) as column_key,
        cast(null as varchar) as line_item,
        prose.fact_key as prose_fact_key,
        prose.scope as prose_scope,
        prose.value,
        prose.source_location,
        prose.source_line,
        prose.source_page,
        'printed' as derivation,
        -- the same value stated again in the same scope is one candidate (its first statement)
        row_number() over (
            partition by prose_rules.figure, prose_rules.precedence, prose.document_id, prose.scope, prose.value
            order by prose.source_page nulls first, prose.source_line nulls first
        ) as statement_number
    from prose_rules
    inner join prose
        on prose.fact_key = prose_rules.fact_key
            and (prose_rules.scope is null or prose.scope = prose_rules.scope)
),

prose_candidates as (
    select * exclude (statement_number)
    from prose_matches
    where statement_number = 1
),

-- ---------------------------------------------------------------- all
unioned as (
    select * from table_candidates
    union all
    select * from prose_candidates
),

final as (
    select
        md5(concat_ws(
            '|',
            unioned.document_id, unioned.figure, unioned.source_kind, unioned.precedence,
            unioned.table_id, unioned.column_key, unioned.line_item, unioned.prose_fact_key,
            unioned.prose_scope, unioned.source_location, unioned.value, unioned.derivation
        )) as candidate_id,
        unioned.document_id,
        unioned.figure,
        {{ money('unioned.value') }} as value,
        unioned.source_kind,
        unioned.table_id,
        unioned.table_kind,
        unioned.column_key,
        unioned.line_item,
        unioned.prose_fact_key,
        unioned.prose_scope,
        cast(unioned.precedence as integer) as precedence,
        unioned.source_location,
        unioned.source_line,
        unioned.source_page,
        unioned.derivation,
        case when unioned.source_kind = 'table' then coalesce(consistency.is_consistent, false) end
            as from_consistent_table,
        unioned.source_kind = 'prose' or coalesce(consistency.is_consistent, false) as is_eligible,
        scoped.source_scope,
        scoped.source_scope = 'all' or not coalesce(figures.scope_bound, false) as is_comparable
    from unioned
    left join table_kinds
        on table_kinds.table_kind = unioned.table_kind
    left join {{ ref('figures') }} as figures
        on figures.figure = unioned.figure
    cross join
        lateral (
            select
                case
                    when unioned.source_kind = 'prose' then unioned.prose_scope
                    else table_kinds.figure_scope
                end as source_scope
        ) as scoped
    left join consistency
        on consistency.document_id = unioned.document_id
            and consistency.table_id = unioned.table_id
    -- the same value read twice from one place (two rows of one table mapped to one line item, as a 决算's
    -- “三公” table prints 预算数 and 决算数 rows) is one candidate: candidate_id stays a key whatever a document prints
    qualify row_number() over (partition by candidate_id order by unioned.source_line nulls last) = 1
)

select * from final
