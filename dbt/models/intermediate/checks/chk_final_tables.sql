-- 决算 (final accounts; docs/final_accounts.md), documents whose document_kind is a 决算: its tables and its
-- budget vs another source.
--   final_table_missing            one of the nine tables of the 决算 family is not printed at all (expected 1
--                                  table, found 0); a table printed empty with its note (本部门无…) counts as printed
--   final_prose_vs_table           a total stated in the prose vs the table that prints it: 收入支出总计 (scope all:
--                                  收入支出决算总表 总计; scope fiscal: 财政拨款收入支出决算总表 总计), 本年收入合计,
--                                  本年支出合计 (收入支出决算总表), 一般公共预算财政拨款支出 (一般公共预算财政拨款支出
--                                  决算表 合计); tolerance money_tolerance
--   three_public_budget_vs_table   the “三公” 年初预算 stated in the prose vs the 预算数 of the “三公” 决算表 (a blank
--                                  cell of a printed table is 0)
--   final_budget_vs_loaded_budget  the 决算's own 预算数 vs the loaded 预算 of the same unit and year
--                                  (int_budget_execution): budgets are adjusted during the year; the issue says which
--                                  one marts.budget_execution used

with

facts as (
    select * from {{ ref('stg_table_facts') }}
),

tables as (
    select * from {{ ref('stg_tables') }}
),

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

final_kinds as (
    select * from (
        values
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

missing_table_firings as (
    select
        'final_table_missing' as rule,
        final_documents.document_id,
        final_kinds.table_kind,
        final_kinds.table_kind as row_key,
        '' as location,
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

missing_table_issues as (
    select
        {{ issue_row(
            'rule', 'document_id', 'table_kind', 'row_key', 'location', 'expected', 'found', 'tolerance',
            'value_unit', 'detail', 'resolution'
        ) }}
    from missing_table_firings
),

final_prose_table_pairs as (
    select * from (
        values
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

final_prose_firings as (
    select
        'final_prose_vs_table' as rule,
        final_prose.document_id,
        pairs.table_kind,
        final_prose.fact_key as figure,
        pairs.line_item as row_key,
        final_prose.source_location as location,
        'total' as column_key,
        final_table_values.amount as expected,
        final_prose.value as found,
        {{ var('money_tolerance') }} as tolerance,
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
    where abs(final_prose.value - final_table_values.amount) > {{ var('money_tolerance') }}
),

final_prose_issues as (
    select
        {{ issue_row(
            'rule', 'document_id', 'table_kind', 'figure', 'row_key', 'location', 'column_key', 'expected',
            'found', 'tolerance', 'value_unit', 'detail', 'resolution'
        ) }}
    from final_prose_firings
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

three_public_budget_firings as (
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
        {{ var('money_tolerance') }} as tolerance,
        '万元' as value_unit,
        '“三公” 年初预算: prose ' || {{ fmt_amount('final_prose.value') }} || ' vs the 预算数 of the “三公” 决算表 ('
        || three_public_table_budget.source_location || ') ' || {{ fmt_amount('three_public_table_budget.budget') }}
            as detail,
        'flagged; budget_execution takes the table''s 预算数 where it prints one, else the prose' as resolution
    from final_prose
    inner join three_public_table_budget
        on three_public_table_budget.document_id = final_prose.document_id
    where final_prose.fact_key = 'three_public_total_budget'
        and abs(final_prose.value - three_public_table_budget.budget) > {{ var('money_tolerance') }}
),

three_public_budget_issues as (
    select
        {{ issue_row(
            'rule', 'document_id', 'table_id', 'table_kind', 'figure', 'row_key', 'location', 'column_key',
            'expected', 'found', 'tolerance', 'value_unit', 'detail', 'resolution'
        ) }}
    from three_public_budget_firings
),

loaded_budget_firings as (
    select
        'final_budget_vs_loaded_budget' as rule,
        document_id,
        figure,
        '' as location,
        loaded_budget_amount as expected,
        stated_budget_amount as found,
        {{ var('money_tolerance') }} as tolerance,
        '万元' as value_unit,
        figure || ': the 决算 states 预算数 ' || {{ fmt_amount('stated_budget_amount') }} || ', the loaded 预算 ('
        || budget_document_id || ') ' || {{ fmt_amount('loaded_budget_amount') }} as detail,
        'budget_execution uses the loaded 预算 (' || budget_document_id || '); the 决算''s own 预算数 is the '
        || 'adjusted budget' as resolution
    from {{ ref('int_budget_execution') }}
    where budget_differs
),

loaded_budget_issues as (
    select
        {{ issue_row(
            'rule', 'document_id', 'figure', 'location', 'expected', 'found', 'tolerance', 'value_unit',
            'detail', 'resolution'
        ) }}
    from loaded_budget_firings
),

final as (
    select * from missing_table_issues
    union all
    select * from final_prose_issues
    union all
    select * from three_public_budget_issues
    union all
    select * from loaded_budget_issues
)

select * from final
