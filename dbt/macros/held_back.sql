{#
  Generic data tests (not_null, unique, accepted_values, relationships, dbt_utils …) read the tested relation
  through get_where_subquery.  Here it also leaves out the rows of documents the build has held back
  (control.held_back_documents, written by dagster_project/defs/marts/held_back.py after a test failed on
  those documents' rows): a second `dbt build` then judges the other documents, and the held-back ones are
  reported by chk_data_tests and never published.  A relation without a document_id column, or a warehouse
  without the control table, is tested whole.
#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- set held_back = held_back_filter(relation) -%}
    {%- set conditions = [] -%}
    {%- if where -%}{%- do conditions.append('(' ~ where ~ ')') -%}{%- endif -%}
    {%- if held_back -%}{%- do conditions.append(held_back) -%}{%- endif -%}
    {%- if conditions -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ conditions | join(' and ') }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}

{% macro held_back_filter(relation) -%}
    {%- if not execute -%}{%- do return('') -%}{%- endif -%}
    {%- set control = adapter.get_relation(database=target.database, schema='control', identifier='held_back_documents') -%}
    {%- if control is none -%}{%- do return('') -%}{%- endif -%}
    {%- set columns = adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list -%}
    {%- if 'document_id' not in columns -%}{%- do return('') -%}{%- endif -%}
    {%- do return('document_id not in (select document_id from ' ~ control.include(database=false) ~ ')') -%}
{%- endmacro %}
