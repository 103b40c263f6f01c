-- Every quality issue of every document, one row each, with the rule's severity from the quality_rules seed:
--   * within_table: a table fails its own sums (int_table_checks) → the table is excluded from the marts;
--   * cross_source: a figure whose sources disagree (int_figures_reconciled: figure_conflict,
--     three_public_table_vs_prose, headcount_conflict) and the comparisons of int_cross_checks;
--   * plausibility: int_plausibility_checks, and a document without a usable total_expenditure;
--   * extraction: an extraction warning from extract/.
-- Severity `error` (fiscal year implausible, negative or missing total) holds the document back from the marts
-- (int_documents_publishable); everything else is published with the issue recorded here.

with

checks as (
    select * from {{ ref('int_table_checks') }}
),

figures as (
    select * from {{ ref('int_figures_reconciled') }}
),

cross_checks as (
    select * from {{ ref('int_cross_checks') }}
),

plausibility_checks as (
    select * from {{ ref('int_plausibility_checks') }}
),

warnings as (
    select * from {{ ref('stg_extraction_warnings') }}
),

rules as (
    select * from {{ ref('quality_rules') }}
),

documents as (
    select * from {{ ref('int_documents') }}
),

held_back as (
    select 'document held back from the marts (fct_expenditure_by_function, unit_metrics, figure_sources, dim_unit); '
        || 'it stays in raw and quality_issues' as resolution
),

table_check_issues as (
    select
        rule,
        document_id,
        table_id,
        table_kind,
        cast(null as varchar) as figure,
        row_key,
        location,
        column_key,
        expected,
        found,
        difference,
        tolerance,
        '万元' as value_unit,
        'row ' || row_key || ', column ' || column_key || ': printed ' || {{ fmt_amount('found') }}
            || ', sum of ' || term_count || ' terms (' || coalesce(nullif(terms, ''), 'none printed') || ') = '
            || {{ fmt_amount('expected') }} || ', tolerance ' || {{ fmt_amount('tolerance') }} as detail,
        'table excluded from marts; figures taken from other sources' as resolution
    from checks
),

conflict_issues as (
    select
        case
            when figure like 'three_public%' then 'three_public_table_vs_prose'
            when figure like 'staff%' then 'headcount_conflict'
            else 'figure_conflict'
        end as rule,
        document_id,
        table_id,
        table_kind,
        figure,
        line_item as row_key,
        source_location as location,
        column_key,
        value as expected,
        conflict_furthest_value as found,
        {{ money('conflict_furthest_value - value') }} as difference,
        case when value_kind = 'headcount' then 0 else 0.01 end as tolerance,
        case when value_kind = 'headcount' then '人' else '万元' end as value_unit,
        figure || ': ' || {{ fmt_amount('value') }} || ' from ' || source_description
            || '; also stated: ' || conflict_detail as detail,
        'used ' || source_description || ' by precedence; other values: ' || conflict_detail as resolution
    from figures
    where has_conflict
),

-- a file whose unit rests on its name alone, in a disclosure whose other file states the unit in its text (the
-- tables file's 编制部门 lines for a prose file, or the other way round): the other file is the evidence
confirmed_by_sibling as (
    select
        warnings.source_document_id,
        min(siblings.file_name || ' (' || siblings.unit_name_source || ')') as sibling
    from warnings
    inner join {{ ref('stg_source_files') }} as siblings
        on siblings.document_id = warnings.document_id
        and siblings.source_document_id <> warnings.source_document_id
    where warnings.warning_kind = 'identity_from_file_name'
        and siblings.unit_name_source not in ('file_name', 'metadata_title')
    group by warnings.source_document_id
),

-- a warning kind that is a rule of its own (identity_conflict, identity_from_file_name) keeps its name
extraction_issues as (
    select
        case
            when warnings.warning_kind in (select rule from rules) then warnings.warning_kind
            else 'extraction_warning'
        end as rule,
        document_id,
        cast(null as integer) as table_id,
        cast(null as varchar) as table_kind,
        cast(null as varchar) as figure,
        cast(null as varchar) as row_key,
        source_location as location,
        cast(null as varchar) as column_key,
        cast(null as decimal(20, 6)) as expected,
        cast(null as decimal(20, 6)) as found,
        cast(null as decimal(20, 6)) as difference,
        cast(null as decimal(20, 6)) as tolerance,
        cast(null as varchar) as value_unit,
        warning_kind || ': ' || message as detail,
        case
            when confirmed_by_sibling.sibling is not null
                then 'confirmed by the other file of the disclosure: ' || confirmed_by_sibling.sibling
            when warnings.warning_kind like 'identity%'
                then 'identity chosen by the weight of its evidence; see raw.identity_evidence'
            else 'recorded by the extractor; no figure taken from it'
        end as resolution
    from warnings
    left join confirmed_by_sibling
        on confirmed_by_sibling.source_document_id = warnings.source_document_id
),

-- an OCR table that fails its sums or has none that could be checked (int_ocr_tables): held back from the marts
ocr_table_issues as (
    select
        'ocr_table_unverified' as rule,
        document_id,
        table_id,
        table_kind,
        cast(null as varchar) as figure,
        cast(null as varchar) as row_key,
        source_location as location,
        cast(null as varchar) as column_key,
        cast(null as decimal(20, 6)) as expected,
        cast(null as decimal(20, 6)) as found,
        cast(null as decimal(20, 6)) as difference,
        cast(null as decimal(20, 6)) as tolerance,
        '万元' as value_unit,
        case
            when has_checkable_sum then 'table read by OCR fails ' || firing_count || ' of its own sums'
            else 'table read by OCR has no sum that could be checked'
        end as detail,
        'OCR table held back from the marts (its facts stay in raw); figures taken from other sources' as resolution
    from {{ ref('int_ocr_tables') }}
    where not is_verified
),

missing_total_issues as (
    select
        'missing_total_expenditure' as rule,
        figures.document_id,
        cast(null as integer) as table_id,
        cast(null as varchar) as table_kind,
        figures.figure,
        cast(null as varchar) as row_key,
        '' as location,
        cast(null as varchar) as column_key,
        cast(null as decimal(20, 6)) as expected,
        cast(null as decimal(20, 6)) as found,
        cast(null as decimal(20, 6)) as difference,
        cast(null as decimal(20, 6)) as tolerance,
        '万元' as value_unit,
        case
            when figures.candidate_count = 0 then 'total_expenditure: no table or prose states it'
            else 'total_expenditure: ' || figures.candidate_count
                || ' candidate(s), all from tables that failed a check'
        end as detail,
        held_back.resolution
    from figures
    cross join held_back
    where figures.figure = 'total_expenditure'
        and figures.value is null
),

unioned as (
    select * from table_check_issues
    union all
    select * from conflict_issues
    union all
    select * from cross_checks
    union all
    select * from plausibility_checks
    union all
    select * from extraction_issues
    union all
    select * from missing_total_issues
    union all
    select * from ocr_table_issues
    union all
    select * from {{ ref('int_document_version_issues') }}
),

rated as (
    select
        unioned.* exclude (resolution),
        coalesce(rules.severity, 'warning') as severity,
        rules.category,
        case when rules.severity = 'error' then held_back.resolution else unioned.resolution end as resolution
    from unioned
    cross join held_back
    left join rules
        on rules.rule = unioned.rule
),

numbered as (
    select
        *,
        row_number() over (
            partition by rule, document_id, table_id, figure, row_key, location, column_key, expected, found, detail
        ) as occurrence
    from rated
),

final as (
    select
        md5(concat_ws('|',
            numbered.rule, numbered.document_id, numbered.table_id, numbered.figure, numbered.row_key,
            numbered.location, numbered.column_key, numbered.expected, numbered.found, numbered.detail,
            numbered.occurrence
        )) as issue_id,
        numbered.rule,
        numbered.document_id,
        numbered.table_id,
        numbered.table_kind,
        numbered.figure,
        numbered.location,
        numbered.column_key,
        {{ money('numbered.expected') }} as expected,
        {{ money('numbered.found') }} as found,
        {{ money('numbered.difference') }} as difference,
        numbered.severity,
        numbered.detail,
        numbered.resolution,
        numbered.category,
        numbered.row_key,
        {{ money('numbered.tolerance') }} as tolerance,
        numbered.value_unit,
        documents.unit_name,
        documents.fiscal_year
    from numbered
    left join documents
        on documents.document_id = numbered.document_id
)

select * from final
