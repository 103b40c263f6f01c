"""Reader for PDF disclosures: the text layer, page by page, each page routed by its ruling.

Every page yields the same model as a text conversion — ``Paragraph`` lines and ``Grid`` tables in reading
order, each with its page number — so the table and prose parsers never know a PDF was read:

- a **ruled** page (drawn lines, or cells drawn as rectangles) goes to pdfplumber's table finder with the
  lines strategy: cells come from the ruling, so a name wrapped inside its cell stays one cell;
- an **unruled** page is read from its characters' positions (``extract.readers.pdf_unruled``): column bands
  from the words of the rows with amounts or codes, the header's cells placed over them, and a name wrapped
  over lines kept with its row; a table continued from the previous page keeps that page's columns;
- every text line outside the tables is a ``Paragraph`` (titles, 单位 lines, prose), so titles and unit
  lines are read exactly as in a text conversion.  Page numbers in the margins are dropped.

Refused with ``UnreadableDocument`` (the load quarantines them): files that are not PDFs, truncated PDFs,
PDFs that need a password, and PDFs of which no page can be read.  A damaged page is a ``page_unreadable``
warning; a page without a text layer is read by OCR (``extract.readers.ocr``).  Why pdfplumber for ruled pages and our own
reader for unruled ones: docs/pdf_extraction.md (measured on the real PDFs and the rendered seeds).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

import pdfplumber
import pypdfium2 as pdfium
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfplumber.utils.exceptions import PdfminerException

from extract.model import (
    Block,
    ExtractionWarning,
    Grid,
    GridRow,
    Paragraph,
    SourceDocument,
    UnreadableDocument,
    source_location,
)
from extract.readers.ocr import ocr_available, ocr_page
from extract.readers.pdf_layout import open_pdfium
from extract.readers.pdf_layout import read_page as read_pdfium_page
from extract.readers.pdf_unruled import group_lines, page_words, read_unruled_tables
from extract.readers.text import content_hash
from extract.tables.classify import classify_title
from extract.tables.locate import is_furniture
from extract.text_clean import is_amount
from warehouse.files import id_of_digest

# pdfplumber's lines strategy; text inside a cell is read with a tight tolerance so CJK keeps no spaces
DEFAULT_BACKEND = "pdfium"
RULED_TABLE_SETTINGS = {"vertical_strategy": "lines", "horizontal_strategy": "lines", "text_x_tolerance": 1.5}
TEXT_X_TOLERANCE = 1.5
RULE_THICKNESS = 3.0  # points: a filled rectangle thinner than this is a drawn rule
MIN_CHARS_PER_PAGE = 8  # fewer characters on average: a scan without a text layer
MARGIN_SHARE = 0.08  # page numbers live in the top/bottom 8 % of the page
MAX_TITLE_PIECE = 8  # the tail of a broken title line is this short

_PAGE_NUMBER = re.compile(
    r"^(?:[-—–－]\s*)?(?:第\s*)?\d{1,4}(?:\s*页)?(?:\s*[/／]\s*\d{1,4}|\s*共\s*\d{1,4}\s*页)?(?:\s*[-—–－])?$"
)


@dataclass(frozen=True)
class PageRoute:
    """How one page was read: 'ruled' (pdfplumber), 'unruled' (character positions) or 'text' (no table)."""

    page: int
    route: str
    tables: int


def read_pdf(path: Path) -> SourceDocument:
    doc, _ = read_pdf_with_routes(path)
    return doc


def read_pdf_with_routes(
    path: Path, backend: str = DEFAULT_BACKEND
) -> tuple[SourceDocument, list[PageRoute]]:
    """The document and how each page was routed.  ``backend``: 'pdfium' (default, fast) or 'pdfplumber'
    (pdfminer) — both give the reader the same page objects (``extract.readers.pdf_layout``).

    A page that cannot be read is a warning (``page_unreadable``: page and reason) and the rest of the document
    loads; a page without a text layer is read by OCR (``extract.readers.ocr``) and listed in ``ocr_pages``.
    The document is ``UnreadableDocument`` only when the file cannot be opened or no page can be read.
    """
    path = Path(path)
    data = path.read_bytes()
    _check_file(data)
    digest = content_hash(data)
    doc = SourceDocument(
        document_id=id_of_digest(digest), file_name=path.name, source_format="pdf", content_sha256=digest
    )
    routes: list[PageRoute] = []
    columns = None  # the columns of an unruled table that ended the previous page
    try:
        opened = _open(data, backend)
    except Exception as exc:  # every way a file fails to open is a reason, not a crash
        raise _unreadable(exc) from exc
    with opened as pdf:
        doc.page_count = pdf.page_count
        doc.metadata_title = pdf.metadata_title()
        if not doc.page_count:
            raise UnreadableDocument("the PDF has no pages")
        for number in range(1, doc.page_count + 1):
            try:
                page = pdf.page(number).dedupe_chars()
                if len(page.chars) < MIN_CHARS_PER_PAGE:
                    page = _ocr_or_none(pdf, number, doc) or page
                blocks, route, columns = _read_page(page, number, columns)
            except Exception as exc:  # noqa: BLE001 — one damaged page is a warning; the rest loads
                doc.warnings.append(
                    ExtractionWarning(
                        doc.document_id,
                        "page_unreadable",
                        source_location(None, number),
                        _reason(exc),
                    )
                )
                columns = None
                continue
            doc.blocks.extend(blocks)
            routes.append(route)
    if not routes:
        reasons = "; ".join(w.message for w in doc.warnings[:3])
        raise UnreadableDocument(f"no page of the PDF can be read ({reasons})"[:300])
    doc.blocks = join_broken_titles(doc.blocks)
    if not any(b.paragraph or b.grid for b in doc.blocks):
        raise UnreadableDocument(
            f"the PDF has no text layer on any of its {doc.page_count} page(s) and OCR found no text"
            + ("" if ocr_available() else " (OCR is not installed: tesseract-ocr, tesseract-ocr-chi-sim)")
        )
    return doc, routes


def _ocr_or_none(pdf, number: int, doc: SourceDocument):
    """The page read by OCR, when it has (almost) no text layer and OCR is installed; None otherwise."""
    if not ocr_available():
        doc.warnings.append(
            ExtractionWarning(
                doc.document_id,
                "page_without_text",
                source_location(None, number),
                "the page has no text layer and OCR is not installed",
            )
        )
        return None
    page = ocr_page(pdf.pdfium_document(), number - 1)
    doc.ocr_pages.add(number)
    return page


class _OpenPdf:
    """One opened PDF, read page by page by the chosen backend; pages are read lazily so one bad page is
    only that page's problem."""

    def __init__(self, data: bytes, backend: str):
        self._data = data
        self._backend = backend
        self._pdfium = open_pdfium(data)  # always opened: it gives metadata, page count and OCR renders
        self._plumber = pdfplumber.open(io.BytesIO(data)) if backend == "pdfplumber" else None
        if backend not in ("pdfium", "pdfplumber"):
            raise ValueError(f"unknown PDF backend {backend!r}")

    @property
    def page_count(self) -> int:
        return len(self._plumber.pages) if self._plumber is not None else len(self._pdfium)

    def metadata_title(self) -> str | None:
        try:
            title = (self._pdfium.get_metadata_dict() or {}).get("Title") or ""
        except Exception:  # noqa: BLE001 — metadata is weak evidence; a broken dictionary is no evidence
            return None
        return title.strip() or None

    def page(self, number: int):
        if self._plumber is not None:
            return self._plumber.pages[number - 1]
        return read_pdfium_page(self._pdfium, number - 1)

    def pdfium_document(self):
        return self._pdfium

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        if self._plumber is not None:
            self._plumber.close()
        self._pdfium.close()


def _open(data: bytes, backend: str) -> _OpenPdf:
    return _OpenPdf(data, backend)


def _reason(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:300]


def _unreadable(exc: BaseException) -> UnreadableDocument:
    """The reason a PDF cannot be opened, in words."""
    if isinstance(exc, UnreadableDocument):
        return exc
    if isinstance(exc, (PDFPasswordIncorrect, PDFEncryptionError)):
        return UnreadableDocument(f"the PDF is encrypted and needs a password ({type(exc).__name__})")
    if isinstance(exc, PdfminerException):
        cause = exc.args[0] if exc.args else exc
        if isinstance(cause, (PDFPasswordIncorrect, PDFEncryptionError)):
            return UnreadableDocument("the PDF is encrypted and needs a password")
        return UnreadableDocument(f"the PDF cannot be parsed: {cause!r}"[:300])
    if isinstance(exc, pdfium.PdfiumError) and "password" in str(exc).lower():
        return UnreadableDocument("the PDF is encrypted and needs a password")
    return UnreadableDocument(f"the PDF cannot be parsed: {_reason(exc)}"[:300])


def _check_file(data: bytes) -> None:
    if not data.strip():
        raise UnreadableDocument("the file is empty")
    if b"%PDF-" not in data[:1024]:
        raise UnreadableDocument("not a PDF file (no %PDF header)")
    if b"%%EOF" not in data[-2048:]:
        raise UnreadableDocument("the PDF is truncated (no %%EOF marker at its end)")


# --------------------------------------------------------------------------- one page
@dataclass
class _Placed:
    top: float
    block: Block


def _read_page(page, number: int, previous_columns=None) -> tuple[list[Block], PageRoute, list | None]:
    """The page's blocks, its route, and the columns of an unruled table that ends it (for the next page)."""
    lines = _text_lines(page)
    placed: list[_Placed] = []
    boxes: list[tuple[float, float, float, float]] = []
    route = "text"
    columns_out = None
    if page.lines or page.rects:
        ruled = page.filter(_is_not_background) if any(_is_background(r) for r in page.rects) else page
        for table in ruled.find_tables(RULED_TABLE_SETTINGS):
            rows = [r for r in table.extract(x_tolerance=TEXT_X_TOLERANCE) if any(c for c in r)]
            if not rows or max(sum(1 for c in r if c) for r in rows) < 2:
                continue  # empty ruled cells (a blank form page), or a frame around text: not a table
            if len(rows) < 2 and not _has_amount(rows[0]):
                continue  # one row without amounts: not a table (a lone row with amounts ends a split table)
            head, body = _peel_title_rows(rows)
            for i, cells in enumerate(head):
                for j, text in enumerate(_cell_lines(cells)):
                    placed.append(_Placed(table.bbox[1] - 1 + i * 0.01 + j * 0.001, _paragraph(text, number)))
            if body:
                grid = Grid(rows=[_grid_row(cells, number) for cells in body], page=number)
                placed.append(_Placed(table.bbox[1], Block(grid=grid)))
            boxes.append(table.bbox)
        route = "ruled" if boxes else route
    if not boxes:
        word_lines = [line for line in group_lines(page_words(page)) if not _is_page_number(line, page)]
        tables = read_unruled_tables(word_lines, previous_columns)
        for table in tables:
            rows = table.header + table.rows
            placed.append(
                _Placed(
                    table.bbox[1], Block(grid=Grid(rows=[_grid_row(c, number) for c in rows], page=number))
                )
            )
            boxes.append(table.bbox)
        if tables:
            route = "unruled"
            last = tables[-1]
            below = [line for line in word_lines if line.top > last.bbox[3]]
            columns_out = last.bands if not below else None
    height = float(page.height)
    prose: list[dict] = []
    for line in lines:
        middle = (line["top"] + line["bottom"]) / 2
        if any(
            x0 - 1 <= (line["x0"] + line["x1"]) / 2 <= x1 + 1 and top - 1 <= middle <= bottom + 1
            for x0, top, x1, bottom in boxes
        ):
            continue
        text = line["text"].strip()
        if not text:
            continue
        in_margin = line["top"] < height * MARGIN_SHARE or line["bottom"] > height * (1 - MARGIN_SHARE)
        if in_margin and _PAGE_NUMBER.match(text.replace(" ", "")):
            continue
        prose.append({**line, "text": text})
    for group in join_wrapped_lines(prose, [box[1] for box in boxes]):
        placed.append(_Placed(group[0]["top"], _paragraph("".join(line["text"] for line in group), number)))
    placed.sort(key=lambda p: p.top)
    return [p.block for p in placed], PageRoute(number, route, len(boxes)), columns_out


_NEW_PARAGRAPH = re.compile(
    r"^(?:第[一二三四五六七八九十]+部分|[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[）)]|\d{1,2}[.．、](?!\d))"
)


def join_wrapped_lines(lines: list[dict], table_tops: list[float]) -> list[list[dict]]:
    """Lines of one paragraph, as the layout wrapped them, grouped again (a sentence the page width cut).

    A line continues the one above when that one runs to the right edge of the text and does not end a
    sentence, and this one starts at the left
    edge (a new paragraph is indented), is not a heading or a numbered item, and follows without extra
    spacing and without a table in between.
    """
    if not lines:
        return []
    ordered = sorted(lines, key=lambda line: line["top"])
    sizes = sorted(line["bottom"] - line["top"] for line in ordered)
    size = sizes[len(sizes) // 2] or 10.0
    right = max(line["x1"] for line in ordered)
    left = min(line["x0"] for line in ordered)
    groups: list[list[dict]] = [[ordered[0]]]
    for line in ordered[1:]:
        last = groups[-1][-1]
        continues = (
            last["x1"] >= right - 2.5 * size
            and not last["text"].endswith(("。", "！", "？"))
            and line["x0"] <= left + 0.5 * size
            and line["top"] - last["bottom"] < 1.2 * size
            and not _NEW_PARAGRAPH.match(line["text"])
            and not any(last["top"] < top < line["top"] for top in table_tops)
        )
        if continues:
            groups[-1].append(line)
        else:
            groups.append([line])
    return groups


def _is_page_number(line, page) -> bool:
    height = float(page.height)
    in_margin = line.top < height * MARGIN_SHARE or line.bottom > height * (1 - MARGIN_SHARE)
    return in_margin and bool(_PAGE_NUMBER.match(line.text.replace(" ", "")))


def _text_lines(page) -> list[dict]:
    return page.extract_text_lines(strip=True, return_chars=False, x_tolerance=TEXT_X_TOLERANCE)


def _is_background(obj) -> bool:
    """A filled, unstroked rectangle larger than a rule: a page or cell background, not a border."""
    return (
        obj.get("object_type") == "rect"
        and not obj.get("stroke")
        and obj["width"] > RULE_THICKNESS
        and obj["height"] > RULE_THICKNESS
    )


def _is_not_background(obj) -> bool:
    return not _is_background(obj)


def _cell_lines(cells) -> list[str]:
    """The text lines of a row lifted out of a table (a title and unit line drawn inside the frame)."""
    return [line.strip() for cell in cells if cell for line in str(cell).splitlines() if line.strip()]


def _paragraph(text: str, page: int) -> Block:
    return Block(paragraph=Paragraph(text=text, page=page))


def _clean_cell(cell: str | None) -> str:
    """A cell's text on one line: a name wrapped inside its cell is one name (CJK joins without a space)."""
    if not cell:
        return ""
    parts = [p.strip() for p in cell.splitlines() if p.strip()]
    joined = ""
    for part in parts:
        if joined and re.search(r"[A-Za-z0-9]$", joined) and re.match(r"[A-Za-z]", part):
            joined += " "
        joined += part
    return joined


def _grid_row(cells, page: int) -> GridRow:
    cleaned = tuple(_clean_cell(c) for c in cells)
    return GridRow(cells=cleaned, page=page, raw_text="\t".join(cleaned))


def join_broken_titles(blocks: list[Block]) -> list[Block]:
    """A table title the layout broke over lines (“…支出预” / “” ”” / “算表”) is one title line again.

    A line that is not a title joins the next one or two short lines of its page when together they name
    a table.
    """
    out: list[Block] = []
    i = 0
    while i < len(blocks):
        first = blocks[i].paragraph
        taken = 1
        if first is not None and classify_title(first.text) is None:
            joined = first.text
            for j in (i + 1, i + 2):
                nxt = blocks[j].paragraph if j < len(blocks) else None
                if nxt is None or nxt.page != first.page or len(nxt.text.replace(" ", "")) > MAX_TITLE_PIECE:
                    break
                joined += nxt.text
                if classify_title(joined) is not None:
                    taken = j - i + 1
                    break
        out.append(_paragraph(joined, first.page) if taken > 1 else blocks[i])
        i += taken
    return out


# --------------------------------------------------------------------------- cells
def _has_amount(cells: list[str]) -> bool:
    return any(is_amount(_clean_cell(c)) and not re.fullmatch(r"\d{4}", _clean_cell(c)) for c in cells if c)


def _peel_title_rows(rows: list[list[str]]) -> tuple[list[list[str]], list[list[str]]]:
    """(head, body): the rows at the top of a ruled table that are a title or unit line drawn inside its frame."""

    def title_row(cells: list[str]) -> bool:
        return not _has_amount(cells) and all(
            is_furniture(t) or classify_title(t) is not None for t in _cell_lines(cells)
        )

    start = 0
    while start < len(rows) and title_row(rows[start]):
        start += 1
    return rows[:start], rows[start:]
