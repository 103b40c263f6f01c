-- One row per key figure that changed between a version and the version before it (int_document_versions):
-- the figure's previous and new value (NULL where one of the two does not state it).  Duplicates have no row
-- (their figures are their version's); a first version has none.

with

versions as (
    select * from {{ ref('int_document_versions') }}
),

unit_figures as (
    select * from {{ ref('int_unit_figures') }}
),

figures_long as (
    select document_id, figure, value
    from (
        select
            document_id,
            cast(total_expenditure as decimal(20, 6)) as total_expenditure,
            cast(expenditure_208 as decimal(20, 6)) as expenditure_208,
            cast(expenditure_210 as decimal(20, 6)) as expenditure_210,
            cast(expenditure_221 as decimal(20, 6)) as expenditure_221,
            cast(basic_expenditure as decimal(20, 6)) as basic_expenditure,
            cast(project_expenditure as decimal(20, 6)) as project_expenditure,
            cast(reserve_expenditure as decimal(20, 6)) as reserve_expenditure,
            cast(personnel_expenditure as decimal(20, 6)) as personnel_expenditure,
            cast(public_expenditure as decimal(20, 6)) as public_expenditure,
            cast(wage_welfare_expenditure as decimal(20, 6)) as wage_welfare_expenditure,
            cast(three_public_total as decimal(20, 6)) as three_public_total,
            cast(three_public_outbound as decimal(20, 6)) as three_public_outbound,
            cast(three_public_vehicle_purchase as decimal(20, 6)) as three_public_vehicle_purchase,
            cast(three_public_vehicle_operation as decimal(20, 6)) as three_public_vehicle_operation,
            cast(three_public_reception as decimal(20, 6)) as three_public_reception,
            cast(operating_expenditure as decimal(20, 6)) as operating_expenditure,
            cast(in_service_staff as decimal(20, 6)) as in_service_staff
        from unit_figures
    )
    unpivot include nulls (value for figure in (
        total_expenditure, expenditure_208, expenditure_210, expenditure_221, basic_expenditure, project_expenditure,
        reserve_expenditure, personnel_expenditure, public_expenditure, wage_welfare_expenditure, three_public_total,
        three_public_outbound, three_public_vehicle_purchase, three_public_vehicle_operation, three_public_reception,
        operating_expenditure, in_service_staff
    ))
),

final as (
    select
        versions.document_id,
        versions.unit_id,
        versions.fiscal_year,
        versions.document_kind,
        versions.version_number,
        versions.previous_document_id,
        current_values.figure,
        {{ money('previous_values.value') }} as previous_value,
        {{ money('current_values.value') }} as value,
        {{ money('current_values.value - previous_values.value') }} as change
    from versions
    inner join figures_long as current_values
        on current_values.document_id = versions.document_id
    inner join figures_long as previous_values
        on previous_values.document_id = versions.previous_document_id
        and previous_values.figure = current_values.figure
    where not versions.is_duplicate
        and versions.previous_document_id is not null
        and current_values.value is distinct from previous_values.value
)

select * from final
