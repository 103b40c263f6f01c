-- What the reading of a file left open:
--   extraction_warning     a warning of extract/ (raw.extraction_warnings); a warning kind that is a rule of its own
--                          in the quality_rules seed (identity_conflict, identity_from_file_name) keeps its name.
--                          A file whose unit rests on its name alone, in a disclosure whose other file states the
--                          unit in its text, says so: the other file is the evidence.
--   ocr_table_unverified   a table read by OCR fails its own sums or has none that could be checked
--                          (int_ocr_tables): held back from the marts, its facts stay in raw.

with

warnings as (
    select * from {{ ref('stg_extraction_warnings') }}
),

rules as (
    select rule from {{ ref('quality_rules') }}
),

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

extraction_issues as (
    select
        {{ issue_row(
            'document_id',
            rule="case when warnings.warning_kind in (select rule from rules) then warnings.warning_kind
                else 'extraction_warning' end",
            location='source_location',
            detail="warning_kind || ': ' || message",
            resolution="case
                when confirmed_by_sibling.sibling is not null
                    then 'confirmed by the other file of the disclosure: ' || confirmed_by_sibling.sibling
                when warnings.warning_kind like 'identity%'
                    then 'identity chosen by the weight of its evidence; see raw.identity_evidence'
                else 'recorded by the extractor; no figure taken from it'
            end"
        ) }}
    from warnings
    left join confirmed_by_sibling
        on confirmed_by_sibling.source_document_id = warnings.source_document_id
),

ocr_table_issues as (
    select
        {{ issue_row(
            'document_id', 'table_id', 'table_kind',
            rule="'ocr_table_unverified'",
            location='source_location',
            value_unit="'万元'",
            detail="case
                when has_checkable_sum then 'table read by OCR fails ' || firing_count || ' of its own sums'
                else 'table read by OCR has no sum that could be checked'
            end",
            resolution="'OCR table held back from the marts (its facts stay in raw); figures taken from other sources'"
        ) }}
    from {{ ref('int_ocr_tables') }}
    where not is_verified
),

final as (
    select * from extraction_issues
    union all
    select * from ocr_table_issues
)

select * from final
