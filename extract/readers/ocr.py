"""OCR of PDF pages that have no text layer (a scanned page, an image cover).

The PDF reader calls ``ocr_page`` only for a page with (almost) no characters in its text layer.  The page is
rendered with pypdfium2, its drawn table rules are found in the image and erased, the rest is read by Debian's
tesseract (``tesseract-ocr`` + ``tesseract-ocr-chi-sim``, through pytesseract), and the result comes back as
the same ``PdfiumPage`` a text layer gives (``extract.readers.pdf_layout``):

- **lines**: the scan's rules — runs of dark pixels at least ``MIN_RULE`` points long and at most ``THIN``
  points thick, horizontal and vertical — as line objects in PDF points, so a ruled scanned table goes to
  pdfplumber's table finder exactly like a ruled PDF (measured about as good as reading it as unruled,
  and the rules keep neighbouring cells' words apart: docs/ocr.md).  Erasing them before OCR also keeps tesseract from reading them as ``|``, ``一`` or ``”``.
- **chars**: every word box tesseract returns, split into its characters (a CJK character a full width, a
  digit, Latin letter or separator half of one), in PDF points, top-down, with the top and bottom of their
  text line so the line grouping and the unruled reader see one line.  Words of one line that touch — the
  CJK characters tesseract returns one by one, the pieces ``9,`` ``501,`` ``164`` of a widely set amount —
  are closed up (no gap, so no space), unless a rule runs between them.

OCR text is normalised only where the reading is unambiguous: full-width digits and separators between digits
become ASCII, a letter O / l / I among digits becomes 0 / 1, stray quote and bar marks around an amount are
dropped, and an amount's separators are put right when its shape says which is which (``12.121.164`` →
``12,121,164``; ``1.036,02`` → ``1,036.02``).  Anything else stays as read: a wrong figure is caught by its
table's own sums in the warehouse (OCR facts that fail them never reach the marts — docs/ocr.md).
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import unicodedata

import numpy as np

from extract.readers.pdf_layout import PdfiumPage

DPI = 200  # render resolution: tesseract reads this type best at 200 (94.7 % of facts vs 80.2 % at 300: docs/ocr.md)
LANG = "chi_sim"  # chi_sim reads digits well; chi_sim+eng gave the same text ~1.5x slower (a title crop)
PSM = 6  # one uniform block of text: keeps a table row one line (on a title crop 7 lost the title, 11 split lines)
DARK = 160  # grey level below which a pixel is ink
MIN_RULE = 20.0  # points: a dark run this long is a rule, not a stroke of a character (≤ 18 pt type)
THIN = 3.0  # points: a rule is at most this thick
CLOSE_GAP = 0.9  # × word height: words of one line closer than this are closed up (one word)
ERASE_MARGIN = 2  # pixels beside a rule erased with it (its anti-aliased edge reads as ， or ”)
_STRAY = "|“”\"'‘’`_~"
_DIGITISH = re.compile(r"^[-−]?[\dOoIl|,.，。]+$")
_SEPARATED = re.compile(r"^([-−]?)(\d{1,3}(?:[.,]\d{3})*)(?:([.,])(\d{1,2}))?$")


@functools.lru_cache(maxsize=1)
def ocr_available() -> bool:
    """tesseract is installed with the Simplified Chinese model (Debian: tesseract-ocr, tesseract-ocr-chi-sim)."""
    if shutil.which("tesseract") is None:
        return False
    try:
        import pytesseract

        return LANG in pytesseract.get_languages(config="")
    except Exception:  # noqa: BLE001 — a broken install is "not available", with the page_without_text warning
        return False


def ocr_page(document, index: int, dpi: int | None = None, rules: bool = True) -> PdfiumPage:
    """Page ``index`` (0-based) of a pypdfium2 document read by OCR, in PDF points as displayed (rotation
    applied, origin top-left).  ``rules=False`` returns no lines (every table then goes to the unruled reader)."""
    import pytesseract

    dpi = dpi or DPI
    page = document[index]
    try:
        width, height = (float(v) for v in page.get_size())  # as displayed, like pdf_layout.read_page
        bitmap = page.render(scale=dpi / 72, grayscale=True)  # pdfium renders the page as displayed
        image = np.array(bitmap.to_pil().convert("L"))
    finally:
        page.close()
    scale = image.shape[1] / width  # pixels per point
    horizontal, vertical = _rules(image < DARK, scale)
    cleaned = image.copy()
    m = ERASE_MARGIN
    for row0, row1, c0, c1 in horizontal:
        cleaned[max(0, row0 - m) : row1 + 1 + m, c0:c1] = 255
    for col0, col1, r0, r1 in vertical:
        cleaned[r0:r1, max(0, col0 - m) : col1 + 1 + m] = 255
    data = _tesseract(pytesseract, cleaned)
    cuts = [((col0 + col1) / 2, r0, r1) for col0, col1, r0, r1 in vertical]
    chars = _chars(data, scale, cuts)
    lines = [_line(c0 / scale, c1 / scale, (r0 + r1 + 1) / 2 / scale, False) for r0, r1, c0, c1 in horizontal]
    lines += [_line(r0 / scale, r1 / scale, (c0 + c1 + 1) / 2 / scale, True) for c0, c1, r0, r1 in vertical]
    return PdfiumPage(width, height, chars, lines if rules else [], [])


def _tesseract(pytesseract, image: np.ndarray) -> dict:
    from PIL import Image

    # one thread: pages are OCR'd one after the other, and the machine's other cores belong to other work
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    return pytesseract.image_to_data(
        Image.fromarray(image),
        lang=LANG,
        config=f"--psm {PSM}",
        output_type=pytesseract.Output.DICT,
    )


# --------------------------------------------------------------------------- rules
def _rules(
    dark: np.ndarray, scale: float
) -> tuple[list[tuple[int, int, int, int]], list[tuple[int, int, int, int]]]:
    """(horizontal, vertical) rules in pixels: (first row, last row, start col, end col) and
    (first col, last col, start row, end row)."""
    min_length = int(MIN_RULE * scale)
    max_thickness = max(1, int(THIN * scale))
    return (_segments(dark, min_length, max_thickness), _segments(dark.T, min_length, max_thickness))


def _segments(dark: np.ndarray, min_length: int, max_thickness: int) -> list[tuple[int, int, int, int]]:
    """Runs of at least ``min_length`` dark pixels along the rows, joined over adjacent rows into segments
    (first row, last row, start, end); a segment thicker than ``max_thickness`` is ink, not a rule."""
    padded = np.zeros((dark.shape[0], dark.shape[1] + 2), dtype=np.int8)
    padded[:, 1:-1] = dark
    step = np.diff(padded, axis=1)
    rows, starts = np.nonzero(step == 1)
    _, ends = np.nonzero(step == -1)
    keep = ends - starts >= min_length
    open_segments: list[list[int]] = []  # [first row, last row, start, end]
    done: list[list[int]] = []
    for row, start, end in zip(rows[keep].tolist(), starts[keep].tolist(), ends[keep].tolist()):
        for seg in open_segments:
            if (
                seg[1] >= row - 1
                and seg[1] != row
                and min(seg[3], end) - max(seg[2], start) > 0.5 * (end - start)
            ):
                seg[1], seg[2], seg[3] = row, min(seg[2], start), max(seg[3], end)
                break
        else:
            open_segments.append([row, row, start, end])
        still = []
        for seg in open_segments:
            (still if seg[1] >= row - 1 else done).append(seg)
        open_segments = still
    done.extend(open_segments)
    return [tuple(s) for s in done if s[1] - s[0] + 1 <= max_thickness]


def _line(start: float, end: float, at: float, vertical: bool) -> dict:
    if vertical:
        box = {"x0": at, "x1": at, "top": start, "bottom": end, "width": 0.0, "height": end - start}
    else:
        box = {"x0": start, "x1": end, "top": at, "bottom": at, "width": end - start, "height": 0.0}
    return {**box, "doctop": box["top"], "object_type": "line", "stroke": True}


# --------------------------------------------------------------------------- characters
def _chars(data: dict, scale: float, cuts: list[tuple[float, int, int]]) -> list[dict]:
    """Characters in points from tesseract's word boxes (pixels), line by line."""
    lines: dict[tuple[int, int, int], list[dict]] = {}
    for i, raw in enumerate(data["text"]):
        text = normalise_word(raw or "")
        if not text or float(data["conf"][i]) < 0:
            continue
        word = {
            "text": text,
            "x0": data["left"][i],
            "x1": data["left"][i] + data["width"][i],
            "top": data["top"][i],
            "bottom": data["top"][i] + data["height"][i],
        }
        lines.setdefault((data["block_num"][i], data["par_num"][i], data["line_num"][i]), []).append(word)
    chars: list[dict] = []
    for words in lines.values():
        words.sort(key=lambda w: w["x0"])
        heights = sorted(w["bottom"] - w["top"] for w in words)
        size = heights[len(heights) // 2] or 1
        top, bottom = min(w["top"] for w in words), max(w["bottom"] for w in words)
        for run in _runs(words, size, cuts):
            text = normalise_run("".join(w["text"] for w in run))
            if not text:
                continue
            x0, x1 = run[0]["x0"], run[-1]["x1"]
            if bottom - top > 1.6 * size:  # a skewed or uneven line: the run keeps its own band
                middle = sum(w["top"] + w["bottom"] for w in run) / (2 * len(run))
                r_top, r_bottom = middle - size / 2, middle + size / 2
            else:
                r_top, r_bottom = top, bottom
            chars.extend(_split(text, x0 / scale, x1 / scale, r_top / scale, r_bottom / scale))
    return chars


def _runs(words: list[dict], size: float, cuts: list[tuple[float, int, int]]) -> list[list[dict]]:
    """Words of one line that touch, closed up: CJK next to CJK, digits next to digits, no rule between
    (``cuts``: the vertical rules, (x, top, bottom) in pixels)."""
    runs: list[list[dict]] = []
    for word in words:
        last = runs[-1][-1] if runs else None
        if (
            last is not None
            and word["x0"] - last["x1"] <= CLOSE_GAP * size
            and _kind(last["text"][-1]) == _kind(word["text"][0]) != "other"
            and not any(
                last["x1"] - 1 <= x <= word["x0"] + 1 and top < word["bottom"] and bottom > word["top"]
                for x, top, bottom in cuts
            )
        ):
            runs[-1].append(word)
        else:
            runs.append([word])
    return runs


def _kind(char: str) -> str:
    if _is_wide(char):
        return "cjk"
    if char.isdigit() or char in ",.":
        return "digit"
    return "other"


def _is_wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def _split(text: str, x0: float, x1: float, top: float, bottom: float) -> list[dict]:
    """A word box cut into its characters: a wide (CJK) character takes a full share, the others half."""
    weights = [1.0 if _is_wide(c) else 0.5 for c in text]
    unit = (x1 - x0) / (sum(weights) or 1)
    chars, x = [], x0
    for char, weight in zip(text, weights):
        right = x + weight * unit
        chars.append(
            {
                "object_type": "char",
                "text": char,
                "x0": x,
                "x1": right,
                "top": top,
                "bottom": bottom,
                "doctop": top,
                "width": right - x,
                "height": bottom - top,
                "size": bottom - top,
                "upright": True,
                "fontname": "OCR",
            }
        )
        x = right
    return chars


# --------------------------------------------------------------------------- normalisation
_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


def normalise_word(text: str) -> str:
    """One OCR word cleaned: no spaces, full-width digits ASCII, an amount's letters and stray marks fixed."""
    text = "".join(text.split()).translate(_FULLWIDTH_DIGITS)
    if not text:
        return ""
    stripped = text.strip(_STRAY)
    if not stripped:
        return ""  # a lone bar or quote: a rule's remains
    if any(c.isdigit() for c in stripped) and _DIGITISH.match(stripped):
        text = stripped.translate(
            str.maketrans({"O": "0", "o": "0", "I": "1", "l": "1", "|": "1", "，": ",", "。": "."})
        )
    # a separator between digits read full width
    return re.sub(r"(?<=\d)[，](?=\d)", ",", re.sub(r"(?<=\d)[。．](?=\d)", ".", text))


# Misreadings of the budget vocabulary seen on the rasterised disclosures: 支 read as 文 (收支, 支出), the
# colon of 单位： read as a comma or lost before the unit.  Neither 文出 nor 收文 occurs in a disclosure.
_VOCABULARY = (
    (re.compile(r"文出"), "支出"),
    (re.compile(r"收文"), "收支"),
    (re.compile(r"(?<!编制)单位[，,;；.．:：]?(?=(?:万元|千元|元|亿元)$)"), "单位："),
)
_LEADING_MARKS = "、，,”“\"'‘’"  # no cell or line starts with these: a rule's remains


def normalise_run(text: str) -> str:
    """The text of closed-up words: leading stray marks dropped, known misreadings and separators put right."""
    text = text.lstrip(_LEADING_MARKS)
    for pattern, replacement in _VOCABULARY:
        text = pattern.sub(replacement, text)
    return normalise_amount(text)


def normalise_amount(text: str) -> str:
    """An amount's separators put right when its shape decides: groups of three are thousands (','), a last
    group of one or two digits after a separator is the decimals ('.').  A lone separator before three
    digits (``1.234``) is ambiguous and stays as read."""
    match = _SEPARATED.match(text)
    if not match:
        return text
    sign, integer, _separator, decimals = match.groups()
    groups = re.split(r"[.,]", integer)
    if len(groups) > 2 or (len(groups) == 2 and decimals is not None):
        integer = ",".join(groups)
    elif len(groups) == 2:
        return text  # 1.234 or 1,234: as read
    return sign + integer + ("." + decimals if decimals is not None else "")
