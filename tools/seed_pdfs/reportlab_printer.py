"""Print a laid-out seed with reportlab: the ``ruled`` and ``unruled`` variants, and the prose pages of
the ``libreoffice`` variant.

Both variants share one layout; ``ruled`` draws every cell border and repeats the header rows on the
page a table continues on, ``unruled`` draws no line at all (columns are aligned by x position only)
and does not repeat the header.
"""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from extract.text_clean import is_amount, squash
from tools.seed_pdfs.fonts import register_cjk_font
from tools.seed_pdfs.geometry import (
    CELL_PADDING,
    LANDSCAPE,
    MARGIN,
    PORTRAIT,
    TableGeometry,
    table_geometry,
)
from tools.seed_pdfs.layout import ProseLine, TableLayout, lead_in_role

BODY_SIZE = 10.5
FOOTER_SIZE = 9


def paragraph_styles(font: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle(
        "body",
        fontName=font,
        fontSize=BODY_SIZE,
        leading=BODY_SIZE * 1.7,
        firstLineIndent=2 * BODY_SIZE,
        alignment=TA_JUSTIFY,
        wordWrap="CJK",
        spaceAfter=2,
    )
    return {
        "body": base,
        "heading": ParagraphStyle(
            "heading",
            parent=base,
            fontSize=12,
            leading=20,
            firstLineIndent=0,
            alignment=TA_LEFT,
            spaceBefore=6,
            spaceAfter=4,
        ),
        "part": ParagraphStyle(
            "part",
            parent=base,
            fontSize=15,
            leading=24,
            firstLineIndent=0,
            alignment=TA_CENTER,
            spaceBefore=10,
            spaceAfter=10,
        ),
        "title": ParagraphStyle(
            "title",
            parent=base,
            fontSize=15,
            leading=22,
            firstLineIndent=0,
            alignment=TA_CENTER,
            spaceAfter=4,
        ),
        "number": ParagraphStyle(
            "number", parent=base, fontSize=9, leading=13, firstLineIndent=0, alignment=TA_LEFT
        ),
        "department": ParagraphStyle(
            "department", parent=base, fontSize=9, leading=13, firstLineIndent=0, alignment=TA_LEFT
        ),
        "unit": ParagraphStyle(
            "unit", parent=base, fontSize=9, leading=13, firstLineIndent=0, alignment=TA_RIGHT, spaceAfter=3
        ),
        "note": ParagraphStyle(
            "note", parent=base, fontSize=9, leading=14, firstLineIndent=0, alignment=TA_LEFT, spaceBefore=3
        ),
    }


def cell_styles(font: str, size: float) -> dict[str, ParagraphStyle]:
    leading = size * 1.25
    return {
        "header": ParagraphStyle(
            "header", fontName=font, fontSize=size, leading=leading, alignment=TA_CENTER, wordWrap="CJK"
        ),
        "text": ParagraphStyle(
            "text", fontName=font, fontSize=size, leading=leading, alignment=TA_LEFT, wordWrap="CJK"
        ),
    }


# --------------------------------------------------------------------------- tables
def table_cells(table: TableLayout, row_indices: list[int], styles: dict[str, ParagraphStyle]) -> list[list]:
    cells = []
    for r in row_indices:
        row = []
        for c, text in enumerate(table.rows[r]):
            if not text:
                row.append("")
            elif r < table.header_count:
                row.append(Paragraph(escape(text), styles["header"]))
            elif c in table.amount_columns and is_amount(text):
                row.append(text)  # a plain string: never wrapped, right-aligned by the table style
            else:
                row.append(Paragraph(escape(text), styles["text"]))
        cells.append(row)
    return cells


def table_style(
    table: TableLayout, row_indices: list[int], font: str, size: float, ruled: bool
) -> TableStyle:
    commands: list[tuple] = [
        ("FONTNAME", (0, 0), (-1, -1), font),
        ("FONTSIZE", (0, 0), (-1, -1), size),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ]
    for col in sorted(table.amount_columns):
        commands.append(("ALIGN", (col, 0), (col, -1), "RIGHT"))
    header_rows = [n for n, r in enumerate(row_indices) if r < table.header_count]
    if header_rows:
        for span in table.spans:
            commands.append(("SPAN", (span.first_col, span.first_row), (span.last_col, span.last_row)))
    if ruled:
        commands.append(("GRID", (0, 0), (-1, -1), 0.5, colors.black))
        commands.append(("BOX", (0, 0), (-1, -1), 0.9, colors.black))
    return TableStyle(commands)


def table_part(
    table: TableLayout, row_indices: list[int], geometry: TableGeometry, font: str, ruled: bool
) -> Table:
    styles = cell_styles(font, geometry.font_size)
    repeat = sum(1 for r in row_indices if r < table.header_count) if ruled else 0
    part = Table(
        table_cells(table, row_indices, styles),
        colWidths=geometry.widths,
        repeatRows=repeat,
        style=table_style(table, row_indices, font, geometry.font_size, ruled),
        hAlign="CENTER",
    )
    return part


def table_flowables(table: TableLayout, geometry: TableGeometry, font: str, ruled: bool) -> list[Flowable]:
    """The table, or its two halves with a page break between them where the layout splits it; the
    second half starts with the header rows again when ``ruled``."""
    all_rows = list(range(len(table.rows)))
    if table.split_at is None:
        return [table_part(table, all_rows, geometry, font, ruled)]
    header = list(range(table.header_count))
    second = (header if ruled else []) + all_rows[table.split_at :]
    return [
        table_part(table, all_rows[: table.split_at], geometry, font, ruled),
        PageBreak(),
        table_part(table, second, geometry, font, ruled),
    ]


def section_flowables(
    table: TableLayout, geometry: TableGeometry, font: str, ruled: bool, styles: dict[str, ParagraphStyle]
) -> list[Flowable]:
    story: list[Flowable] = [Paragraph(escape(line), styles[lead_in_role(line)]) for line in table.lead_in]
    story += table_flowables(table, geometry, font, ruled)
    story += [Paragraph(escape(note), styles["note"]) for note in table.notes]
    return story


# --------------------------------------------------------------------------- document
def prose_style(line: ProseLine, styles: dict[str, ParagraphStyle]) -> ParagraphStyle:
    if line.is_part_heading:
        return styles["part"]
    return styles["heading"] if line.is_heading else styles["body"]


def build_story(items: list[ProseLine | TableLayout], font: str, ruled: bool) -> tuple[list[Flowable], str]:
    """The flowables in reading order, and the page template of the first page.

    A table section starts a page (landscape when it is too wide for portrait); the prose after it
    starts a new portrait page; a part heading (第X部分) seen before (in the table of contents) starts a
    page too."""
    styles = paragraph_styles(font)
    story: list[Flowable] = []
    first_template = "portrait"
    after_section = False
    parts_seen: set[str] = set()
    for item in items:
        if isinstance(item, TableLayout) and item.is_section:
            geometry = table_geometry(item)
            template = "landscape" if geometry.landscape else "portrait"
            if story:
                story += [NextPageTemplate(template), PageBreak()]
            else:
                first_template = template
            story += section_flowables(item, geometry, font, ruled, styles)
            after_section = True
            continue
        part_key = squash(item.text)[:4] if isinstance(item, ProseLine) and item.is_part_heading else None
        if story and (after_section or (part_key and part_key in parts_seen)):
            story += [NextPageTemplate("portrait"), PageBreak()]
        after_section = False
        if isinstance(item, TableLayout):  # a grid inside the prose: printed where it stands
            geometry = table_geometry(item, allow_landscape=False)
            story += [Spacer(1, 4), *table_flowables(item, geometry, font, ruled), Spacer(1, 6)]
            continue
        if part_key:
            parts_seen.add(part_key)
        story.append(Paragraph(escape(item.text), prose_style(item, styles)))
    return story, first_template


def page_templates(font: str, first_page_number: int, first: str) -> list[PageTemplate]:
    def footer(canvas, doc) -> None:
        width = canvas._pagesize[0]
        canvas.saveState()
        canvas.setFont(font, FOOTER_SIZE)
        canvas.drawCentredString(width / 2, MARGIN / 2, f"- {doc.page + first_page_number - 1} -")
        canvas.restoreState()

    templates = []
    for name, size in (("portrait", PORTRAIT), ("landscape", LANDSCAPE)):
        frame = Frame(
            MARGIN,
            MARGIN,
            size[0] - 2 * MARGIN,
            size[1] - 2 * MARGIN,
            id=name,
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
        )
        templates.append(PageTemplate(id=name, frames=[frame], pagesize=size, onPage=footer))
    return sorted(templates, key=lambda template: template.id != first)


def print_items(
    items: list[ProseLine | TableLayout], out_path: Path, ruled: bool, title: str, first_page_number: int = 1
) -> None:
    """Write ``items`` to ``out_path`` as an A4 PDF with the CJK font embedded; page numbers in the
    footer start at ``first_page_number``."""
    font = register_cjk_font()
    story, first_template = build_story(items, font, ruled)
    doc = BaseDocTemplate(
        str(out_path),
        pagesize=PORTRAIT,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=title,
        author="tools.seed_pdfs",
        creator="tools.seed_pdfs (reportlab)",
        invariant=1,
        initialFontName=font,
        initialFontSize=BODY_SIZE,
    )
    doc.addPageTemplates(page_templates(font, first_page_number, first_template))
    doc.build(story)
