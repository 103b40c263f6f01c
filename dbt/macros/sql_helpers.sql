{#- Small SQL building blocks shared by the models. -#}

{#- Human-readable provenance, the same strings as extract.model.source_location():
    'page 4, line 12' | 'page 4' | 'line 123' | ''. -#}
{% macro source_location(line_col, page_col) -%}
    case
        when {{ page_col }} is not null and {{ line_col }} is not null
            then 'page ' || {{ page_col }} || ', line ' || {{ line_col }}
        when {{ page_col }} is not null then 'page ' || {{ page_col }}
        when {{ line_col }} is not null then 'line ' || {{ line_col }}
        else ''
    end
{%- endmacro %}

{#- Money in 万元: always DECIMAL(20,6), never DOUBLE. -#}
{% macro money(expr) -%}
    cast({{ expr }} as decimal(20, 6))
{%- endmacro %}

{#- A ratio num/den as DECIMAL(12,6), NULL when either side is NULL or the denominator is 0.
    DuckDB divides decimals in DOUBLE; the quotient is rounded to 6 places before the cast. -#}
{% macro safe_ratio(num, den) -%}
    case
        when {{ num }} is null or {{ den }} is null or {{ den }} = 0 then null
        else cast(round(cast({{ num }} as double) / cast({{ den }} as double), 6) as decimal(12, 6))
    end
{%- endmacro %}

{#- Amount per person, in 万元 per person: DECIMAL(20,6), NULL when there is no head count. -#}
{% macro safe_per_capita(num, den) -%}
    case
        when {{ num }} is null or {{ den }} is null or {{ den }} = 0 then null
        else cast(round(cast({{ num }} as double) / cast({{ den }} as double), 6) as decimal(20, 6))
    end
{%- endmacro %}

{#- A decimal as short text: 1292.070000 → '1292.07', 100.000000 → '100'. -#}
{% macro fmt_amount(expr) -%}
    case
        when {{ expr }} is null then 'NULL'
        when cast({{ expr }} as varchar) like '%.%'
            then rtrim(rtrim(cast({{ expr }} as varchar), '0'), '.')
        else cast({{ expr }} as varchar)
    end
{%- endmacro %}

{#- The key a unit is matched on: no whitespace, full-width parentheses, and no leading 中共 / 中国共产党 (a
    Party organ is printed with and without it: 中共XX省委办公厅 = XX省委办公厅). -#}
{#- The stable key of a budget unit across years and files: its unit_key without a trailing qualifier
    (（本级）, （机关）, （本部）), qualified by its province where known: 'XX省/XX市XX局'. -#}
{% macro unit_id(key_expr, province_expr) -%}
    coalesce({{ province_expr }} || '/', '')
        || regexp_replace({{ key_expr }}, '（(本级|机关|本部)）$', '')
{%- endmacro %}

{% macro unit_key(expr) -%}
    regexp_replace(
        replace(replace(regexp_replace({{ expr }}, '\s+', '', 'g'), '(', '（'), ')', '）'),
        '^(中国共产党|中共)', ''
    )
{%- endmacro %}

{#- Where a figure was read; the file name is added when its disclosure spans several files. -#}
{% macro file_location(location_col, files_alias) -%}
    case
        when {{ files_alias }}.disclosure_file_count > 1
            then {{ files_alias }}.file_name || ', ' || {{ location_col }}
        else {{ location_col }}
    end
{%- endmacro %}

{#- Level of a function/economic subject code from its length. -#}
{% macro level_from_code(code) -%}
    case length({{ code }}) when 3 then '类' when 5 then '款' when 7 then '项' end
{%- endmacro %}

{#- One SQL fragment per focus class of the function classification (var focus_function_classes: the 类 that get
    their own columns), `{code}` replaced by the class code, joined by `sep`:
    {{ per_focus_class("coalesce(x.expenditure_{code}, 0) as expenditure_{code}") }}. -#}
{% macro per_focus_class(template, sep=',\n        ') -%}
    {%- set parts = [] -%}
    {%- for code in var('focus_function_classes') -%}
        {%- do parts.append(template | replace('{code}', code)) -%}
    {%- endfor -%}
    {{ parts | join(sep) }}
{%- endmacro %}
