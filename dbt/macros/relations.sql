{#- Relations without the catalog name.  dbt-duckdb names a relation "<catalog>"."<schema>"."<name>", the
    catalog being the warehouse file's stem; a view would keep that name in its SQL, so a copy of the file under
    another name (or an ATTACH under another alias) could not read its staging views.  DuckDB binds a view's
    unqualified names in the view's own catalog, so the views name schema and table only.
    Only where the target is the warehouse file itself: a target whose models live in an attached catalog (the
    `ducklake` target: an in-memory database with the lake attached as `budget`) keeps the catalog name, which
    is then not the connection's default. -#}

{% macro source(source_name, table_name) -%}
    {%- do return(_without_catalog(builtins.source(source_name, table_name))) -%}
{%- endmacro %}

{% macro ref() -%}
    {%- do return(_without_catalog(builtins.ref(*varargs, **kwargs))) -%}
{%- endmacro %}

{% macro _without_catalog(relation) -%}
    {%- if relation is string or target.get('path', '') in ('', ':memory:') -%}
        {%- do return(relation) -%}
    {%- endif -%}
    {%- do return(relation.include(database=false)) -%}
{%- endmacro %}
