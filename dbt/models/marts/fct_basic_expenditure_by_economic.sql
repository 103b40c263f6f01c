-- The economic breakdown of basic spending (一般公共预算基本支出表: 类/款 rows, total / 人员经费 / 公用经费) of
-- each published disclosure, from its first table of that kind that passed every check (int_table_consistency).
-- A code printed twice in the table counts once (its first row).  Money in 万元 DECIMAL(20,6).

with

consistency as (
    select * from {{ ref('int_table_consistency') }}
),

facts as (
    select * from {{ ref('stg_table_facts') }}
),

published as (
    select
        document_id,
        unit_id,
        unit_name,
        fiscal_year,
        document_kind
    from {{ ref('unit_metrics') }}
),

subjects as (
    select
        code,
        name
    from {{ ref('economic_subjects') }}
),

basic_tables as (
    select
        consistency.document_id,
        min(consistency.table_id) as table_id
    from consistency
    inner join published
        on published.document_id = consistency.document_id
    where consistency.table_kind = 'gpb_basic_expenditure'
        and consistency.is_consistent
        and not consistency.is_empty
    group by consistency.document_id
),

cells as (
    select
        facts.*,
        min(facts.row_index) over (partition by facts.document_id, facts.subject_code) as first_row_index
    from facts
    inner join basic_tables
        on basic_tables.document_id = facts.document_id
            and basic_tables.table_id = facts.table_id
    where facts.subject_system = 'economic'
        and facts.subject_code is not null
),

final as (
    select
        cells.document_id,
        any_value(published.unit_id) as unit_id,
        any_value(published.unit_name) as unit_name,
        any_value(published.fiscal_year) as fiscal_year,
        cells.subject_code,
        any_value(cells.subject_level) as subject_level,
        any_value(cells.parent_code) as parent_code,
        coalesce(any_value(subjects.name), any_value(cells.row_label)) as subject_name,
        {{ money("sum(cells.amount) filter (where cells.column_key = 'total')") }} as total_amount,
        {{ money("sum(cells.amount) filter (where cells.column_key = 'personnel')") }} as personnel_amount,
        {{ money("sum(cells.amount) filter (where cells.column_key = 'public')") }} as public_amount,
        any_value(cells.table_id) as table_id,
        any_value(cells.source_document_id) as source_document_id,
        any_value(cells.source_location) as source_location
    from cells
    left join subjects
        on subjects.code = cells.subject_code
    inner join published
        on published.document_id = cells.document_id
    where cells.row_index = cells.first_row_index
    group by cells.document_id, cells.subject_code
)

select * from final
