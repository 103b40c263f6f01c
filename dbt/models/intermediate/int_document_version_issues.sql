-- The superseded_revision and duplicate_disclosure issues: checks/chk_document_versions under the name tests and
-- readers of the revisions know.
{{ config(materialized='view') }}

select * from {{ ref('chk_document_versions') }}
