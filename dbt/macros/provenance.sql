{#- Structured provenance for the marts: the file, page and line a location text names.

    The location text is built by source_location() and file_location() (sql_helpers.sql), the same strings as
    extract.model.source_location(): 'page 4, line 12' | 'page 4' | 'line 123' | '', with the file name in front
    ('b.pdf, page 3') when a disclosure spans several files.  The intermediate models carry that text only;
    these macros take it apart once, in SQL, so the marts hold source_file / source_page / source_line as
    columns and no reader parses strings. -#}

{#- The file a location names, else the disclosure's (primary) file. -#}
{% macro location_file(location_col, default_file_col) -%}
    coalesce(
        nullif(regexp_extract({{ location_col }}, '^(.+?), (page|line) [0-9]+', 1), ''),
        {{ default_file_col }}
    )
{%- endmacro %}

{% macro location_page(location_col) -%}
    try_cast(nullif(regexp_extract({{ location_col }}, '(^|, )page ([0-9]+)', 2), '') as integer)
{%- endmacro %}

{% macro location_line(location_col) -%}
    try_cast(nullif(regexp_extract({{ location_col }}, '(^|, )line ([0-9]+)', 2), '') as integer)
{%- endmacro %}
