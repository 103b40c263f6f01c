-- 逐年指标 — one row per unit_id × fiscal_year × document_kind × figure: the unit_metrics figure and its change
-- against the previous fiscal year of the same unit and the same document kind (a 预算 is compared with the
-- previous 预算, a 决算 with the previous 决算; never across kinds).  Where unit_metrics holds several documents of
-- one unit, year and kind (two copies of one disclosure), the one with the fewest quality issues (then the lowest
-- document_id) stands for them.  change = value − previous_value; change_rate = change ÷ previous_value as a DECIMAL
-- ratio (0.05 = +5%), computed in integer arithmetic, NULL when there is no previous year or it is 0.

with

metrics as (
    select * from {{ ref('unit_metrics') }}
),

chosen as (
    select *
    from metrics
    qualify row_number() over (
            partition by unit_id, fiscal_year, document_kind
            order by quality_issue_count, document_id
        ) = 1
),

long as (
    select
        unit_id,
        unit_name,
        fiscal_year,
        document_kind,
        document_id,
        figure,
        value
    from chosen
    unpivot (value for figure in (
        total_expenditure, expenditure_208, expenditure_210, expenditure_221, basic_expenditure, project_expenditure,
        personnel_expenditure, public_expenditure, three_public_total, three_public_outbound,
        three_public_vehicle_purchase, three_public_vehicle_operation, three_public_reception, operating_expenditure
    ))
),

with_previous as (
    select
        current_year.*,
        previous_year.value as previous_value,
        previous_year.document_id as previous_document_id
    from long as current_year
    left join long as previous_year
        on previous_year.unit_id = current_year.unit_id
            and previous_year.document_kind = current_year.document_kind
            and previous_year.figure = current_year.figure
            and previous_year.fiscal_year = current_year.fiscal_year - 1
),

final as (
    select
        unit_id,
        unit_name,
        fiscal_year,
        document_kind,
        figure,
        document_id,
        {{ money('value') }} as value,
        previous_document_id,
        {{ money('previous_value') }} as previous_value,
        {{ money('value - previous_value') }} as change,
        case
            when value is null or previous_value is null or previous_value = 0 then null
            else cast(
                    cast(
                        (
                            cast((value - previous_value) * 1000000 as hugeint) * 2000000
                            + sign(value - previous_value) * cast(abs(previous_value) * 1000000 as hugeint)
                        )
                        // (2 * cast(previous_value * 1000000 as hugeint))
                        as decimal(18, 0)
                    ) * 0.000001 as decimal(12, 6)
                )
        end as change_rate
    from with_previous
)

select * from final
