"""The contract between extract/ and the rest: the neutral document model and the facts it yields.

Every reader (text conversion today, PDF next) produces a ``SourceDocument``; every parser works on
that model only.  The result of extracting one document is an ``Extraction``: one ``DocumentRecord``,
the tables found (``TableRecord``), long-format ``TableFact`` rows and ``ProseFact`` rows.  Amounts are
``Decimal`` in 万元 (converted from 元 where a table's unit line says so), and every row carries its
provenance (page for PDFs, line for text conversions).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

EXTRACTOR_VERSION = "3"  # 2: PDF reader; 3: identity evidence, page-level warnings, OCR

# How a fact's text was obtained: a text conversion, a PDF's text layer, or OCR of a page without one.
SOURCE_METHODS = ("text", "pdf", "ocr")


# --------------------------------------------------------------------------- document model
@dataclass(frozen=True)
class GridRow:
    """One row of a table as printed: its cells left to right and where it was read."""

    cells: tuple[str, ...]
    line: int | None = None  # 1-based line in a text conversion
    page: int | None = None  # 1-based page in a PDF
    raw_text: str = ""


@dataclass
class Grid:
    """A block of table rows as found by a reader, before any classification."""

    rows: list[GridRow]
    page: int | None = None


@dataclass(frozen=True)
class Paragraph:
    """A run of prose: one paragraph of the text layer, with the heading path it sits under."""

    text: str
    line: int | None = None
    page: int | None = None
    is_heading: bool = False


@dataclass
class Block:
    """One item of the document in reading order: a paragraph or a grid."""

    paragraph: Paragraph | None = None
    grid: Grid | None = None


@dataclass(frozen=True)
class ExtractionWarning:
    document_id: str
    kind: str  # 'unresolved_subject' | 'unclassified_table' | …
    location: str
    message: str


@dataclass
class SourceDocument:
    """What every reader yields: the document's blocks in reading order."""

    document_id: str  # sha256 of the file's bytes, first 16 hex digits
    file_name: str
    source_format: str  # 'text' | 'pdf'
    content_sha256: str
    blocks: list[Block] = field(default_factory=list)
    page_count: int | None = None
    line_count: int | None = None
    # what the reader could not read, page by page (a damaged page is a warning, not a lost document)
    warnings: list[ExtractionWarning] = field(default_factory=list)
    ocr_pages: set[int] = field(default_factory=set)  # 1-based pages read by OCR (no text layer)
    metadata_title: str | None = None  # the PDF's /Title (evidence of identity, weak)


# --------------------------------------------------------------------------- facts
@dataclass(frozen=True)
class DocumentRecord:
    document_id: str
    file_name: str
    source_format: str
    content_sha256: str
    unit_name: str
    fiscal_year: int
    document_kind: str  # '部门预算' | '单位预算' | '部门决算' | '单位决算'
    scope: str  # '部门' | '单位'
    title: str
    extractor_version: str = EXTRACTOR_VERSION
    department_name: str | None = (
        None  # 预算主管部门 of a 单位预算, when its cover names one other than the unit
    )
    # identity as evidence (extract.identity): the source of each chosen value and the runner-up value
    unit_name_source: str | None = None
    unit_name_runner_up: str | None = None
    fiscal_year_source: str | None = None
    fiscal_year_runner_up: str | None = None
    document_kind_source: str | None = None
    scope_source: str | None = None


@dataclass(frozen=True)
class TableRecord:
    document_id: str
    table_id: int  # ordinal of the table within its document, from 1
    table_kind: str  # a TableKind value
    title: str  # the title as printed ('' where the table had none)
    unit_label: str  # '万元' | '元' as printed on the unit line; '万元' when absent
    is_empty: bool  # no amounts at all (or all zero with a note saying so)
    empty_note: str  # the note such as “本部门无…支出” when found
    subject_system: str | None  # 'function' | 'economic' | None
    code_layout: str  # 'code_column' | 'split_columns' | 'names_only' | 'none'
    row_count: int
    start_line: int | None = None
    end_line: int | None = None
    start_page: int | None = None
    end_page: int | None = None
    source_method: str = "text"  # a SOURCE_METHODS value: how the table's pages were read


@dataclass(frozen=True)
class TableFact:
    """One amount of one table cell, in long format."""

    document_id: str
    table_id: int
    table_kind: str
    row_index: int  # data-row ordinal within the table, from 1
    row_label: str  # the row's name as printed (whitespace removed)
    subject_system: str | None  # 'function' | 'economic' | None
    subject_code: str | None  # 3/5/7 digits (function) or 3/5 digits (economic)
    subject_level: str | None  # '类' | '款' | '项'
    parent_code: str | None  # code of the enclosing subject row as printed (positional for names-only tables)
    code_origin: str | None  # 'printed' | 'name' | 'alias' | 'fuzzy' | None
    line_item: str | None  # canonical key of a non-subject row: 'table_total', 'expenditure_total', …
    column_key: str  # 'total' | 'basic' | 'project' | 'personnel' | 'public' | …
    column_label: str  # the header path as printed, '/'-joined
    amount: Decimal  # 万元
    unit_label: str  # unit printed for the table
    source_line: int | None
    source_page: int | None
    raw_text: str
    source_method: str = "text"


@dataclass(frozen=True)
class ProseFact:
    """A figure stated in the prose, with the sentence it was read from."""

    document_id: str
    fact_key: str  # e.g. 'total_expenditure', 'personnel_expenditure', 'staff_in_service', 'function_amount'
    subject_code: str | None  # for fact_key='function_amount'
    subject_level: str | None
    scope: str  # 'all' (whole budget) | 'fiscal' (财政拨款) | 'gpb' (一般公共预算)
    value: Decimal
    value_unit: str  # '万元' | '人'
    section: str  # the heading the sentence sits under
    sentence: str
    source_line: int | None
    source_page: int | None
    source_method: str = "text"


@dataclass
class Extraction:
    document: DocumentRecord
    tables: list[TableRecord] = field(default_factory=list)
    table_facts: list[TableFact] = field(default_factory=list)
    prose_facts: list[ProseFact] = field(default_factory=list)
    warnings: list[ExtractionWarning] = field(default_factory=list)
    identity_evidence: list = field(default_factory=list)  # extract.identity.EvidenceRow, one per candidate


class NotABudgetDisclosure(Exception):
    """The input is readable but is not a budget disclosure of the family we load."""


class UnreadableDocument(Exception):
    """The input cannot be read at all (wrong encoding, empty, encrypted, truncated…)."""


def source_location(line: int | None, page: int | None) -> str:
    """Human-readable provenance: 'page 4' for PDFs, 'line 123' for text conversions."""
    if page is not None and line is not None:
        return f"page {page}, line {line}"
    if page is not None:
        return f"page {page}"
    if line is not None:
        return f"line {line}"
    return ""
