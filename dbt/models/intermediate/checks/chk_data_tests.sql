-- data_test_failed (error): a dbt data test failed on rows of this document, so the build held it back
-- (dagster_project/defs/marts/held_back.py wrote control.held_back_documents and built again without it).
-- The document stays in raw and here, and is not published; the other documents are.
-- The control table exists only in a warehouse a build has held documents in; elsewhere this model is empty.

{%- set control = adapter.get_relation(database=target.database, schema='control', identifier='held_back_documents')
    if execute else none %}

with

holds as (
    {%- if control is not none %}
    select
        document_id,
        string_agg(distinct test_name, ', ' order by test_name) as tests,
        string_agg(distinct tested_model, ', ' order by tested_model) as tested_models,
        cast(sum(failing_rows) as integer) as failing_rows
    from {{ control.include(database=false) }}
    group by document_id
    {%- else %}
        select
            cast(null as varchar) as document_id,
            cast(null as varchar) as tests,
            cast(null as varchar) as tested_models,
            cast(null as integer) as failing_rows
        where false
    {%- endif %}
),

final as (
    select
        {{ issue_row(
            rule="'data_test_failed'",
            document_id='holds.document_id',
            location='holds.tested_models',
            detail="'dbt data test(s) ' || holds.tests || ' failed on ' || holds.failing_rows || ' row(s) of this document'",
            resolution="'held back from the marts: the build ran dbt again without this document; the others are published'"
        ) }}
    from holds
)

select * from final
