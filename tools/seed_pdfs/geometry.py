"""Page sizes, column widths and wrapped line counts, shared by the reportlab and LibreOffice printers."""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase.pdfmetrics import stringWidth

from tools.seed_pdfs.fonts import register_cjk_font
from tools.seed_pdfs.layout import TableLayout

PORTRAIT = A4
LANDSCAPE = landscape(A4)
MARGIN = 50.0  # points, every side
CELL_PADDING = 3.0  # points, left and right of a cell's text
TABLE_FONT_SIZES = (9.0, 8.0, 7.0, 6.0)  # tried in turn until the table fits the page width
NAME_COLUMN_CHARS = 9  # the name column is this many CJK characters wide: longer names wrap
TEXT_COLUMN_CHARS = 12  # other text columns
HEADER_MIN_CHARS = 3  # no column is narrower than this
MAX_WIDENING = 3.0  # filling the page width, a column grows to at most this many times its width


@dataclass(frozen=True)
class TableGeometry:
    landscape: bool
    font_size: float
    widths: list[float]  # points, one per column


def text_width(text: str, size: float) -> float:
    return stringWidth(text, register_cjk_font(), size)


def frame_width(is_landscape: bool) -> float:
    page = LANDSCAPE if is_landscape else PORTRAIT
    return page[0] - 2 * MARGIN


def column_widths(table: TableLayout, size: float) -> list[float]:
    widths = []
    data_rows = table.rows[table.header_count :]
    minimum = HEADER_MIN_CHARS * size + 2 * CELL_PADDING
    for col in range(table.column_count):
        natural = max((text_width(row[col], size) for row in data_rows), default=0.0) + 2 * CELL_PADDING
        if col in table.amount_columns:
            widths.append(max(natural, minimum))
            continue
        chars = NAME_COLUMN_CHARS if col == table.name_column else TEXT_COLUMN_CHARS
        widths.append(max(min(natural, chars * size + 2 * CELL_PADDING), minimum))
    return widths


def squeeze_text_columns(table: TableLayout, widths: list[float], available: float) -> list[float]:
    """Last resort for a table wider than the page: narrow the text columns, keep the amounts whole."""
    fixed = sum(w for col, w in enumerate(widths) if col in table.amount_columns)
    text = sum(w for col, w in enumerate(widths) if col not in table.amount_columns)
    if text <= 0 or fixed >= available:
        factor = available / sum(widths)
        return [w * factor for w in widths]
    factor = (available - fixed) / text
    return [w if col in table.amount_columns else w * factor for col, w in enumerate(widths)]


def fill_width(table: TableLayout, widths: list[float], available: float) -> list[float]:
    """Widen every column but the name column (which stays narrow) towards the page width."""
    growable = sum(w for col, w in enumerate(widths) if col != table.name_column)
    extra = available - sum(widths)
    if extra <= 0 or growable <= 0:
        return widths
    factor = min(1 + extra / growable, MAX_WIDENING)
    return [w if col == table.name_column else w * factor for col, w in enumerate(widths)]


def table_geometry(table: TableLayout, allow_landscape: bool = True) -> TableGeometry:
    """Portrait if the table fits at 9 or 8 pt, else landscape at the largest size that fits; the
    columns are then widened to fill the page width."""
    orientations = [False, True] if allow_landscape else [False]
    for is_landscape in orientations:
        sizes = TABLE_FONT_SIZES if is_landscape or not allow_landscape else TABLE_FONT_SIZES[:2]
        for size in sizes:
            widths = column_widths(table, size)
            if sum(widths) <= frame_width(is_landscape):
                return TableGeometry(is_landscape, size, fill_width(table, widths, frame_width(is_landscape)))
    size = TABLE_FONT_SIZES[-1]
    is_landscape = orientations[-1]
    widths = squeeze_text_columns(table, column_widths(table, size), frame_width(is_landscape))
    return TableGeometry(is_landscape, size, widths)


def wrap_lines(text: str, width: float, size: float) -> list[str]:
    """``text`` broken between any two characters into lines that fit a cell ``width`` points wide."""
    if not text:
        return [""]
    room = max(width - 2 * CELL_PADDING, size)
    lines, current, used = [], "", 0.0
    for char in text:
        char_width = text_width(char, size)
        if used + char_width > room and current:
            lines.append(current)
            current, used = "", 0.0
        current += char
        used += char_width
    lines.append(current)
    return lines
