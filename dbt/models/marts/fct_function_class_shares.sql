-- One row per published document × 类 of the function classification it spends on: the amount and its share of
-- the document's total expenditure, in long form, every 类 (not only the focus classes that unit_metrics gives
-- columns: var focus_function_classes). Compare shares only within one document_kind.

with

classes as (
    select * from {{ ref('fct_expenditure_by_function') }}
    where subject_level = '类'
),

metrics as (
    select * from {{ ref('unit_metrics') }}
),

final as (
    select
        classes.document_id || ':' || classes.subject_code as class_share_id,
        classes.document_id,
        metrics.unit_id,
        metrics.unit_name,
        metrics.fiscal_year,
        metrics.document_kind,
        metrics.scope,
        metrics.counts_in_totals,
        classes.subject_code as class_code,
        classes.subject_name as class_name,
        classes.subject_code in ({{ per_focus_class("'{code}'", sep=', ') }}) as is_focus_class,
        classes.total_amount as amount,
        {{ safe_ratio('classes.total_amount', 'metrics.total_expenditure') }} as share,
        classes.source_location
    from classes
    inner join metrics
        on metrics.document_id = classes.document_id
)

select * from final
