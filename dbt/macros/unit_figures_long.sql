{#- The unit figures in long form: one row per document × figure column of int_unit_figures (NULL values
    included), value DECIMAL(20,6), with the catalogue's flags (seed figures: is_versioned, is_executed).
    `unit_figures` names the relation or CTE holding int_unit_figures' rows.  Used by int_document_versions,
    int_document_version_changes and int_budget_execution, so the figure list is the seed's, written once. -#}
{% macro unit_figures_long(unit_figures) -%}
    select
        unpivoted.document_id,
        unpivoted.figure,
        unpivoted.value,
        coalesce(catalogue.versioned, false) as is_versioned,
        coalesce(catalogue.executed, false) as is_executed
    from (
        select
            document_id,
            cast(columns(* exclude (document_id, staff_basis)) as decimal(20, 6))
        from {{ unit_figures }}
    )
    unpivot include nulls (value for figure in (columns(* exclude (document_id)))) as unpivoted
    left join {{ ref('figures') }} as catalogue
        on catalogue.figure = unpivoted.figure
{%- endmacro %}
