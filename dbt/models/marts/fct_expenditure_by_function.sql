-- One row per document × function subject (类/款/项): the budget by 支出功能分类, from the document's one
-- primary source (see int_function_amounts), with missing 款/类 derived from their children.  Documents with an
-- error issue are held back (int_documents_publishable).

with

amounts as (
    select * from {{ ref('int_function_amounts') }}
),

documents as (
    select * from {{ ref('int_documents') }}
),

publishable as (
    select document_id from {{ ref('int_documents_publishable') }} where is_publishable
),

subjects as (
    select
        code,
        name
    from {{ ref('function_subjects') }}
),

final as (
    select
        amounts.document_id || ':' || amounts.subject_code as expenditure_id,
        amounts.document_id,
        documents.unit_id,
        documents.unit_name,
        documents.region,
        documents.fiscal_year,
        amounts.subject_code,
        amounts.subject_level,
        coalesce(subjects.name, amounts.printed_name, '未收录科目 ' || amounts.subject_code) as subject_name,
        {{ money('amounts.total_amount') }} as total_amount,
        {{ money('amounts.basic_amount') }} as basic_amount,
        {{ money('amounts.project_amount') }} as project_amount,
        amounts.is_derived,
        amounts.source_kind,
        amounts.source_table_kind,
        amounts.source_location
    from amounts
    inner join documents
        on documents.document_id = amounts.document_id
    inner join publishable
        on publishable.document_id = amounts.document_id
    left join subjects
        on subjects.code = amounts.subject_code
)

select * from final
