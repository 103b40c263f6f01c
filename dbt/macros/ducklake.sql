{#- Column comments, as dbt-duckdb writes them (its duckdb__alter_column_comment), except on a DuckLake view:
    DuckLake keeps no comments on a view's columns, so on the `ducklake` target (profiles.yml, docs/scaling.md)
    a staging view keeps its relation comment only.  Tables, and every relation of a DuckDB file, keep all. -#}
{% macro duckdb__alter_column_comment(relation, column_dict) %}
  {%- if not (relation.type == 'view' and adapter.is_ducklake(relation)) -%}
  {% set existing_columns = adapter.get_columns_in_relation(relation) | map(attribute="name") | list %}
  {% for column_name in column_dict if (column_name in existing_columns) %}
    {% set comment = column_dict[column_name]['description'] %}
    {% set escaped_comment = duckdb_escape_comment(comment) %}
    comment on column {{ relation }}.{{ adapter.quote(column_name) if column_dict[column_name]['quote'] else column_name }} is {{ escaped_comment }};
  {% endfor %}
  {%- endif -%}
{% endmacro %}
