-- One row per published document: the unit's key budget figures and the ratios built on them.
-- Figures and ratios come from int_unit_figures (one chosen value per figure from int_figures_reconciled, 类
-- totals from the function breakdown).  Money in 万元 DECIMAL(20,6); ratios DECIMAL(12,6), NULL when the
-- denominator is missing or 0.  A document with an error issue is held back (int_documents_publishable).

with

documents as (
    select * from {{ ref('int_documents') }}
),

unit_figures as (
    select * from {{ ref('int_unit_figures') }}
),

issues as (
    select * from {{ ref('int_quality_issues') }}
),

publishable as (
    select * from {{ ref('int_documents_publishable') }}
),

-- a 单位预算 whose department's 部门预算 of the same year is also published: already inside that total
departments_loaded as (
    select
        documents.unit_name,
        documents.fiscal_year
    from documents
    inner join publishable
        on publishable.document_id = documents.document_id
    where documents.scope = '部门' and publishable.is_publishable
),

quality as (
    select
        document_id,
        count(*) filter (where severity in ('warning', 'error')) as issue_count,
        bool_or(severity = 'error') as has_error,
        bool_or(severity = 'warning') as has_warning
    from issues
    group by document_id
),

final as (
    select
        documents.document_id,
        documents.unit_id,
        documents.unit_name,
        documents.region,
        documents.province,
        documents.fiscal_year,
        documents.document_kind,
        documents.scope,
        documents.department_name,
        departments_loaded.unit_name is not null as included_in_department,
        departments_loaded.unit_name is null as counts_in_totals,
        documents.file_count as source_file_count,
        documents.file_names as source_files,

        -- money, 万元
        unit_figures.total_expenditure,
        {{ per_focus_class('unit_figures.expenditure_{code}') }},
        -- the rest of the function mix: total − the focus classes (var focus_function_classes; a class not
        -- printed counts 0)
        cast(
            unit_figures.total_expenditure - (
                {{ per_focus_class('coalesce(unit_figures.expenditure_{code}, 0)', sep=' + ') }}
            ) as decimal(20, 6)
        ) as expenditure_other,
        unit_figures.basic_expenditure,
        unit_figures.project_expenditure,
        unit_figures.reserve_expenditure,
        unit_figures.personnel_expenditure,
        unit_figures.public_expenditure,
        unit_figures.wage_welfare_expenditure,
        unit_figures.three_public_total,
        unit_figures.three_public_outbound,
        unit_figures.three_public_vehicle_purchase,
        unit_figures.three_public_vehicle_operation,
        unit_figures.three_public_reception,
        unit_figures.operating_expenditure,

        -- staff
        unit_figures.in_service_staff,
        unit_figures.staff_basis,

        -- per capita, 万元 per person
        unit_figures.per_capita_personnel,
        unit_figures.per_capita_wage_welfare,

        -- shares of total_expenditure
        unit_figures.three_public_share,
        {{ per_focus_class('unit_figures.share_{code}') }},
        -- 1 − the focus classes' shares; NULL when there is no total to share
        case
            when unit_figures.total_expenditure is not null and unit_figures.total_expenditure != 0
                then cast(
                        cast(1 as decimal(12, 6)) - (
                            {{ per_focus_class('coalesce(unit_figures.share_{code}, 0)', sep=' + ') }}
                        ) as decimal(12, 6)
                    )
        end as share_other,

        -- quality
        case
            when quality.has_error then 'error'
            when quality.has_warning then 'warning'
            else 'ok'
        end as quality_status,
        cast(coalesce(quality.issue_count, 0) as integer) as quality_issue_count
    from documents
    inner join publishable
        on publishable.document_id = documents.document_id
    inner join unit_figures
        on unit_figures.document_id = documents.document_id
    left join quality
        on quality.document_id = documents.document_id
    -- a 单位预算 inside a loaded 部门预算: its department's, or its own unit's (a department's own office
    -- publishes a 单位预算 beside its 部门预算)
    left join departments_loaded
        on {{ unit_key('departments_loaded.unit_name') }}
            = {{ unit_key('coalesce(documents.department_name, documents.unit_name)') }}
            and departments_loaded.fiscal_year = documents.fiscal_year
            and documents.scope = '单位'
    where publishable.is_publishable
)

select * from final
