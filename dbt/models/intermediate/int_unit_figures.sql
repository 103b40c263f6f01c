-- One row per document: the chosen value of every key figure (int_figures_reconciled) side by side, the 类
-- totals of the function breakdown (int_function_amounts), the head count used for per-capita figures, and the
-- ratios built on them.  unit_metrics publishes these; checks/chk_plausibility_* judge them.
-- Money in 万元 DECIMAL(20,6); ratios DECIMAL(12,6), NULL when the denominator is missing or 0.

with

documents as (
    select document_id from {{ ref('stg_documents') }}
),

figures as (
    select * from {{ ref('int_figures_reconciled') }}
),

function_amounts as (
    select * from {{ ref('int_function_amounts') }}
),

figure_values as (
    select
        document_id,
        max(value) filter (where figure = 'total_expenditure') as total_expenditure,
        max(value) filter (where figure = 'basic_expenditure') as basic_expenditure,
        max(value) filter (where figure = 'project_expenditure') as project_expenditure,
        max(value) filter (where figure = 'reserve_expenditure') as reserve_expenditure,
        max(value) filter (where figure = 'personnel_expenditure') as personnel_expenditure,
        max(value) filter (where figure = 'public_expenditure') as public_expenditure,
        max(value) filter (where figure = 'wage_welfare_expenditure') as wage_welfare_expenditure,
        max(value) filter (where figure = 'three_public_total') as three_public_total,
        max(value) filter (where figure = 'three_public_outbound') as three_public_outbound,
        max(value) filter (where figure = 'three_public_vehicle_purchase') as three_public_vehicle_purchase,
        max(value) filter (where figure = 'three_public_vehicle_operation') as three_public_vehicle_operation,
        max(value) filter (where figure = 'three_public_reception') as three_public_reception,
        max(value) filter (where figure = 'operating_expenditure') as operating_expenditure,
        max(value) filter (where figure = 'staff_in_service') as staff_in_service,
        max(value) filter (where figure = 'staff_funded') as staff_funded
    from figures
    group by document_id
),

function_classes as (
    select
        document_id,
        {{ per_focus_class("sum(total_amount) filter (where subject_code = '{code}') as expenditure_{code}") }}
    from function_amounts
    where subject_level = '类'
    group by document_id
),

joined as (
    select
        documents.document_id,
        figure_values.* exclude (document_id),
        {{ per_focus_class('coalesce(function_classes.expenditure_{code}, 0) as expenditure_{code}') }},
        coalesce(figure_values.staff_in_service, figure_values.staff_funded) as staff_count,
        case
            when figure_values.staff_in_service is not null then '在职人员'
            when figure_values.staff_funded is not null then '财政供给人员'
        end as staff_basis
    from documents
    left join figure_values
        on figure_values.document_id = documents.document_id
    left join function_classes
        on function_classes.document_id = documents.document_id
),

final as (
    select
        document_id,

        -- money, 万元
        {{ money('total_expenditure') }} as total_expenditure,
        {{ per_focus_class(money('expenditure_{code}') ~ ' as expenditure_{code}') }},
        {{ money('basic_expenditure') }} as basic_expenditure,
        {{ money('project_expenditure') }} as project_expenditure,
        {{ money('reserve_expenditure') }} as reserve_expenditure,
        {{ money('personnel_expenditure') }} as personnel_expenditure,
        {{ money('public_expenditure') }} as public_expenditure,
        {{ money('wage_welfare_expenditure') }} as wage_welfare_expenditure,
        {{ money('three_public_total') }} as three_public_total,
        {{ money('three_public_outbound') }} as three_public_outbound,
        {{ money('three_public_vehicle_purchase') }} as three_public_vehicle_purchase,
        {{ money('three_public_vehicle_operation') }} as three_public_vehicle_operation,
        {{ money('three_public_reception') }} as three_public_reception,
        {{ money('operating_expenditure') }} as operating_expenditure,

        -- staff
        cast(staff_count as integer) as in_service_staff,
        staff_basis,

        -- per capita, 万元 per person
        {{ safe_per_capita('personnel_expenditure', 'staff_count') }} as per_capita_personnel,
        {{ safe_per_capita('wage_welfare_expenditure', 'staff_count') }} as per_capita_wage_welfare,

        -- shares of total_expenditure
        {{ safe_ratio('three_public_total', 'total_expenditure') }} as three_public_share,
        {{ per_focus_class(safe_ratio('expenditure_{code}', 'total_expenditure') ~ ' as share_{code}') }}
    from joined
)

select * from final
