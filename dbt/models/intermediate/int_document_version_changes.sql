-- One row per key figure that changed between a version and the version before it (int_document_versions):
-- the figure's previous and new value (NULL where one of the two does not state it).  Duplicates have no row
-- (their figures are their version's); a first version has none.

with

versions as (
    select * from {{ ref('int_document_versions') }}
),

unit_figures as (
    select * from {{ ref('int_unit_figures') }}
),

-- the versioned figures (figures.versioned) of every document, NULL included
figures_long as (
    select
        document_id,
        figure,
        value
    from ({{ unit_figures_long('unit_figures') }}) as unit_figures_long
    where is_versioned
),

final as (
    select
        versions.document_id,
        versions.unit_id,
        versions.fiscal_year,
        versions.document_kind,
        versions.version_number,
        versions.previous_document_id,
        current_values.figure,
        {{ money('previous_values.value') }} as previous_value,
        {{ money('current_values.value') }} as value,
        {{ money('current_values.value - previous_values.value') }} as change
    from versions
    inner join figures_long as current_values
        on current_values.document_id = versions.document_id
    inner join figures_long as previous_values
        on previous_values.document_id = versions.previous_document_id
            and previous_values.figure = current_values.figure
    where not versions.is_duplicate
        and versions.previous_document_id is not null
        and current_values.value is distinct from previous_values.value
)

select * from final
