-- One row per check that fires on a table's own sums.
--
-- Rules (all amounts in 万元; a missing cell counts as 0; a check fires when
-- abs(found - expected) > tolerance, tolerance = money_tolerance (0.01, dbt_project.yml) × number of terms summed —
-- never a percentage):
--   subject_children_sum        a subject row vs the sum of the rows of the same table whose parent_code is its
--                               code, per column (only where such children exist)
--   table_total_vs_top_level    the table_total row vs the sum of the top-level subject rows (rows whose parent
--                               is not in the table: the 类 rows when they are printed), per column
--   total_eq_basic_plus_project per row: total vs basic + project + reserve + business + remit_upward +
--                               subsidy_subordinate, where basic or project is present (basic = personnel +
--                               public where only those two are printed under 基本支出 beside 项目支出)
--   basic_eq_personnel_plus_public per row: basic vs personnel + public, where personnel or public is present;
--                               in a gpb_basic_expenditure table without a basic column the total column is basic
--   three_public_parts_sum      “三公” table, per column: the total vs outbound + reception + vehicle (vehicle = its
--                               subtotal, else purchase + operation), where the total is printed; and the vehicle
--                               subtotal vs purchase + operation, where the subtotal and a part are printed
--   summary_total_vs_classes    收支总表 / 财政拨款收支总表, per column: 本年支出合计 (else 支出总计 − 结转下年) vs the
--                               sum of the 类 rows, where the column prints 类 rows
--   income_total_eq_expenditure_total  two-sided summary tables, per column: 收入总计 vs 支出总计 (one term)
--   final_balance_identity      决算 (docs/final_accounts.md): 年初结转和结余 + 本年收入 = 本年支出 + 年末结转和结余 —
--                               收入支出决算总表 / 财政拨款收入支出决算总表 on their rows (column total), the
--                               政府性基金 / 国有资本经营 决算表 per row on their columns; where a balance is printed
--   final_basic_personnel_public_totals  决算 一般公共预算财政拨款基本支出决算表, per column: 人员经费合计 and 公用经费合计
--                               each vs the top-level economic rows printed in its half (between the previous total
--                               and it: 301 + 303 | 302 + 310 in the template), and 合计 (where printed) vs 人员经费合计
--                               + 公用经费合计
--   completion_rate_vs_columns  决算 tables printing 预算数, 决算数 and 完成率 side by side, per row: the printed rate
--                               vs 100 × 决算数 ÷ 预算数 (tolerance rate_tolerance = 0.01 percentage points, 0.5 for a whole number)
-- The 决算 kinds are read as their 预算 counterparts: 支出决算表 as 支出总表 etc.; a fund table's 本年支出 (小计)
-- column plays total.
-- The line-item rules work on line_item × column_key, not on printed rows: a “三公” table may print all its items as
-- columns of one row.
-- expected = the sum of the terms, found = the amount printed as their total, difference = found - expected.

{{ config(**incremental_by_document()) }}

with

facts as (
    select * from {{ ref('stg_table_facts') }}
    where {{ stale_documents_only('document_id') }}
),

-- one row per printed data row
table_rows as (
    select
        document_id,
        table_id,
        row_index,
        min(table_kind) as table_kind,
        min(subject_code) as subject_code,
        min(parent_code) as parent_code,
        min(line_item) as line_item,
        min(row_label) as row_label,
        min(source_line) as source_line,
        min(source_page) as source_page
    from facts
    group by document_id, table_id, row_index
),

-- one amount per row × column
cells as (
    select
        document_id,
        table_id,
        row_index,
        column_key,
        sum(amount) as amount
    from facts
    group by document_id, table_id, row_index, column_key
),

table_columns as (
    select distinct
        document_id,
        table_id,
        column_key
    from facts
    where column_key <> 'completion_rate'  -- a 决算's 完成率 is a ratio per row, never a sum of rows
),

-- ---------------------------------------------------------------- subject_children_sum
parent_child as (
    select
        parent.document_id,
        parent.table_id,
        parent.row_index as parent_row,
        child.row_index as child_row,
        coalesce(child.subject_code, child.row_label) as child_key
    from table_rows as parent
    inner join table_rows as child
        on child.document_id = parent.document_id
            and child.table_id = parent.table_id
            and child.parent_code = parent.subject_code
            and child.row_index <> parent.row_index
    where parent.subject_code is not null
),

children_sums as (
    select
        parent_child.document_id,
        parent_child.table_id,
        parent_child.parent_row,
        table_columns.column_key,
        sum(coalesce(cells.amount, 0)) as expected,
        count(*) as term_count,
        string_agg(parent_child.child_key, ' + ' order by parent_child.child_row) as terms,
        count(cells.amount) as present_terms
    from parent_child
    inner join table_columns
        on table_columns.document_id = parent_child.document_id
            and table_columns.table_id = parent_child.table_id
    left join cells
        on cells.document_id = parent_child.document_id
            and cells.table_id = parent_child.table_id
            and cells.row_index = parent_child.child_row
            and cells.column_key = table_columns.column_key
    group by all
),

rule_children as (
    select
        'subject_children_sum' as rule,
        cast(null as varchar) as row_key,
        children_sums.document_id,
        children_sums.table_id,
        children_sums.parent_row as row_index,
        children_sums.column_key,
        children_sums.expected,
        coalesce(cells.amount, 0) as found,
        children_sums.term_count,
        children_sums.terms
    from children_sums
    left join cells
        on cells.document_id = children_sums.document_id
            and cells.table_id = children_sums.table_id
            and cells.row_index = children_sums.parent_row
            and cells.column_key = children_sums.column_key
    where children_sums.present_terms > 0 or cells.amount is not null
),

-- ---------------------------------------------------------------- table_total_vs_top_level
subject_rows as (
    select * from table_rows where subject_code is not null
),

top_level_rows as (
    select subject_rows.*
    from subject_rows
    where subject_rows.parent_code is null
        or not exists (
            select 1
            from subject_rows as parent
            where parent.document_id = subject_rows.document_id
                and parent.table_id = subject_rows.table_id
                and parent.subject_code = subject_rows.parent_code
        )
),

top_level_sums as (
    select
        top_level_rows.document_id,
        top_level_rows.table_id,
        table_columns.column_key,
        sum(coalesce(cells.amount, 0)) as expected,
        count(*) as term_count,
        string_agg(top_level_rows.subject_code, ' + ' order by top_level_rows.row_index) as terms
    from top_level_rows
    inner join table_columns
        on table_columns.document_id = top_level_rows.document_id
            and table_columns.table_id = top_level_rows.table_id
    left join cells
        on cells.document_id = top_level_rows.document_id
            and cells.table_id = top_level_rows.table_id
            and cells.row_index = top_level_rows.row_index
            and cells.column_key = table_columns.column_key
    group by all
),

rule_table_total as (
    select
        'table_total_vs_top_level' as rule,
        cast(null as varchar) as row_key,
        total_rows.document_id,
        total_rows.table_id,
        total_rows.row_index,
        top_level_sums.column_key,
        top_level_sums.expected,
        coalesce(cells.amount, 0) as found,
        top_level_sums.term_count,
        top_level_sums.terms
    from table_rows as total_rows
    inner join top_level_sums
        on top_level_sums.document_id = total_rows.document_id
            and top_level_sums.table_id = total_rows.table_id
    left join cells
        on cells.document_id = total_rows.document_id
            and cells.table_id = total_rows.table_id
            and cells.row_index = total_rows.row_index
            and cells.column_key = top_level_sums.column_key
    where total_rows.line_item = 'table_total'
),

-- ---------------------------------------------------------------- per-row column identities
row_columns as (
    select
        table_rows.document_id,
        table_rows.table_id,
        table_rows.row_index,
        table_rows.table_kind,
        coalesce(
            max(cells.amount) filter (where cells.column_key = 'total'),
            max(cells.amount) filter (where cells.column_key = 'current_expenditure')
        ) as c_total,
        max(cells.amount) filter (where cells.column_key = 'basic') as c_basic,
        max(cells.amount) filter (where cells.column_key = 'project') as c_project,
        max(cells.amount) filter (where cells.column_key = 'reserve') as c_reserve,
        max(cells.amount) filter (where cells.column_key = 'business') as c_business,
        max(cells.amount) filter (where cells.column_key = 'remit_upward') as c_remit_upward,
        max(cells.amount) filter (where cells.column_key = 'subsidy_subordinate') as c_subsidy_subordinate,
        max(cells.amount) filter (where cells.column_key = 'personnel') as c_personnel,
        max(cells.amount) filter (where cells.column_key = 'public') as c_public
    from table_rows
    inner join cells
        on cells.document_id = table_rows.document_id
            and cells.table_id = table_rows.table_id
            and cells.row_index = table_rows.row_index
    group by all
),

table_has_column as (
    select
        document_id,
        table_id,
        bool_or(column_key in ('total', 'current_expenditure')) as has_total,
        bool_or(column_key = 'basic') as has_basic
    from table_columns
    group by document_id, table_id
),

rule_total_basic_project as (
    select
        'total_eq_basic_plus_project' as rule,
        cast(null as varchar) as row_key,
        row_columns.document_id,
        row_columns.table_id,
        row_columns.row_index,
        'total' as column_key,
        coalesce(
            coalesce(
                c_basic,
                case
                    when c_personnel is not null or c_public is not null then coalesce(c_personnel, 0) + coalesce(c_public, 0)
                end
            ),
            0
        )
        + coalesce(c_project, 0) + coalesce(c_reserve, 0) + coalesce(c_business, 0)
        + coalesce(c_remit_upward, 0) + coalesce(c_subsidy_subordinate, 0) as expected,
        coalesce(c_total, 0) as found,
        (c_basic is not null or c_personnel is not null or c_public is not null)::int
        + (c_project is not null)::int + (c_reserve is not null)::int
        + (c_business is not null)::int + (c_remit_upward is not null)::int
        + (c_subsidy_subordinate is not null)::int as term_count,
        concat_ws(
            ' + ',
            case
                when c_basic is not null then 'basic' when
                    c_personnel is not null or c_public is not null
                    then 'personnel + public'
            end,
            case when c_project is not null then 'project' end,
            case when c_reserve is not null then 'reserve' end,
            case when c_business is not null then 'business' end,
            case when c_remit_upward is not null then 'remit_upward' end,
            case when c_subsidy_subordinate is not null then 'subsidy_subordinate' end
        ) as terms
    from row_columns
    inner join table_has_column
        on table_has_column.document_id = row_columns.document_id
            and table_has_column.table_id = row_columns.table_id
    where table_has_column.has_total
        and (c_basic is not null or c_project is not null)
),

rule_basic_personnel_public as (
    select
        'basic_eq_personnel_plus_public' as rule,
        cast(null as varchar) as row_key,
        row_columns.document_id,
        row_columns.table_id,
        row_columns.row_index,
        case
            when row_columns.table_kind = 'gpb_basic_expenditure' and not table_has_column.has_basic then 'total'
            else 'basic'
        end as column_key,
        coalesce(c_personnel, 0) + coalesce(c_public, 0) as expected,
        coalesce(
            case
                when row_columns.table_kind = 'gpb_basic_expenditure' and not table_has_column.has_basic
                    then c_total
                else c_basic
            end,
            0
        ) as found,
        (c_personnel is not null)::int + (c_public is not null)::int as term_count,
        concat_ws(
            ' + ',
            case when c_personnel is not null then 'personnel' end,
            case when c_public is not null then 'public' end
        ) as terms
    from row_columns
    inner join table_has_column
        on table_has_column.document_id = row_columns.document_id
            and table_has_column.table_id = row_columns.table_id
    where (c_personnel is not null or c_public is not null)
        and (
            table_has_column.has_basic
            or (row_columns.table_kind = 'gpb_basic_expenditure' and table_has_column.has_total)
        )
),

-- ---------------------------------------------------------------- 决算 基本支出表: 人员经费合计 / 公用经费合计
-- The table prints two halves, each closed by its total (the 部门决算 template: 301, 303 … 人员经费合计 | 302,
-- 310 … 公用经费合计; read as every left half, then every right half). A total sums the top-level economic rows
-- printed between the previous total and it — as printed, with no list of which classes are 人员 or 公用.
basic_totals as (
    select
        table_rows.document_id,
        table_rows.table_id,
        table_rows.row_index,
        coalesce(
            lag(table_rows.row_index) over (
                partition by table_rows.document_id, table_rows.table_id order by table_rows.row_index
            ),
            -1
        ) as block_start
    from table_rows
    where table_rows.table_kind = 'final_gpb_basic_expenditure'
        and table_rows.line_item in ('personnel_total', 'public_total')
),

basic_block_sums as (
    select
        basic_totals.document_id,
        basic_totals.table_id,
        basic_totals.row_index,
        table_columns.column_key,
        sum(coalesce(cells.amount, 0)) as expected,
        count(*) as term_count,
        string_agg(top_level_rows.subject_code, ' + ' order by top_level_rows.row_index) as terms,
        count(cells.amount) as present_terms
    from basic_totals
    inner join top_level_rows
        on top_level_rows.document_id = basic_totals.document_id
            and top_level_rows.table_id = basic_totals.table_id
            and top_level_rows.row_index > basic_totals.block_start
            and top_level_rows.row_index < basic_totals.row_index
    inner join table_columns
        on table_columns.document_id = basic_totals.document_id
            and table_columns.table_id = basic_totals.table_id
    left join cells
        on cells.document_id = basic_totals.document_id
            and cells.table_id = basic_totals.table_id
            and cells.row_index = top_level_rows.row_index
            and cells.column_key = table_columns.column_key
    group by all
),

basic_grand_totals as (
    select
        facts.document_id,
        facts.table_id,
        facts.column_key,
        sum(facts.amount) filter (where facts.line_item in ('personnel_total', 'public_total')) as expected,
        count(*) filter (where facts.line_item in ('personnel_total', 'public_total')) as term_count,
        string_agg(facts.line_item, ' + ' order by facts.row_index) filter (
            where facts.line_item in ('personnel_total', 'public_total')
        ) as terms,
        max(facts.amount) filter (where facts.line_item = 'table_total') as found,
        min(facts.row_index) filter (where facts.line_item = 'table_total') as total_row
    from facts
    where facts.table_kind = 'final_gpb_basic_expenditure'
        and facts.column_key <> 'completion_rate'
    group by facts.document_id, facts.table_id, facts.column_key
),

rule_final_basic_totals as (
    select
        'final_basic_personnel_public_totals' as rule,
        cast(null as varchar) as row_key,
        basic_block_sums.document_id,
        basic_block_sums.table_id,
        basic_block_sums.row_index,
        basic_block_sums.column_key,
        basic_block_sums.expected,
        coalesce(cells.amount, 0) as found,
        basic_block_sums.term_count,
        basic_block_sums.terms
    from basic_block_sums
    left join cells
        on cells.document_id = basic_block_sums.document_id
            and cells.table_id = basic_block_sums.table_id
            and cells.row_index = basic_block_sums.row_index
            and cells.column_key = basic_block_sums.column_key
    where basic_block_sums.present_terms > 0 or cells.amount is not null

    union all

    select
        'final_basic_personnel_public_totals' as rule,
        'table_total' as row_key,
        document_id,
        table_id,
        total_row as row_index,
        column_key,
        expected,
        found,
        term_count,
        terms
    from basic_grand_totals
    where total_row is not null
        and term_count > 0
),

-- ---------------------------------------------------------------- line-item rules (三公 table, summaries)
line_item_cells as (
    select
        document_id,
        table_id,
        column_key,
        line_item,
        sum(amount) as amount,
        min(row_index) as row_index
    from facts
    where line_item is not null
    group by document_id, table_id, column_key, line_item
),

three_public_columns as (
    select
        document_id,
        table_id,
        column_key,
        max(amount) filter (where line_item = 'three_public_total') as c_total,
        max(amount) filter (where line_item = 'three_public_outbound') as c_outbound,
        max(amount) filter (where line_item = 'three_public_reception') as c_reception,
        max(amount) filter (where line_item = 'three_public_vehicle') as c_vehicle,
        max(amount) filter (where line_item = 'three_public_vehicle_purchase') as c_purchase,
        max(amount) filter (where line_item = 'three_public_vehicle_operation') as c_operation,
        min(row_index) filter (where line_item = 'three_public_total') as total_row,
        min(row_index) filter (where line_item = 'three_public_vehicle') as vehicle_row
    from line_item_cells
    where line_item like 'three_public%'
    group by document_id, table_id, column_key
),

rule_three_public as (
    select
        'three_public_parts_sum' as rule,
        'three_public_total' as row_key,
        document_id,
        table_id,
        total_row as row_index,
        column_key,
        coalesce(c_outbound, 0) + coalesce(c_reception, 0)
        + coalesce(c_vehicle, coalesce(c_purchase, 0) + coalesce(c_operation, 0)) as expected,
        c_total as found,
        (c_outbound is not null)::int + (c_reception is not null)::int
        + case
            when c_vehicle is not null then 1
            else (c_purchase is not null)::int + (c_operation is not null)::int
        end as term_count,
        concat_ws(
            ' + ',
            case when c_outbound is not null then 'outbound' end,
            case when c_reception is not null then 'reception' end,
            case
                when c_vehicle is not null then 'vehicle'
                else concat_ws(
                        ' + ',
                        case when c_purchase is not null then 'vehicle_purchase' end,
                        case when c_operation is not null then 'vehicle_operation' end
                    )
            end
        ) as terms
    from three_public_columns
    where c_total is not null

    union all

    select
        'three_public_parts_sum' as rule,
        'three_public_vehicle' as row_key,
        document_id,
        table_id,
        vehicle_row as row_index,
        column_key,
        coalesce(c_purchase, 0) + coalesce(c_operation, 0) as expected,
        c_vehicle as found,
        (c_purchase is not null)::int + (c_operation is not null)::int as term_count,
        concat_ws(
            ' + ',
            case when c_purchase is not null then 'vehicle_purchase' end,
            case when c_operation is not null then 'vehicle_operation' end
        ) as terms
    from three_public_columns
    where c_vehicle is not null
        and (c_purchase is not null or c_operation is not null)
),

summary_columns as (
    select
        facts.document_id,
        facts.table_id,
        facts.column_key,
        sum(facts.amount) filter (
            where facts.subject_system = 'function' and length(facts.subject_code) = 3
        ) as c_classes,
        count(*) filter (where facts.subject_system = 'function' and length(facts.subject_code) = 3) as class_count,
        string_agg(facts.subject_code, ' + ' order by facts.row_index) filter (
            where facts.subject_system = 'function' and length(facts.subject_code) = 3
        ) as class_codes,
        max(facts.amount) filter (where facts.line_item = 'expenditure_current_total') as c_current_total,
        max(facts.amount) filter (where facts.line_item = 'expenditure_total') as c_grand_total,
        max(facts.amount) filter (where facts.line_item = 'expenditure_carryover_out') as c_carry_out,
        min(facts.row_index) filter (where facts.line_item = 'expenditure_current_total') as current_total_row,
        min(facts.row_index) filter (where facts.line_item = 'expenditure_total') as grand_total_row
    from facts
    where facts.table_kind in (
            'income_expenditure_summary', 'fiscal_grant_summary', 'final_income_expenditure_summary',
            'final_fiscal_grant_summary'
        )
    group by facts.document_id, facts.table_id, facts.column_key
),

rule_summary_classes as (
    select
        'summary_total_vs_classes' as rule,
        case
            when c_current_total is not null then 'expenditure_current_total'
            else 'expenditure_total'
        end as row_key,
        document_id,
        table_id,
        coalesce(current_total_row, grand_total_row) as row_index,
        column_key,
        c_classes + case when c_current_total is null then coalesce(c_carry_out, 0) else 0 end as expected,
        coalesce(c_current_total, c_grand_total) as found,
        class_count + case when c_current_total is null and c_carry_out is not null then 1 else 0 end
            as term_count,
        class_codes
        || case when c_current_total is null and c_carry_out is not null then ' + 结转下年' else '' end
            as terms
    from summary_columns
    where class_count > 0
        and (c_current_total is not null or c_grand_total is not null)
),

two_sided_columns as (
    select
        document_id,
        table_id,
        column_key,
        max(amount) filter (where line_item = 'income_total') as c_income_total,
        max(amount) filter (where line_item = 'expenditure_total') as c_expenditure_total,
        min(row_index) filter (where line_item = 'expenditure_total') as expenditure_total_row
    from line_item_cells
    where line_item in ('income_total', 'expenditure_total')
    group by document_id, table_id, column_key
),

rule_two_sided as (
    select
        'income_total_eq_expenditure_total' as rule,
        'expenditure_total' as row_key,
        document_id,
        table_id,
        expenditure_total_row as row_index,
        column_key,
        c_income_total as expected,
        c_expenditure_total as found,
        1 as term_count,
        'income_total' as terms
    from two_sided_columns
    where c_income_total is not null
        and c_expenditure_total is not null
),

-- ---------------------------------------------------------------- 决算: balances and completion rates
summary_balances as (
    select
        line_item_cells.document_id,
        line_item_cells.table_id,
        max(amount) filter (where line_item = 'opening_balance') as c_opening,
        max(amount) filter (where line_item = 'income_current_total') as c_income,
        max(amount) filter (where line_item = 'expenditure_current_total') as c_expenditure,
        max(amount) filter (where line_item = 'closing_balance') as c_closing,
        min(row_index) filter (where line_item = 'closing_balance') as closing_row,
        min(row_index) filter (where line_item = 'opening_balance') as opening_row
    from line_item_cells
    inner join (
        select distinct
            document_id,
            table_id
        from facts
        where table_kind in ('final_income_expenditure_summary', 'final_fiscal_grant_summary')
    ) as final_summaries using (document_id, table_id)
    where line_item_cells.column_key = 'total'
    group by line_item_cells.document_id, line_item_cells.table_id
),

fund_rows as (
    select
        table_rows.document_id,
        table_rows.table_id,
        table_rows.row_index,
        max(cells.amount) filter (where cells.column_key = 'opening_balance') as c_opening,
        max(cells.amount) filter (where cells.column_key = 'current_income') as c_income,
        max(cells.amount) filter (where cells.column_key = 'current_expenditure') as c_expenditure,
        max(cells.amount) filter (where cells.column_key = 'closing_balance') as c_closing
    from table_rows
    inner join cells
        on cells.document_id = table_rows.document_id
            and cells.table_id = table_rows.table_id
            and cells.row_index = table_rows.row_index
    where table_rows.table_kind in ('final_gov_fund', 'final_state_capital')
    group by all
),

rule_balance as (
    select
        'final_balance_identity' as rule,
        'closing_balance' as row_key,
        document_id,
        table_id,
        coalesce(closing_row, opening_row) as row_index,
        'total' as column_key,
        coalesce(c_opening, 0) + c_income - c_expenditure as expected,
        coalesce(c_closing, 0) as found,
        3 as term_count,
        'opening_balance + income_current_total - expenditure_current_total' as terms
    from summary_balances
    where c_income is not null
        and c_expenditure is not null
        and (c_opening is not null or c_closing is not null)

    union all

    select
        'final_balance_identity' as rule,
        cast(null as varchar) as row_key,
        document_id,
        table_id,
        row_index,
        'closing_balance' as column_key,
        coalesce(c_opening, 0) + coalesce(c_income, 0) - coalesce(c_expenditure, 0) as expected,
        coalesce(c_closing, 0) as found,
        3 as term_count,
        'opening_balance + current_income - current_expenditure' as terms
    from fund_rows
    where c_opening is not null or c_income is not null or c_expenditure is not null or c_closing is not null
),

rate_rows as (
    select
        facts.document_id,
        facts.table_id,
        facts.row_index,
        max(facts.amount) filter (where facts.column_key = 'budget') as c_budget,
        max(facts.amount) filter (where facts.column_key = 'total') as c_final,
        max(facts.amount) filter (where facts.column_key = 'completion_rate') as c_rate
    from facts
    where facts.table_kind like 'final%'
    group by facts.document_id, facts.table_id, facts.row_index
),

rule_rate as (
    select
        'completion_rate_vs_columns' as rule,
        cast(null as varchar) as row_key,
        document_id,
        table_id,
        row_index,
        'completion_rate' as column_key,
        -- the tolerance is rate_tolerance × term_count: 1 term (0.01 points), 50 for a rate printed as a whole number
        round(100 * coalesce(c_final, 0) / c_budget, 4) as expected,
        c_rate as found,
        case when c_rate = round(c_rate) then 50 else 1 end as term_count,
        '100 × total / budget' as terms
    from rate_rows
    where c_rate is not null
        and c_budget is not null
        and c_budget <> 0
),

all_checks as (
    select * from rule_balance
    union all
    select * from rule_rate
    union all
    select * from rule_children
    union all
    select * from rule_table_total
    union all
    select * from rule_total_basic_project
    union all
    select * from rule_basic_personnel_public
    union all
    select * from rule_final_basic_totals
    union all
    select * from rule_three_public
    union all
    select * from rule_summary_classes
    union all
    select * from rule_two_sided
),

evaluated as (
    select
        all_checks.rule,
        all_checks.document_id,
        all_checks.table_id,
        table_rows.table_kind,
        all_checks.row_index,
        coalesce(all_checks.row_key, table_rows.subject_code, table_rows.line_item, table_rows.row_label) as row_key,
        all_checks.column_key,
        {{ source_location('table_rows.source_line', 'table_rows.source_page') }} as location,
        {{ money('all_checks.expected') }} as expected,
        {{ money('all_checks.found') }} as found,
        {{ money('all_checks.found - all_checks.expected') }} as difference,
        all_checks.terms,
        cast(all_checks.term_count as integer) as term_count,
        {{ money(
            "case when all_checks.rule = 'completion_rate_vs_columns' then " ~ var('rate_tolerance')
            ~ " else " ~ var('money_tolerance') ~ " end * all_checks.term_count"
        ) }} as tolerance
    from all_checks
    inner join table_rows
        on table_rows.document_id = all_checks.document_id
            and table_rows.table_id = all_checks.table_id
            and table_rows.row_index = all_checks.row_index
)

select *
from evaluated
where abs(difference) > tolerance
