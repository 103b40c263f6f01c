{#- The shape of a quality issue, declared once: every check model in models/intermediate/checks/ selects
    {{ issue_row(rule=..., document_id=..., ...) }} naming only the fields it has; int_quality_issues unions them.

    issue_columns(): the columns of an issue, in order, with their types.
    issue_row(*columns, **fields): one select list of those columns, each cast to its type. A positional name is a
    column of the same name in the query (issue_row('document_id', 'location')); a keyword gives the field an SQL
    expression (a string literal needs its quotes: rule="'negative_amount'"). A field not named is NULL, except
    difference, which defaults to found - expected when both are named. A name that is not an issue column is a
    compile error. -#}

{% macro issue_columns() -%}
    {{ return([
        ('rule', 'varchar'),
        ('document_id', 'varchar'),
        ('table_id', 'bigint'),
        ('table_kind', 'varchar'),
        ('figure', 'varchar'),
        ('row_key', 'varchar'),
        ('location', 'varchar'),
        ('column_key', 'varchar'),
        ('expected', 'decimal(20, 6)'),
        ('found', 'decimal(20, 6)'),
        ('difference', 'decimal(20, 6)'),
        ('tolerance', 'decimal(20, 6)'),
        ('value_unit', 'varchar'),
        ('detail', 'varchar'),
        ('resolution', 'varchar'),
    ]) }}
{%- endmacro %}

{% macro issue_row() -%}
    {%- set names = issue_columns() | map(attribute=0) | list -%}
    {%- for column in varargs -%}
        {%- do kwargs.update({column: column}) -%}
    {%- endfor -%}
    {%- for key in kwargs -%}
        {%- if key not in names -%}
            {{ exceptions.raise_compiler_error("issue_row: '" ~ key ~ "' is not an issue column (" ~ names | join(', ') ~ ")") }}
        {%- endif -%}
    {%- endfor -%}
    {%- if 'difference' not in kwargs and 'found' in kwargs and 'expected' in kwargs -%}
        {%- do kwargs.update({'difference': '(' ~ kwargs['found'] ~ ') - (' ~ kwargs['expected'] ~ ')'}) -%}
    {%- endif -%}
    {%- for name, type in issue_columns() %}
        cast({{ kwargs.get(name, 'null') }} as {{ type }}) as {{ name }}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}
