"""The readers' fixes for what the fuzz (tests/test_pdf_fuzz.py) and a real 决算 file found, each pinned down.

- a ruled page whose cells are all empty (page 14 of the 普陀区财政局 2024 决算: a blank continuation page with
  only the table's frame) is read, not ``page_unreadable`` (it raised ``max() arg is an empty sequence``);
- cells drawn as stroked rectangles reach pdfplumber's table finder with the keys it reads (``y0``/``y1``):
  the page is read as a ruled table instead of raising ``KeyError: 'y1'``;
- a superscript digit ('²' is ``str.isdigit`` but not ``int``-able) on an unruled page does not stop its line;
- a table the parser trips on is a ``table_unreadable`` warning and the document's other tables load;
- a grid after a page that could not be read does not continue the table before that page.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from extract import pipeline
from extract.model import Block, Grid, GridRow, Paragraph, SourceDocument
from extract.readers.pdf import read_pdf_with_routes
from extract.readers.pdf_unruled import Line, is_index_line
from extract.tables.locate import locate_tables
from tools.seed_pdfs.fonts import register_cjk_font

REPO_ROOT = Path(__file__).resolve().parents[1]
FINAL_ACCOUNTS = (
    REPO_ROOT.parent
    / "shared"
    / "pdfs"
    / "final_accounts"
    / "samples_good_上海市普陀区财政局2024年度部门决算.pdf"
)
WELFARE_HOME = REPO_ROOT / "data" / "raw" / "上海市普陀区社会福利院2024年单位预算.pdf"


@pytest.fixture
def no_ocr(monkeypatch):
    monkeypatch.setattr("extract.readers.pdf.ocr_available", lambda: False)


@pytest.mark.skipif(not FINAL_ACCOUNTS.exists(), reason=f"{FINAL_ACCOUNTS} is not in shared/")
def test_final_accounts_pdf_reads_every_page(no_ocr):
    doc, routes = read_pdf_with_routes(FINAL_ACCOUNTS)
    unreadable = [(w.location, w.message) for w in doc.warnings if w.kind == "page_unreadable"]
    assert unreadable == []
    assert [r.page for r in routes] == list(range(1, doc.page_count + 1))
    # page 14 has the table's frame and no text: read (no table, no blocks), with its no-text warning
    assert next(r for r in routes if r.page == 14).tables == 0
    assert [w.kind for w in doc.warnings if w.location == "page 14"] == ["page_without_text"]

    extraction = pipeline.extract_document(doc)
    assert (extraction.document.unit_name, extraction.document.fiscal_year) == ("上海市普陀区财政局", 2024)
    facts = [(f.source_page, f.row_label, f.column_key, f.amount) for f in extraction.table_facts]
    print(f"\n{len(facts)} table facts from {len(extraction.tables)} tables; on page 15:")
    for fact in [f for f in facts if f[0] == 15][:8]:
        print("  ", *fact)
    assert len(facts) > 100
    on_15 = {(label, column, str(amount)) for page, label, column, amount in facts if page == 15}
    assert {("行政运行", "total", "1511.89"), ("信息化建设", "total", "135.25")} <= on_15, sorted(on_15)[:10]


def _boxed_table_pdf(path: Path) -> Path:
    """A page whose table cells are drawn as stroked rectangles (no lines), with a title and amounts."""
    font = register_cjk_font()
    c = canvas.Canvas(str(path), pagesize=A4)
    c.setFont(font, 14)
    c.drawString(120, 780, "上海市某某局2024年部门预算")
    c.drawString(120, 740, "一、2024年财政拨款收支预算总表")
    c.setFont(font, 10)
    c.drawString(400, 715, "单位：万元")
    rows = [("项目", "预算数"), ("一般公共服务支出", "1,234.56"), ("教育支出", "78.90"), ("合计", "1,313.46")]
    top = 700
    for i, (name, amount) in enumerate(rows):
        y = top - 24 * (i + 1)
        c.rect(100, y, 200, 24, stroke=1, fill=0)
        c.rect(300, y, 150, 24, stroke=1, fill=0)
        c.drawString(106, y + 8, name)
        c.drawRightString(444, y + 8, amount)
    c.showPage()
    c.save()
    return path


def test_cells_drawn_as_stroked_rectangles_are_a_ruled_table(tmp_path):
    doc, routes = read_pdf_with_routes(_boxed_table_pdf(tmp_path / "boxes.pdf"))
    assert [w for w in doc.warnings if w.kind == "page_unreadable"] == []
    assert routes[0].route == "ruled" and routes[0].tables == 1, routes
    grid = next(b.grid for b in doc.blocks if b.grid)
    assert [r.cells for r in grid.rows] == [
        ("项目", "预算数"),
        ("一般公共服务支出", "1,234.56"),
        ("教育支出", "78.90"),
        ("合计", "1,313.46"),
    ]


def _word(text: str, x0: float) -> dict:
    return {"text": text, "x0": x0, "x1": x0 + 5, "top": 10.0, "bottom": 20.0}


def test_a_superscript_digit_is_not_a_column_number():
    assert not is_index_line(Line([_word("面积m²", 0), _word("²", 10), _word("2", 20), _word("3", 30)]))
    assert is_index_line(Line([_word("1", 0), _word("2", 10), _word("3", 20)]))


def test_a_table_the_parser_trips_on_is_a_warning_and_the_rest_loads(monkeypatch, no_ocr):
    doc, _ = read_pdf_with_routes(WELFARE_HOME)
    whole = pipeline.extract_document(doc)
    parse = pipeline.parse_table

    def trips_on_the_second(document_id, table_id, located):
        if table_id == 2:
            raise IndexError("list index out of range")
        return parse(document_id, table_id, located)

    monkeypatch.setattr(pipeline, "parse_table", trips_on_the_second)
    extraction = pipeline.extract_document(doc)
    warnings = [w for w in extraction.warnings if w.kind == "table_unreadable"]
    assert len(warnings) == 1 and warnings[0].location.startswith("page ")
    assert "could not be parsed" in warnings[0].message and "IndexError" in warnings[0].message
    assert len(extraction.tables) == len(whole.tables) - 1
    kept = {f for f in whole.table_facts if f.table_id != 2}
    assert kept and kept <= set(extraction.table_facts)


def test_a_grid_after_an_unread_page_does_not_continue_the_table_before_it():
    def grid(page: int, *rows: tuple[str, ...]) -> Block:
        return Block(grid=Grid(rows=[GridRow(cells=r, page=page) for r in rows], page=page))

    doc = SourceDocument(
        "d",
        "f.pdf",
        "pdf",
        "0" * 64,
        blocks=[
            Block(paragraph=Paragraph("十、一般公共预算机关运行经费支出预算表", page=15)),
            grid(15, ("项目", "预算数"), ("办公费", "1.00")),
            grid(16, ("差旅费", "2.00")),  # the next page: continues
            grid(18, ("设备", "3.00")),  # page 17 could not be read: a table of its own
        ],
    )
    tables = locate_tables(doc)
    assert [len(t.rows) for t in tables] == [3, 1]
    assert tables[0].continued == 1 and tables[1].title == ""
