"""The ``libreoffice`` variant: tables printed from a spreadsheet by LibreOffice Calc, as many bureaus
print theirs from Excel/WPS.

The document is cut into runs in reading order: a run of consecutive table sections becomes one .xlsx
(openpyxl; one sheet per table: title and unit lines, thin borders on every cell, merged header cells,
wrapped text, the longest table broken over two pages with its header rows repeated as print titles),
converted by ``soffice --headless --convert-to pdf``; every other run (prose, and grids standing inside
the prose) is printed by reportlab.  The runs' PDFs are then joined with pypdfium2.  Page numbers run
through the whole document (the spreadsheet's footer starts at the right number).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pypdfium2 as pdfium
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from extract.text_clean import is_amount
from tools.seed_pdfs.fonts import CJK_FONT_FAMILY
from tools.seed_pdfs.geometry import MARGIN, TableGeometry, table_geometry, wrap_lines
from tools.seed_pdfs.layout import DocumentLayout, ProseLine, TableLayout, lead_in_role
from tools.seed_pdfs.reportlab_printer import print_items

DEBIAN_LIBREOFFICE_PACKAGE = "libreoffice-calc-nogui"
SOFFICE_TIMEOUT_SECONDS = 300
LINE_HEIGHT = 1.3  # row height per wrapped line, in font sizes
WIDTH_ALLOWANCE = 1.1  # columns are this much wider than the pre-wrapped lines need
THIN = Side(style="thin", color="000000")
CELL_BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


class MissingLibreOffice(RuntimeError):
    """soffice is not installed."""


def soffice_path() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        raise MissingLibreOffice(
            f"soffice (LibreOffice) is not on PATH: install the Debian package {DEBIAN_LIBREOFFICE_PACKAGE} "
            f"(apt-get install -y {DEBIAN_LIBREOFFICE_PACKAGE})"
        )
    return found


# --------------------------------------------------------------------------- runs
def runs(items: list[ProseLine | TableLayout]) -> list[tuple[str, list]]:
    """('tables', [sections…]) and ('prose', [lines and inline grids…]) in reading order."""
    result: list[tuple[str, list]] = []
    for item in items:
        kind = "tables" if isinstance(item, TableLayout) and item.is_section else "prose"
        if result and result[-1][0] == kind:
            result[-1][1].append(item)
        else:
            result.append((kind, [item]))
    return result


# --------------------------------------------------------------------------- spreadsheet
def points_to_excel_width(points: float) -> float:
    """Excel column width (characters of the default font) for a width in points."""
    return max((points / 0.75 - 5) / 7, 1.0)


def merged_line(
    ws: Worksheet, row: int, columns: int, text: str, font: Font, horizontal: str, height: float
) -> None:
    ws.cell(row=row, column=1, value=text)
    if columns > 1:
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=columns)
    cell = ws.cell(row=row, column=1)
    cell.font = font
    cell.alignment = Alignment(horizontal=horizontal, vertical="center", wrap_text=True)
    ws.row_dimensions[row].height = height


def span_width(table: TableLayout, geometry: TableGeometry, row: int, col: int) -> float:
    for span in table.spans:
        if span.first_row == row and span.first_col == col:
            return sum(geometry.widths[span.first_col : span.last_col + 1])
    return geometry.widths[col]


def cell_lines(table: TableLayout, geometry: TableGeometry, row: int, col: int) -> list[str]:
    """The cell's text as printed: amounts whole, other text broken where the planned width ends (so
    LibreOffice, whose column width unit depends on the fonts it has, wraps it where we planned)."""
    text = table.rows[row][col]
    if row >= table.header_count and col in table.amount_columns and is_amount(text):
        return [text]
    return wrap_lines(text, span_width(table, geometry, row, col), geometry.font_size)


def row_height(line_count: int, size: float) -> float:
    return line_count * size * LINE_HEIGHT + 4


def write_table_sheet(ws: Worksheet, table: TableLayout, first_page_number: int | None) -> None:
    geometry = table_geometry(table)
    size = geometry.font_size
    columns = table.column_count
    cell_font = Font(name=CJK_FONT_FAMILY, size=size)
    note_font = Font(name=CJK_FONT_FAMILY, size=9)
    row = 1
    for line in table.lead_in:
        role = lead_in_role(line)
        if role == "title":
            merged_line(ws, row, columns, line, Font(name=CJK_FONT_FAMILY, size=15), "center", 26)
        else:
            merged_line(ws, row, columns, line, note_font, "right" if role == "unit" else "left", 15)
        row += 1
    first_grid_row = row
    for r, values in enumerate(table.rows):
        lines_in_row = 1
        for c, text in enumerate(values):
            lines = cell_lines(table, geometry, r, c)
            lines_in_row = max(lines_in_row, len(lines))
            cell = ws.cell(row=row, column=c + 1, value="\n".join(lines) or None)
            cell.font = cell_font
            cell.border = CELL_BORDER
            cell.number_format = "@"
            if r < table.header_count:
                horizontal = "center"
            elif c in table.amount_columns and is_amount(text):
                horizontal = "right"
            else:
                horizontal = "left"
            cell.alignment = Alignment(
                horizontal=horizontal,
                vertical="center",
                wrap_text=True,
                indent=0 if horizontal == "center" else 1,
            )
        ws.row_dimensions[row].height = row_height(lines_in_row, size)
        row += 1
    for span in table.spans:
        ws.merge_cells(
            start_row=first_grid_row + span.first_row,
            start_column=span.first_col + 1,
            end_row=first_grid_row + span.last_row,
            end_column=span.last_col + 1,
        )
    total_width = sum(geometry.widths)
    for note in table.notes:
        lines = wrap_lines(note, total_width, 9)
        merged_line(ws, row, columns, "\n".join(lines), note_font, "left", row_height(len(lines), 9))
        row += 1
    for col, width in enumerate(geometry.widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = points_to_excel_width(width * WIDTH_ALLOWANCE)

    if table.header_count:
        ws.print_title_rows = f"{first_grid_row}:{first_grid_row + table.header_count - 1}"
    if table.split_at is not None:
        ws.row_breaks.append(Break(id=first_grid_row + table.split_at - 1))
    setup = ws.page_setup
    setup.paperSize = ws.PAPERSIZE_A4
    setup.orientation = "landscape" if geometry.landscape else "portrait"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    setup.fitToWidth = 1
    setup.fitToHeight = 0
    ws.print_options.horizontalCentered = True
    margin_inches = MARGIN / 72
    ws.page_margins.left = ws.page_margins.right = margin_inches
    ws.page_margins.top = ws.page_margins.bottom = margin_inches
    ws.page_margins.footer = margin_inches / 2
    ws.oddFooter.center.text = "- &P -"
    ws.oddFooter.center.size = 9
    if first_page_number is not None:
        setup.firstPageNumber = first_page_number
        setup.useFirstPageNumber = True


def write_workbook(tables: list[TableLayout], path: Path, first_page_number: int) -> None:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for number, table in enumerate(tables, start=1):
        ws = workbook.create_sheet(title=f"表{number}")
        write_table_sheet(ws, table, first_page_number if number == 1 else None)
    workbook.save(path)


def convert_to_pdf(spreadsheet: Path, profile_dir: Path) -> Path:
    command = [
        soffice_path(),
        f"-env:UserInstallation={profile_dir.resolve().as_uri()}",
        "--headless",
        "--norestore",
        "--convert-to",
        "pdf",
        "--outdir",
        str(spreadsheet.parent),
        str(spreadsheet),
    ]
    result = subprocess.run(
        command, check=False, capture_output=True, text=True, timeout=SOFFICE_TIMEOUT_SECONDS
    )
    pdf = spreadsheet.with_suffix(".pdf")
    if result.returncode != 0 or not pdf.exists():
        raise RuntimeError(f"LibreOffice could not convert {spreadsheet.name}: {result.stderr.strip()}")
    return pdf


# --------------------------------------------------------------------------- document
def page_count(pdf: Path) -> int:
    document = pdfium.PdfDocument(str(pdf))
    try:
        return len(document)
    finally:
        document.close()


def join_pdfs(parts: list[Path], out_path: Path) -> None:
    joined = pdfium.PdfDocument.new()
    sources = [pdfium.PdfDocument(str(part)) for part in parts]
    try:
        for source in sources:
            joined.import_pages(source)
        joined.save(str(out_path))
    finally:
        for source in sources:
            source.close()
        joined.close()


def print_libreoffice(layout: DocumentLayout, out_path: Path, work_dir: Path) -> None:
    """Write ``layout`` to ``out_path``; intermediate files go to ``work_dir``."""
    soffice_path()  # fail early, with the package to install, when LibreOffice is missing
    work_dir.mkdir(parents=True, exist_ok=True)
    profile_dir = work_dir / "libreoffice-profile"
    parts: list[Path] = []
    next_page = 1
    for number, (kind, items) in enumerate(runs(layout.items), start=1):
        stem = f"{layout.name}.run{number:02d}"
        if kind == "tables":
            spreadsheet = work_dir / f"{stem}.xlsx"
            write_workbook(items, spreadsheet, next_page)
            part = convert_to_pdf(spreadsheet, profile_dir)
        else:
            part = work_dir / f"{stem}.pdf"
            print_items(items, part, ruled=True, title=layout.name, first_page_number=next_page)
        parts.append(part)
        next_page += page_count(part)
    join_pdfs(parts, out_path)
