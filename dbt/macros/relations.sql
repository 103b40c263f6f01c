{#- Relations without the catalog name.  dbt-duckdb names a relation "<catalog>"."<schema>"."<name>", the
    catalog being the warehouse file's stem; a view would keep that name in its SQL, so a copy of the file under
    another name (or an ATTACH under another alias) could not read its staging views.  DuckDB binds a view's
    unqualified names in the view's own catalog, so the views name schema and table only. -#}

{% macro source(source_name, table_name) -%}
    {%- set relation = builtins.source(source_name, table_name) -%}
    {%- do return(relation.include(database=false) if relation is not string else relation) -%}
{%- endmacro %}

{% macro ref() -%}
    {%- set relation = builtins.ref(*varargs, **kwargs) -%}
    {%- do return(relation.include(database=false) if relation is not string else relation) -%}
{%- endmacro %}
