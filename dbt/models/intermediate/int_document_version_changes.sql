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

-- a version and the version before it (duplicates have no pair; a first version has none)
pairs as (
    select
        document_id,
        unit_id,
        fiscal_year,
        document_kind,
        version_number,
        previous_document_id
    from versions
    where not is_duplicate
        and previous_document_id is not null
),

-- each pair's figures, from both of its documents.  Joined by document id only, never figure to figure (a
-- join of the figures of every document with those of every other, which the planner chose over 10,000
-- documents and which filled the disk)
pair_values as (
    select
        pairs.document_id,
        figures_long.figure,
        'current' as side,
        figures_long.value
    from pairs
    inner join figures_long
        on figures_long.document_id = pairs.document_id
    union all
    select
        pairs.document_id,
        figures_long.figure,
        'previous' as side,
        figures_long.value
    from pairs
    inner join figures_long
        on figures_long.document_id = pairs.previous_document_id
),

-- the figures both versions state (a row each, the value NULL or not)
compared as (
    select
        document_id,
        figure,
        max(value) filter (where side = 'previous') as previous_value,
        max(value) filter (where side = 'current') as value
    from pair_values
    group by document_id, figure
    having count(*) filter (where side = 'previous') > 0
        and count(*) filter (where side = 'current') > 0
),

final as (
    select
        pairs.document_id,
        pairs.unit_id,
        pairs.fiscal_year,
        pairs.document_kind,
        pairs.version_number,
        pairs.previous_document_id,
        compared.figure,
        {{ money('compared.previous_value') }} as previous_value,
        {{ money('compared.value') }} as value,
        {{ money('compared.value - compared.previous_value') }} as change
    from pairs
    inner join compared
        on compared.document_id = pairs.document_id
    where compared.value is distinct from compared.previous_value
)

select * from final
