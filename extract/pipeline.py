"""One document in, one ``Extraction`` out: read → locate and parse tables → prose facts."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import ClassVar

from extract.identity import Identity, identify
from extract.model import (
    DocumentRecord,
    Extraction,
    ExtractionWarning,
    NotABudgetDisclosure,
    SourceDocument,
    UnreadableDocument,
    source_location,
)
from extract.prose import prose_facts
from extract.readers.pdf import read_pdf
from extract.readers.registry import TEXT, reader_format
from extract.readers.text import read_text
from extract.tables.locate import locate_tables
from extract.tables.parse import parse_table
from extract.vocabulary import TableKind

# Amount facts that make a document a budget disclosure of our family.
_KEY_PROSE = {"total_expenditure", "basic_expenditure", "project_expenditure", "function_amount"}


# --------------------------------------------------------------------------- limits (docs/reliability.md)
MiB = 1 << 20


@dataclass(frozen=True)
class Limits:
    """What one document may weigh before it is refused (quarantined) instead of read.

    ``BUDGET_MAX_FILE_MB``       file size, checked with ``stat`` before a byte is read (``file_too_large``)
    ``BUDGET_MAX_PAGES``         pages of a PDF, counted before any page is read (``too_many_pages``)
    ``BUDGET_MAX_FACTS``         table + prose facts of one document (``too_many_facts``)
    ``BUDGET_MAX_TABLE_REPEATS`` copies of one identical table (same kind, title and amounts) that one
                                 document may print (``repeated_tables``); a real disclosure prints a table
                                 once, or twice when its 公开文件 and 公开表格 are bound together
    """

    max_file_mb: float = 50
    max_pages: int = 500
    max_facts: int = 20_000
    max_table_repeats: int = 3

    ENV: ClassVar[dict[str, str]] = {
        "max_file_mb": "BUDGET_MAX_FILE_MB",
        "max_pages": "BUDGET_MAX_PAGES",
        "max_facts": "BUDGET_MAX_FACTS",
        "max_table_repeats": "BUDGET_MAX_TABLE_REPEATS",
    }

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Limits:
        """The limits from the environment; an unset, empty or unparseable value keeps the default."""
        environ = os.environ if environ is None else environ
        values = {}
        for name, variable in cls.ENV.items():
            raw = (environ.get(variable) or "").strip()
            kind = float if name == "max_file_mb" else int
            try:
                value = kind(raw) if raw else None
            except ValueError:
                value = None
            if value is not None and value > 0:
                values[name] = value
        return cls(**values)

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * MiB)


class RejectedDocument(UnreadableDocument):
    """A file refused before or after reading, with its own quarantine reason code (``reason``)."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


# reason codes of RejectedDocument (stored in raw.quarantine.reason)
EMPTY_FILE = "empty_file"
UNSUPPORTED_FORMAT = "unsupported_format"
FILE_TOO_LARGE = "file_too_large"
TOO_MANY_PAGES = "too_many_pages"
TOO_MANY_FACTS = "too_many_facts"
REPEATED_TABLES = "repeated_tables"


def read_document(path: Path, limits: Limits | None = None) -> SourceDocument:
    """The document of one file, by its suffix (``extract.readers.registry``: ``.txt``/``.md``/``.text`` a text conversion, ``.pdf``).

    Refused before reading (``RejectedDocument``): an empty file, a file over ``limits.max_file_mb``, a
    suffix no reader reads (``.docx``, ``.xlsx``, …), a PDF over ``limits.max_pages`` pages.
    """
    path = Path(path)
    limits = limits or Limits.from_env()
    suffix = path.suffix.lower()
    reader = reader_format(suffix)
    if reader is None:
        what = f"'{suffix}'" if suffix else "without a suffix"
        raise RejectedDocument(
            UNSUPPORTED_FORMAT,
            f"unsupported file type {what}: only text conversions (.txt) and PDFs are read",
        )
    size = path.stat().st_size
    if size == 0:
        raise RejectedDocument(EMPTY_FILE, "the file is empty (0 bytes)")
    if size > limits.max_file_bytes:
        raise RejectedDocument(
            FILE_TOO_LARGE,
            f"the file is {size / MiB:.1f} MB, over the limit of {limits.max_file_mb:g} MB (BUDGET_MAX_FILE_MB);"
            " not read",
        )
    if reader == TEXT:
        doc = read_text(path)
    else:  # PDF
        pages = _pdf_page_count(path)
        if pages is not None and pages > limits.max_pages:
            raise RejectedDocument(
                TOO_MANY_PAGES,
                f"the PDF has {pages} pages, over the limit of {limits.max_pages} (BUDGET_MAX_PAGES); not read",
            )
        doc = read_pdf(path)
    rows = sum(len(block.grid.rows) for block in doc.blocks if block.grid)
    if rows > limits.max_facts:  # every table row holds an amount or more: refuse before parsing them all
        raise RejectedDocument(
            TOO_MANY_FACTS,
            f"{rows} table rows, over the limit of {limits.max_facts} facts (BUDGET_MAX_FACTS)",
        )
    return doc


def _pdf_page_count(path: Path) -> int | None:
    """The page count from the PDF's page tree (no page is read); None when it cannot be opened (the reader
    then says why)."""
    try:
        import pypdfium2 as pdfium

        pdf = pdfium.PdfDocument(str(path))
    except Exception:  # noqa: BLE001 — read_pdf gives the reason
        return None
    try:
        return len(pdf)
    finally:
        pdf.close()


def _check_limits(extraction: Extraction, limits: Limits) -> None:
    """Refuse an extraction over the fact limit, or one that prints the same table more than allowed."""
    facts = len(extraction.table_facts) + len(extraction.prose_facts)
    if facts > limits.max_facts:
        raise RejectedDocument(
            TOO_MANY_FACTS, f"{facts} facts, over the limit of {limits.max_facts} (BUDGET_MAX_FACTS)"
        )
    amounts: dict[int, list] = {}
    for fact in extraction.table_facts:
        amounts.setdefault(fact.table_id, []).append((fact.row_label, fact.column_key, fact.amount))
    copies: Counter = Counter()
    titles: dict = {}
    for table in extraction.tables:
        if not amounts.get(table.table_id):
            continue  # an empty table (本部门无…) is not a copy of anything
        key = (table.table_kind, table.title, tuple(amounts[table.table_id]))
        copies[key] += 1
        titles[key] = table.title or table.table_kind
    if copies:
        key, count = copies.most_common(1)[0]
        if count > limits.max_table_repeats:
            raise RejectedDocument(
                REPEATED_TABLES,
                f"the table “{titles[key]}” is printed {count} times with the same amounts, over the limit of"
                f" {limits.max_table_repeats} (BUDGET_MAX_TABLE_REPEATS)",
            )


def extract_document(doc: SourceDocument) -> Extraction:
    """Tables, prose facts and identity of one document.  Raises NotABudgetDisclosure for a file that is not
    a disclosure, ``IdentityNotFound`` (with its reason code) for a disclosure whose unit or year cannot be
    established."""
    if not _mentions_budget(doc):
        raise _not_a_disclosure(doc, "no 预算 or 决算 anywhere in the text")
    extraction = Extraction(document=None)  # type: ignore[arg-type]  # set below, once the identity is known
    extraction.warnings.extend(doc.warnings)
    for table_id, located in enumerate(locate_tables(doc), start=1):
        try:
            parsed = parse_table(doc.document_id, table_id, located)
        except Exception as exc:  # noqa: BLE001 — one table the parser trips on is a warning; the rest loads
            extraction.warnings.append(_table_unreadable(doc, located, exc))
            continue
        extraction.tables.append(parsed.record)
        extraction.table_facts.extend(parsed.facts)
        extraction.warnings.extend(parsed.warnings)
        if located.kind == TableKind.UNCLASSIFIED:
            extraction.warnings.append(
                ExtractionWarning(
                    doc.document_id,
                    "unclassified_table",
                    source_location(located.title_line, None),
                    "a table without a recognised title or header was kept but not classified",
                )
            )
    extraction.prose_facts.extend(prose_facts(doc, doc.document_id))
    _mark_source_method(doc, extraction)
    classified = [
        t for t in extraction.tables if t.table_kind not in (TableKind.UNCLASSIFIED, TableKind.STAFFING)
    ]
    key_prose = [f for f in extraction.prose_facts if f.fact_key in _KEY_PROSE]
    if not classified and len(key_prose) < 2:
        raise _not_a_disclosure(doc, "no budget table and no budget figure in the prose")
    identity = identify(doc)
    extraction.document = _document_record(doc, identity)
    extraction.identity_evidence.extend(identity.evidence)
    extraction.warnings.extend(identity.warnings)
    return extraction


def _table_unreadable(doc: SourceDocument, located, exc: Exception) -> ExtractionWarning:
    """The warning for a table that could not be parsed: where it stands, its title, and the error."""
    first = located.rows[0] if located.rows else None
    where = source_location(first.line if first else located.title_line, first.page if first else None)
    title = located.title or "untitled table"
    return ExtractionWarning(
        doc.document_id,
        "table_unreadable",
        where,
        f"the table “{title}” could not be parsed and was left out ({type(exc).__name__}: {exc})"[:300],
    )


def _not_a_disclosure(doc: SourceDocument, finding: str) -> Exception:
    """Why a document is refused: damaged pages make it unreadable (what is left cannot say what it is);
    otherwise it is not a disclosure, and the message says which pages were read by OCR."""
    damaged = [w for w in doc.warnings if w.kind == "page_unreadable"]
    if damaged:
        pages = ", ".join(w.location for w in damaged[:5]) + (" …" if len(damaged) > 5 else "")
        return UnreadableDocument(
            f"{len(damaged)} of {doc.page_count} page(s) cannot be read ({pages}: "
            f"{damaged[0].message}) and the rest shows {finding}"[:300]
        )
    ocr = f" ({len(doc.ocr_pages)} page(s) without text layer read by OCR)" if doc.ocr_pages else ""
    return NotABudgetDisclosure(f"{finding}: not a budget disclosure{ocr}")


def _mentions_budget(doc: SourceDocument) -> bool:
    for block in doc.blocks:
        texts = (
            [block.paragraph.text]
            if block.paragraph
            else [c for row in block.grid.rows[:3] for c in row.cells]
        )
        if any("预算" in t or "决算" in t for t in texts):
            return True
    return False


def _document_record(doc: SourceDocument, identity: Identity) -> DocumentRecord:
    choices = identity.choices
    return DocumentRecord(
        document_id=doc.document_id,
        file_name=doc.file_name,
        source_format=doc.source_format,
        content_sha256=doc.content_sha256,
        unit_name=identity.unit_name,
        fiscal_year=identity.fiscal_year,
        document_kind=identity.document_kind,
        scope=identity.scope,
        title=identity.title,
        department_name=identity.department_name,
        unit_name_source=choices["unit_name"].source,
        unit_name_runner_up=choices["unit_name"].runner_up,
        fiscal_year_source=choices["fiscal_year"].source,
        fiscal_year_runner_up=choices["fiscal_year"].runner_up,
        document_kind_source=choices["document_kind"].source or "default",
        scope_source=choices["scope"].source or "default",
    )


def _mark_source_method(doc: SourceDocument, extraction: Extraction) -> None:
    """Every table and fact says how its text was read: 'text' (a text conversion), 'pdf' (the PDF's text
    layer) or 'ocr' (a page read by OCR; a table is 'ocr' when any of its pages was)."""
    if doc.source_format == "text":
        return

    def method(*pages: int | None) -> str:
        return "ocr" if any(p in doc.ocr_pages for p in pages if p is not None) else "pdf"

    extraction.tables[:] = [
        replace(t, source_method=method(*range(t.start_page or 0, (t.end_page or t.start_page or 0) + 1)))
        for t in extraction.tables
    ]
    by_table = {t.table_id: t.source_method for t in extraction.tables}
    extraction.table_facts[:] = [
        replace(f, source_method=by_table.get(f.table_id, method(f.source_page)))
        for f in extraction.table_facts
    ]
    extraction.prose_facts[:] = [
        replace(f, source_method=method(f.source_page)) for f in extraction.prose_facts
    ]


def extract_file(path: Path, limits: Limits | None = None) -> Extraction:
    """Extract one disclosure file. Raises NotABudgetDisclosure or UnreadableDocument with the reason
    (``RejectedDocument``, an UnreadableDocument with a ``reason`` code, for a file over a limit)."""
    limits = limits or Limits.from_env()
    extraction = extract_document(read_document(Path(path), limits))
    _check_limits(extraction, limits)
    return extraction
