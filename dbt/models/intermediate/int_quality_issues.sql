-- Every quality issue of every document, one row each: the union of the check models of models/intermediate/checks/
-- (one rule family each, every row built by the issue_row macro), with the rule's severity and category from the
-- quality_rules seed. docs/quality_rules.md lists the check models and the rules.
-- Severity `error` (fiscal year implausible, negative or missing total) holds the document back from the marts
-- (int_documents_publishable); everything else is published with the issue recorded here.

{#- the check models, one rule family each: a new family is one more name here -#}
{%- set check_models = [
    'chk_within_table_sums',
    'chk_figure_conflicts',
    'chk_function_classes',
    'chk_totals_vs_parts',
    'chk_stated_shares',
    'chk_final_tables',
    'chk_final_statements',
    'chk_plausibility_bands',
    'chk_plausibility_errors',
    'chk_extraction',
    'chk_document_versions',
    'chk_data_tests',
] %}

with

rules as (
    select * from {{ ref('quality_rules') }}
),

documents as (
    select * from {{ ref('int_documents') }}
),

held_back as (
    select
        'document held back from the marts (fct_expenditure_by_function, unit_metrics, figure_sources, dim_unit); '
        || 'it stays in raw and quality_issues' as resolution
),

unioned as (
    {%- for model in check_models %}
        select * from {{ ref(model) }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

rated as (
    select
        unioned.* exclude (resolution),
        coalesce(rules.severity, 'warning') as severity,
        rules.category,
        case when rules.severity = 'error' then held_back.resolution else unioned.resolution end as resolution
    from unioned
    cross join held_back
    left join rules
        on rules.rule = unioned.rule
),

numbered as (
    select
        *,
        row_number() over (
            partition by rule, document_id, table_id, figure, row_key, location, column_key, expected, found, detail
        ) as occurrence
    from rated
),

final as (
    select
        md5(concat_ws(
            '|',
            numbered.rule, numbered.document_id, numbered.table_id, numbered.figure, numbered.row_key,
            numbered.location, numbered.column_key, numbered.expected, numbered.found, numbered.detail,
            numbered.occurrence
        )) as issue_id,
        numbered.rule,
        numbered.document_id,
        numbered.table_id,
        numbered.table_kind,
        numbered.figure,
        numbered.location,
        numbered.column_key,
        {{ money('numbered.expected') }} as expected,
        {{ money('numbered.found') }} as found,
        {{ money('numbered.difference') }} as difference,
        numbered.severity,
        numbered.detail,
        numbered.resolution,
        numbered.category,
        numbered.row_key,
        {{ money('numbered.tolerance') }} as tolerance,
        numbered.value_unit,
        documents.unit_name,
        documents.fiscal_year
    from numbered
    left join documents
        on documents.document_id = numbered.document_id
)

select * from final
