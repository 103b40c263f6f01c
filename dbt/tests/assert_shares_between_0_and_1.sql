-- Shares of total_expenditure lie in [0, 1] (a class cannot exceed the total).
select document_id, three_public_share, share_208, share_210, share_221
from {{ ref('unit_metrics') }}
where three_public_share not between 0 and 1
    or share_208 not between 0 and 1
    or share_210 not between 0 and 1
    or share_221 not between 0 and 1
