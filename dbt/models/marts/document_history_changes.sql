-- 版本差异 — one row per key figure that changed between a version and the one before it (the same unit_id,
-- fiscal year and document kind; int_document_version_changes): the old value, the new value and the change.

select
    document_id,
    unit_id,
    fiscal_year,
    document_kind,
    version_number,
    previous_document_id,
    figure,
    previous_value,
    value,
    change
from {{ ref('int_document_version_changes') }}
