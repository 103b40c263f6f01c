-- A function 类 total read from two sources of one document disagrees (int_function_class_sources; which scopes
-- are comparable: int_scope_pairs). Tolerance: money_tolerance per term summed on the side with more terms.
--   function_class_cross_table     a table is flagged when more comparable sources give another value than agree
--                                  with it (on a tie, when a higher-ranked table disagrees): one issue per deviating
--                                  table and 类; expected = the other value, found = the table's. Prose statements
--                                  only count as support (they break a tie), they are never flagged here.
--   function_class_prose_vs_table  a prose 类 statement that no comparable table reproduces; expected = the value
--                                  most of those tables give (ties: the best-ranked table), found = the prose.

with

sources as (
    select * from {{ ref('int_function_class_sources') }}
),

table_sources as (
    select * from sources where source_kind = 'table'
),

prose_sources as (
    select * from sources where source_kind = 'prose'
),

scope_pairs as (
    select * from {{ ref('int_scope_pairs') }} where is_comparable
),

-- the 类 of fct_expenditure_by_function, for the resolution
primary_class as (
    select
        document_id,
        subject_code as class_code,
        total_amount,
        coalesce(source_table_kind || ' table', 'prose') || ', ' || source_location as source_text
    from {{ ref('int_function_amounts') }}
    where subject_level = '类'
),

-- a table b judged against every comparable peer p (the other tables and the prose statements)
table_pairs as (
    select
        b.*,
        p.table_kind as peer_kind,
        p.source_rank as peer_rank,
        p.amount as peer_amount,
        p.source_location as peer_location,
        abs(b.amount - p.amount) <= {{ var('money_tolerance') }} * greatest(b.term_count, p.term_count) as agrees
    from table_sources as b
    inner join sources as p
        on p.document_id = b.document_id
            and p.class_code = b.class_code
            and not (p.table_id = b.table_id and p.table_kind = b.table_kind)
    inner join scope_pairs
        on scope_pairs.document_id = b.document_id
            and scope_pairs.scope_a = b.scope
            and scope_pairs.scope_b = p.scope
    where b.is_printed or p.is_printed
),

-- how many sources (b included) agree with b
table_agreement as (
    select
        document_id,
        class_code,
        table_id,
        table_kind,
        source_rank,
        scope,
        amount,
        term_count,
        source_location,
        is_printed,
        1 + count(*) filter (where agrees) as agree_count
    from table_pairs
    group by all
),

-- the values of the peers that disagree with b, each with its support and its best-ranked source; best first
table_alternatives as (
    select
        *,
        row_number() over (partition by document_id, class_code, table_id order by support desc, best_rank) as pick
    from (
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
    )
),

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
    inner join table_alternatives as best
        on best.document_id = table_agreement.document_id
            and best.class_code = table_agreement.class_code
            and best.table_id = table_agreement.table_id
            and best.pick = 1
    where best.best_rank < 10  -- at least one table disagrees
        and (
            best.support > table_agreement.agree_count
            or (best.support = table_agreement.agree_count and best.best_rank < table_agreement.source_rank)
        )
),

-- per prose statement × table value: the tables giving that value
prose_table_values as (
    select
        prose_sources.document_id,
        prose_sources.scope,
        prose_sources.class_code,
        prose_sources.amount as prose_amount,
        prose_sources.source_location as prose_location,
        table_sources.amount as table_amount,
        count(*) as support,
        min(table_sources.source_rank) as best_rank,
        max(table_sources.term_count) as term_count,
        arg_min(table_sources.table_id, table_sources.source_rank) as table_id,
        arg_min(table_sources.table_kind, table_sources.source_rank) as table_kind,
        string_agg(
            table_sources.table_kind || ' ' || table_sources.source_location, ', '
            order by table_sources.source_rank
        ) as table_sources,
        bool_or(
            abs(prose_sources.amount - table_sources.amount)
            <= {{ var('money_tolerance') }} * table_sources.term_count
        ) as agrees
    from prose_sources
    inner join table_sources
        on table_sources.document_id = prose_sources.document_id
            and table_sources.class_code = prose_sources.class_code
    inner join scope_pairs
        on scope_pairs.document_id = prose_sources.document_id
            and scope_pairs.scope_a = prose_sources.scope
            and scope_pairs.scope_b = table_sources.scope
    group by
        prose_sources.document_id, prose_sources.scope, prose_sources.class_code, prose_sources.amount,
        prose_sources.source_location, table_sources.amount
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

class_checks as (
    select * from class_table_vs_table
    union all
    select * from class_prose_vs_table
),

final as (
    select
        {{ issue_row(
            'rule', 'table_id', 'table_kind', 'location', 'expected', 'found', 'detail',
            document_id='class_checks.document_id',
            row_key='class_checks.class_code',
            column_key="'total'",
            tolerance=var('money_tolerance') ~ ' * class_checks.term_count',
            value_unit="'万元'",
            resolution="case
                when primary_class.class_code is null
                    then 'flagged; 类 ' || class_checks.class_code || ' is not in fct_expenditure_by_function'
                else 'flagged; fct_expenditure_by_function shows 类 ' || class_checks.class_code || ' = '
                    || " ~ fmt_amount('primary_class.total_amount') ~ " || ' from ' || primary_class.source_text
            end"
        ) }}
    from class_checks
    left join primary_class
        on primary_class.document_id = class_checks.document_id
            and primary_class.class_code = class_checks.class_code
    where abs(class_checks.found - class_checks.expected) > {{ var('money_tolerance') }} * class_checks.term_count
)

select * from final
