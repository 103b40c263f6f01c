"""Why a file is quarantined: the reason codes stored in ``raw.quarantine.reason``.

The list, with what each means, is in docs/reliability.md.  Each code is a string declared once; the
modules that raise or record it import it from where it is declared (the readers' limits from
``extract.pipeline``, identity from ``extract.identity``) and this module gathers them into ``REASON_CODES``.
"""

from extract.identity import FISCAL_YEAR_NOT_FOUND, UNIT_NOT_FOUND
from extract.pipeline import (
    EMPTY_FILE,
    FILE_TOO_LARGE,
    REPEATED_TABLES,
    TOO_MANY_FACTS,
    TOO_MANY_PAGES,
    UNSUPPORTED_FORMAT,
)

# the entry is not opened (the inbox's confinement: dagster_project.defs.raw_documents.folder.inbox_problem)
OUTSIDE_INBOX = "outside_inbox"
DANGLING_LINK = "dangling_link"
NOT_A_FILE = "not_a_file"

# read, and found wanting
NOT_A_BUDGET_DISCLOSURE = "not_a_budget_disclosure"
UNREADABLE_DOCUMENT = "unreadable_document"
# a parser bug, or rows the warehouse refused
EXTRACTION_ERROR = "extraction_error"
LOAD_REJECTED = "load_rejected"

REASON_CODES = (
    # the entry is not opened
    OUTSIDE_INBOX,
    DANGLING_LINK,
    NOT_A_FILE,
    # refused before or after reading (extract.pipeline.RejectedDocument; limits: extract.pipeline.Limits)
    EMPTY_FILE,
    UNSUPPORTED_FORMAT,
    FILE_TOO_LARGE,
    TOO_MANY_PAGES,
    TOO_MANY_FACTS,
    REPEATED_TABLES,
    # read, and found wanting
    UNREADABLE_DOCUMENT,
    NOT_A_BUDGET_DISCLOSURE,
    UNIT_NOT_FOUND,
    FISCAL_YEAR_NOT_FOUND,
    # a parser bug, or rows the warehouse refused
    EXTRACTION_ERROR,
    LOAD_REJECTED,
)
