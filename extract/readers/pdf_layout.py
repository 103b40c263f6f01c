"""A PDF page's characters and rules read by pdfium (C, fast), shaped as pdfplumber's page objects.

pdfminer (under pdfplumber) parses a page's content in pure Python: about 80 ms a page on the real
disclosures, the whole budget for a 25-page document.  pdfium reads the same characters and their boxes
about 15× faster.  ``PdfiumPage`` gives the PDF reader what it uses of a pdfplumber page — ``chars``,
``lines``, ``rects``, ``edges``, ``find_tables``, ``extract_text_lines``, ``filter`` — built from pdfium, and
pdfplumber's own table finder and text-line grouping then run on it unchanged.

Characters use pdfium's *loose* boxes (font ascent to descent), so every character of a line shares its top
and bottom as in pdfminer; characters pdfium generates (spaces, line ends) are skipped.  Path objects become
rules: a thin path is a line, a stroked path is a rectangle with four edges, a filled unstroked box (a
background) is kept as a rect without stroke so the reader can ignore it.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from pdfplumber.table import TableFinder
from pdfplumber.utils.geometry import obj_to_edges
from pdfplumber.utils.text import chars_to_textmap

THIN = 3.0  # points: a path this thin in one direction is a drawn line


class PdfiumPage:
    def __init__(self, width: float, height: float, chars: list[dict], lines: list[dict], rects: list[dict]):
        self.width = width
        self.height = height
        self.bbox = (0.0, 0.0, width, height)
        self.chars = chars
        self.lines = lines
        self.rects = rects
        self.curves: list[dict] = []

    @property
    def edges(self) -> list[dict]:
        return [edge for obj in self.lines + self.rects for edge in obj_to_edges(obj)]

    def dedupe_chars(self) -> PdfiumPage:
        seen, kept = set(), []
        for char in self.chars:
            key = (char["text"], round(char["x0"], 1), round(char["top"], 1))
            if key not in seen:
                seen.add(key)
                kept.append(char)
        return PdfiumPage(self.width, self.height, kept, self.lines, self.rects)

    def filter(self, keep: Callable[[dict], bool]) -> PdfiumPage:
        return PdfiumPage(
            self.width,
            self.height,
            self.chars,
            [o for o in self.lines if keep(o)],
            [o for o in self.rects if keep(o)],
        )

    def find_tables(self, table_settings: dict | None = None):
        return TableFinder(self, table_settings or {}).tables

    def extract_text_lines(self, strip: bool = True, return_chars: bool = False, **kwargs) -> list[dict]:
        textmap = chars_to_textmap(self.chars, layout_bbox=self.bbox, **kwargs)
        return textmap.extract_text_lines(strip=strip, return_chars=return_chars)


def open_pdfium(data: bytes) -> pdfium.PdfDocument:
    return pdfium.PdfDocument(data)


def read_page(document: pdfium.PdfDocument, index: int) -> PdfiumPage:
    page = document[index]
    try:
        width, height = page.get_size()  # as displayed (a /Rotate 90 page is landscape)
        display = _Display(page.get_rotation() % 360, float(width), float(height))
        chars = _chars(page, display)
        lines, rects = _rules(page, display, float(height))
    finally:
        page.close()
    return PdfiumPage(float(width), float(height), chars, lines, rects)


class _Display:
    """PDF user space (origin bottom-left) → the displayed page (origin top-left, /Rotate applied)."""

    def __init__(self, rotation: int, width: float, height: float):
        self.rotation = rotation
        # the unrotated page's width and height
        self.w0, self.h0 = (height, width) if rotation in (90, 270) else (width, height)

    def box(self, left: float, bottom: float, right: float, top: float) -> tuple[float, float, float, float]:
        """(x0, top, x1, bottom) on the displayed page."""
        if self.rotation == 90:
            return bottom, left, top, right
        if self.rotation == 180:
            return self.w0 - right, bottom, self.w0 - left, top
        if self.rotation == 270:
            return self.h0 - top, self.w0 - right, self.h0 - bottom, self.w0 - left
        return left, self.h0 - top, right, self.h0 - bottom


def _chars(page, display: _Display) -> list[dict]:
    textpage = page.get_textpage()
    try:
        raw = textpage.raw
        count = pdfium_c.FPDFText_CountChars(raw)
        rect = pdfium_c.FS_RECTF()
        chars = []
        for i in range(count):
            if pdfium_c.FPDFText_IsGenerated(raw, i) == 1:
                continue
            code = pdfium_c.FPDFText_GetUnicode(raw, i)
            if code in (0, 0xFFFE, 0xFFFF) or chr(code).isspace():
                continue
            if not pdfium_c.FPDFText_GetLooseCharBox(raw, i, rect):
                continue
            x0, top, x1, bottom = display.box(rect.left, rect.bottom, rect.right, rect.top)
            chars.append(
                {
                    "object_type": "char",
                    "text": chr(code),
                    "x0": x0,
                    "x1": x1,
                    "top": top,
                    "bottom": bottom,
                    "doctop": top,
                    "width": x1 - x0,
                    "height": bottom - top,
                    "size": bottom - top,
                    "upright": True,
                    "fontname": "",
                }
            )
        return chars
    finally:
        textpage.close()


def _rules(page, display: _Display, height: float) -> tuple[list[dict], list[dict]]:
    """Lines and rects with pdfplumber's keys, ``y0``/``y1`` (from the bottom) included: its edge finder reads
    them off a stroked rectangle (a page whose cells are drawn as boxes)."""
    lines, rects = [], []
    fill_mode, stroke = ctypes.c_int(), ctypes.c_int()
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH], max_depth=5):
        left, bottom, right, top = obj.get_bounds()
        pdfium_c.FPDFPath_GetDrawMode(obj.raw, ctypes.byref(fill_mode), ctypes.byref(stroke))
        x0, y_top, x1, y_bottom = display.box(left, bottom, right, top)
        w, h = x1 - x0, y_bottom - y_top
        base = {
            "x0": x0,
            "x1": x1,
            "top": y_top,
            "bottom": y_bottom,
            "doctop": y_top,
            "width": w,
            "height": h,
            "y0": height - y_bottom,
            "y1": height - y_top,
        }
        if w <= THIN or h <= THIN:  # a rule drawn as a line or as a thin filled box
            if w <= THIN and h <= THIN:
                continue
            vertical = h > w
            middle = (x0 + x1) / 2 if vertical else (y_top + y_bottom) / 2
            if vertical:
                line = {**base, "x0": middle, "x1": middle, "width": 0.0}
            else:
                line = {
                    **base,
                    "top": middle,
                    "bottom": middle,
                    "doctop": middle,
                    "height": 0.0,
                    "y0": height - middle,
                    "y1": height - middle,
                }
            lines.append({**line, "object_type": "line", "stroke": True})
        else:
            rects.append(
                {**base, "object_type": "rect", "stroke": bool(stroke.value), "fill": fill_mode.value != 0}
            )
    return lines, rects
