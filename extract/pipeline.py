"""One document in, one ``Extraction`` out: read → locate and parse tables → prose facts."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

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
from extract.readers.text import read_text
from extract.tables.locate import locate_tables
from extract.tables.parse import parse_table
from extract.vocabulary import TableKind

TEXT_SUFFIXES = {".txt", ".md", ".text"}

# Amount facts that make a document a budget disclosure of our family.
_KEY_PROSE = {"total_expenditure", "basic_expenditure", "project_expenditure", "function_amount"}


def read_document(path: Path) -> SourceDocument:
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        return read_text(path)
    if suffix == ".pdf":
        return read_pdf(path)
    raise UnreadableDocument(f"unsupported file type '{suffix or path.name}'")


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
            extraction.warnings.append(ExtractionWarning(
                doc.document_id, "unclassified_table", source_location(located.title_line, None),
                "a table without a recognised title or header was kept but not classified",
            ))
    extraction.prose_facts.extend(prose_facts(doc, doc.document_id))
    _mark_source_method(doc, extraction)
    classified = [t for t in extraction.tables if t.table_kind not in (TableKind.UNCLASSIFIED, TableKind.STAFFING)]
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
        doc.document_id, "table_unreadable", where,
        f"the table “{title}” could not be parsed and was left out ({type(exc).__name__}: {exc})"[:300],
    )


def _not_a_disclosure(doc: SourceDocument, finding: str) -> Exception:
    """Why a document is refused: damaged pages make it unreadable (what is left cannot say what it is);
    otherwise it is not a disclosure, and the message says which pages were read by OCR."""
    damaged = [w for w in doc.warnings if w.kind == "page_unreadable"]
    if damaged:
        pages = ", ".join(w.location for w in damaged[:5]) + (" …" if len(damaged) > 5 else "")
        return UnreadableDocument(f"{len(damaged)} of {doc.page_count} page(s) cannot be read ({pages}: "
                                  f"{damaged[0].message}) and the rest shows {finding}"[:300])
    ocr = f" ({len(doc.ocr_pages)} page(s) without text layer read by OCR)" if doc.ocr_pages else ""
    return NotABudgetDisclosure(f"{finding}: not a budget disclosure{ocr}")


def _mentions_budget(doc: SourceDocument) -> bool:
    for block in doc.blocks:
        texts = [block.paragraph.text] if block.paragraph else [c for row in block.grid.rows[:3] for c in row.cells]
        if any("预算" in t or "决算" in t for t in texts):
            return True
    return False


def _document_record(doc: SourceDocument, identity: Identity) -> DocumentRecord:
    choices = identity.choices
    return DocumentRecord(
        document_id=doc.document_id, file_name=doc.file_name, source_format=doc.source_format,
        content_sha256=doc.content_sha256, unit_name=identity.unit_name, fiscal_year=identity.fiscal_year,
        document_kind=identity.document_kind, scope=identity.scope, title=identity.title,
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
    extraction.table_facts[:] = [replace(f, source_method=by_table.get(f.table_id, method(f.source_page)))
                                 for f in extraction.table_facts]
    extraction.prose_facts[:] = [replace(f, source_method=method(f.source_page)) for f in extraction.prose_facts]


def extract_file(path: Path) -> Extraction:
    """Extract one disclosure file. Raises NotABudgetDisclosure or UnreadableDocument with the reason."""
    return extract_document(read_document(Path(path)))
