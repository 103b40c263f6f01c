-- One row per document × figure: the value chosen among the candidates, where it was read, and whether the
-- document states a different value elsewhere.
--
-- Choice: the eligible candidate (prose, or a table that passed every check) with the lowest precedence;
-- ties go to the candidate printed first (page, then line, then table), then by value, kind, prose key and
-- scope, column, line item and finally candidate_id, so the choice is the same in every build.
-- has_conflict: another eligible, comparable candidate differs from the chosen value by more than money_tolerance
--   (0.01, dbt_project.yml); the chosen one must be comparable too.

{{ config(**incremental_by_document()) }}

with

candidates as (
    select * from {{ ref('int_figure_candidates') }}
    where {{ stale_documents_only('document_id') }}
),

documents as (
    select document_id from {{ ref('stg_documents') }}
    where {{ stale_documents_only('document_id') }}
),

-- the figures reconciled here, with their value kind (seed figures)
figures as (
    select
        figure,
        value_kind
    from {{ ref('figures') }}
    where reconciled
),

ranked as (
    select
        candidates.*,
        row_number() over (
            partition by candidates.document_id, candidates.figure
            order by
                candidates.precedence,
                candidates.source_page nulls first,
                candidates.source_line nulls first,
                candidates.table_id nulls first,
                candidates.value,
                -- a total order: two prose facts of one sentence (same page and line, no table) used to tie
                -- here and flip prose_scope between builds; candidate_id is unique (int_figure_candidates)
                candidates.source_kind,
                candidates.prose_fact_key nulls first,
                candidates.prose_scope nulls first,
                candidates.column_key nulls first,
                candidates.line_item nulls first,
                candidates.candidate_id
        ) as pick
    from candidates
    where candidates.is_eligible
),

chosen as (
    select * from ranked where pick = 1
),

counts as (
    select
        document_id,
        figure,
        count(*) as candidate_count,
        count(*) filter (where is_eligible) as eligible_candidate_count
    from candidates
    group by document_id, figure
),

-- other values that disagree with the chosen one, one row per distinct value
conflicting_values as (
    select
        chosen.document_id,
        chosen.figure,
        other.value,
        string_agg(
            case
                when other.source_kind = 'table' then other.table_kind || ' table, ' || other.source_location
                else 'prose ' || other.prose_fact_key || ', ' || other.source_location
            end,
            '; '
            order by other.source_page nulls first, other.source_line nulls first
        ) as sources
    from chosen
    inner join candidates as other
        on other.document_id = chosen.document_id
            and other.figure = chosen.figure
            and other.candidate_id <> chosen.candidate_id
    where other.is_eligible
        and other.is_comparable
        and chosen.is_comparable
        and abs(other.value - chosen.value) > {{ var('money_tolerance') }}
    group by chosen.document_id, chosen.figure, other.value
),

conflicts as (
    select
        document_id,
        figure,
        list(value order by value) as conflict_values,
        string_agg({{ fmt_amount('value') }} || ' (' || sources || ')', '; ' order by value) as conflict_detail
    from conflicting_values
    group by document_id, figure
),

furthest as (
    select
        conflicting_values.document_id,
        conflicting_values.figure,
        arg_max(conflicting_values.value, abs(conflicting_values.value - chosen.value)) as furthest_value
    from conflicting_values
    inner join chosen
        on chosen.document_id = conflicting_values.document_id
            and chosen.figure = conflicting_values.figure
    group by conflicting_values.document_id, conflicting_values.figure
),

final as (
    select
        documents.document_id,
        figures.figure,
        figures.value_kind,
        chosen.value,
        chosen.source_kind,
        chosen.table_id,
        chosen.table_kind,
        chosen.column_key,
        chosen.line_item,
        chosen.prose_fact_key,
        chosen.prose_scope,
        chosen.precedence,
        chosen.source_location,
        chosen.derivation,
        case
            when chosen.source_kind = 'table'
                then chosen.table_kind || ' table (' || coalesce(chosen.line_item, '') || '/'
                    || coalesce(chosen.column_key, '') || '), ' || chosen.source_location
            when chosen.source_kind = 'prose'
                then 'prose ' || chosen.prose_fact_key || ' (scope ' || chosen.prose_scope || '), '
                    || chosen.source_location
        end as source_description,
        cast(coalesce(counts.candidate_count, 0) as integer) as candidate_count,
        cast(coalesce(counts.eligible_candidate_count, 0) as integer) as eligible_candidate_count,
        conflicts.document_id is not null as has_conflict,
        conflicts.conflict_values,
        conflicts.conflict_detail,
        furthest.furthest_value as conflict_furthest_value
    from documents
    cross join figures
    left join chosen
        on chosen.document_id = documents.document_id
            and chosen.figure = figures.figure
    left join counts
        on counts.document_id = documents.document_id
            and counts.figure = figures.figure
    left join conflicts
        on conflicts.document_id = documents.document_id
            and conflicts.figure = figures.figure
    left join furthest
        on furthest.document_id = documents.document_id
            and furthest.figure = figures.figure
)

select * from final
