"""Tables of unruled PDF pages, read from the characters' positions.

A table printed without ruling lines still has columns: the words of a column lie in one horizontal band, and
bands are separated by gutters no word crosses.  The reader finds them from the words themselves:

1. **Lines.** Words (split where characters stand apart) are grouped into lines by their vertical centre.
2. **Regions.** Title, 单位 and 编制部门 lines cut the page into regions.  A region with *data lines* (an
   amount with decimals or thousands separators, a subject code first, or bare numbers after text cells —
   never a sentence, never the ※ 1 2 3 column-number row) holds a table.
3. **Rows.** Lines that overlap or stand closer than the padding between rows are one row: a name wrapped
   over two lines around its amount line stays with its row.  The header is the rows above the first data
   row that spread over several columns; rows of names only (an empty subject) belong to the body.
4. **Bands.** The body's words projected on the x axis give the column bands (words closer than half a
   character height are one cell; an amount and a text only when they overlap).  Header cells (words touching
   across lines: 一般公共 / 预算) widen the band they stand over; a heading in a gutter heads the free
   neighbouring column it is centred in (text columns are aligned left, amounts right), else the nearer free
   one, else it opens an empty column (项目支出 with nothing under it).
5. **Parents.** A header cell with another cell right under it (基本支出 over 合计 / 人员经费 / 公用经费), or high
   in the header above the rest (收入 centred over 项目 and 预算数), spans the columns headed as low as its own
   sub-headings — never a cell running the header's full height (总计) or merged down beside it — the whole
   run of them, or where a sibling reaches for the same columns, the widest run it is centred over.  The
   header comes out as a ruled table gives it: a row per level of parents, each column's own heading under its
   lowest parent and blank below.

A region at the top of a page that goes on from a table ending the previous page keeps that table's columns
(header repeated or not), so a table split over pages joins in the same columns.  A title followed by a
header and no rows is an empty table.  Thresholds are in units of the page's character height, so the reader
does not depend on the font size.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pdfplumber.utils.text import extract_words

from extract.tables.classify import classify_title
from extract.tables.header import role_of_cell
from extract.tables.locate import unit_of

WORD_X_TOLERANCE = 1.5  # points: characters closer than this are one word
LINE_TOLERANCE = 0.25  # × character height: words whose centres are this close share a line
CELL_GAP = 0.5  # × character height: words this close horizontally belong to one cell
CENTRE_TOLERANCE = 0.6  # × character height: a parent centred over a span of bands
PIECE_SPACING = 1.8  # × character height: a row of names only after the last data row is this close to it
ROW_GAP = 0.45  # × character height: lines closer than this (or overlapping) are one table row
AMOUNT_GAP = 0.8  # × character height: a number in a table cell stands this far from the word before it
SUBHEADING_TOLERANCE = 0.3  # × character height: the columns under a parent head as low as its sub-headings
_MONEY = re.compile(r"^-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d{1,4})?$")
_DECIMAL_OR_GROUPED = re.compile(r"^-?(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d{1,4})$")
_CODE = re.compile(r"^\d{3}(?:\d{2}){0,2}$")
_COMPILER = re.compile(r"^编制(?:部门|单位)[：:]")
_NOTE = re.compile(r"^\s*(?:注|说明|备注)\s*[：:]")
_PROSE = re.compile(r"[，。；]|\d\s*万元")
MIN_DATA_ROWS = 2  # a region without title, header or table before it needs this many data rows

Band = tuple[float, float]


@dataclass
class Line:
    words: list[dict]

    @property
    def top(self) -> float:
        return min(w["top"] for w in self.words)

    @property
    def bottom(self) -> float:
        return max(w["bottom"] for w in self.words)

    @property
    def centre(self) -> float:
        return (self.top + self.bottom) / 2

    @property
    def text(self) -> str:
        return " ".join(w["text"] for w in self.words)


@dataclass
class UnruledTable:
    """One table found on an unruled page: header rows, body rows, its box and its column bands (kept so the
    table's continuation on the next page uses the same columns)."""

    header: list[list[str]]
    rows: list[list[str]]
    bbox: tuple[float, float, float, float]  # x0, top, x1, bottom
    bands: list[Band]


def page_words(page) -> list[dict]:
    return extract_words(page.chars, x_tolerance=WORD_X_TOLERANCE, keep_blank_chars=False)


def group_lines(words: list[dict]) -> list[Line]:
    """Words in lines, top to bottom, each line left to right."""
    if not words:
        return []
    size = _char_size(words)
    ordered = sorted(words, key=lambda w: ((w["top"] + w["bottom"]) / 2, w["x0"]))
    lines: list[list[dict]] = [[ordered[0]]]
    for word in ordered[1:]:
        centre = (word["top"] + word["bottom"]) / 2
        current = lines[-1]
        current_centre = sum((w["top"] + w["bottom"]) / 2 for w in current) / len(current)
        if abs(centre - current_centre) <= max(1.0, LINE_TOLERANCE * size):
            current.append(word)
        else:
            lines.append([word])
    return [Line(sorted(line, key=lambda w: w["x0"])) for line in lines]


def _char_size(words: list[dict]) -> float:
    sizes = sorted(w["bottom"] - w["top"] for w in words)
    return sizes[len(sizes) // 2] or 10.0


def is_index_line(line: Line) -> bool:
    """The column-number row under a header (※ ※ 1 2 3 …, 栏次 1 2 3)."""
    texts = [w["text"] for w in line.words]
    if any(t.startswith("※") or t == "栏次" for t in texts):
        return True
    numbers = [int(t) for t in texts if t.isdecimal()]  # not isdigit: '²' is a digit int() refuses
    return len(numbers) >= 3 and len(numbers) == len(texts) and numbers == list(range(1, len(numbers) + 1))


def is_data_line(line: Line) -> bool:
    """A table row: an amount (with decimals or thousands separators, or a bare number after a name) or a
    subject code first; never a line of prose (sentence punctuation, 万元) or the column-number row."""
    if _PROSE.search(line.text) or is_index_line(line):
        return False
    texts = [w["text"] for w in line.words]
    if not _stands_apart(line):
        return False  # a number set in running text (a sentence the page width cut), not in a column
    if any(_DECIMAL_OR_GROUPED.match(t) for t in texts):
        return True
    if _CODE.match(texts[0]) and len(texts) > 1:
        return True
    numbers = [t for t in texts[1:] if _MONEY.match(t) and not re.fullmatch(r"\d{4}", t)]
    # a bare number after one name is a contents entry; after two text cells (单位 | 经费性质 | 14) a row
    ends_in_number = bool(_MONEY.match(texts[-1]))
    return ends_in_number and not _MONEY.match(texts[0]) and (len(numbers) >= 2 or len(texts) >= 3)


def _stands_apart(line: Line) -> bool:
    """Every number of the line that follows text stands apart from it by a column gutter (at least
    ``AMOUNT_GAP`` character heights), as table cells do; prose sets a number a space away from its text."""
    size = _char_size(line.words)
    return all(
        i == 0
        or _MONEY.match(line.words[i - 1]["text"])
        or word["x0"] - line.words[i - 1]["x1"] >= AMOUNT_GAP * size
        for i, word in enumerate(line.words)
        if _MONEY.match(word["text"])
    )


def is_head_line(text: str) -> bool:
    """A line that starts a table region: its title, its 单位 line, 编制部门 and similar furniture."""
    compact = text.replace(" ", "")
    return (
        classify_title(compact) is not None or unit_of(compact) is not None or bool(_COMPILER.match(compact))
    )


def read_unruled_tables(lines: list[Line], previous_bands: list[Band] | None = None) -> list[UnruledTable]:
    """The tables among a page's lines (page numbers already removed).  ``previous_bands``: the columns of a
    table that ended the previous page, for a continuation at the top of this one."""
    if not lines:
        return []
    size = _char_size([w for line in lines for w in line.words])
    regions: list[tuple[list[Line], bool]] = []  # (lines, follows a head line)
    current: list[Line] = []
    after_head = False
    for line in lines:
        if is_head_line(line.text):
            if current:
                regions.append((current, after_head))
            current, after_head = [], True
            continue
        current.append(line)
    if current:
        regions.append((current, after_head))
    tables = []
    for region, after_head in regions:
        continuation = None if after_head or tables else previous_bands
        table = _read_region(region, size, continuation, titled=after_head)
        if table is not None:
            tables.append(table)
    return tables


def _read_region(
    lines: list[Line], size: float, previous_bands: list[Band] | None, titled: bool = False
) -> UnruledTable | None:
    blocks = _row_blocks(lines, size)
    data = [i for i, block in enumerate(blocks) if any(is_data_line(line) for line in block)]
    if not data:
        return _header_only(lines, size) if titled else None
    first, last = data[0], data[-1]
    core = _column_bands([w for block in blocks[first : last + 1] for w in _words(block)], size)
    # after the last data row: rows of names only (an empty subject), up to prose or a wide gap
    end = last + 1
    while (
        end < len(blocks)
        and not any(_PROSE.search(line.text) for line in blocks[end])
        and (blocks[end][0].top - blocks[end - 1][-1].bottom < PIECE_SPACING * size)
    ):
        end += 1
    # before the first data row: the header (blocks over several bands, and any above them), then rows of
    # names only; under a title everything up to it is the table's, above an untitled table only what stands
    # close to it and is not prose
    start = 0 if titled else first
    while (
        start > 0
        and not _is_prose(blocks[start - 1], size)
        and (blocks[start][0].top - blocks[start - 1][-1].bottom < PIECE_SPACING * size)
    ):
        start -= 1
    multi_band = [i for i in range(start, first) if len({_band_of(w, core) for w in _words(blocks[i])}) > 1]
    header_end = multi_band[-1] + 1 if multi_band else start
    header_lines = [line for block in blocks[start:header_end] for line in block if not is_index_line(line)]
    index_lines = [line for block in blocks[start:header_end] for line in block if is_index_line(line)]
    if not header_lines and not titled and not previous_bands and len(data) < MIN_DATA_ROWS:
        return None  # a lone line with numbers in prose, not a table
    body = blocks[header_end:end]
    body_words = [w for block in body for w in _words(block)]
    if previous_bands:  # the table goes on from the previous page: its columns, header repeated or not
        bands, parents = _add_header(list(previous_bands), header_lines, size, fixed=True)
    else:
        bands = _merge(core + _column_bands(body_words, size), 0.0)
        bands, parents = _add_header(bands, header_lines, size)
    header = _header_rows(header_lines, parents, bands) + [_cells(line.words, bands) for line in index_lines]
    rows = [_cells(_words(block), bands) for block in body]
    table_lines = header_lines + index_lines + [line for block in body for line in block]
    bbox = (
        min(w["x0"] for line in table_lines for w in line.words),
        min(line.top for line in table_lines),
        max(w["x1"] for line in table_lines for w in line.words),
        max(line.bottom for line in table_lines),
    )
    return UnruledTable(header, rows, bbox, bands)


def _header_only(lines: list[Line], size: float) -> UnruledTable | None:
    """A titled table printed without amounts: its header and maybe rows of names only (an empty 政府性基金
    table, a “三公” table listing its parts with no figure).  The table runs from the title to the first
    sentence or note (注：, 说明：); its header is the leading rows over several columns, one of which the
    parser knows (合计, 项目, 2024年预算数 …)."""
    blocks = []
    for block in _row_blocks(lines, size):
        if any(_PROSE.search(line.text) or _NOTE.match(line.text) for line in block):
            break
        blocks.append(block)
    header_blocks = 0
    while header_blocks < len(blocks) and len(_header_cells(blocks[header_blocks], size)) > 1:
        header_blocks += 1
    header_lines = [line for block in blocks[:header_blocks] for line in block]
    if not header_lines:
        return None
    bands, parents = _add_header([], header_lines, size)
    if len(bands) < 2 or not any(role_of_cell(_join(cell)) for cell in _header_cells(header_lines, size)):
        return None  # no column the parser knows: a line of a contents page, not a table
    body = blocks[header_blocks:]
    table_lines = header_lines + [line for block in body for line in block]
    bbox = (
        min(w["x0"] for line in table_lines for w in line.words),
        table_lines[0].top,
        max(w["x1"] for line in table_lines for w in line.words),
        table_lines[-1].bottom,
    )
    rows = [_cells(_words(block), bands) for block in body]
    return UnruledTable(_header_rows(header_lines, parents, bands), rows, bbox, bands)


def _is_prose(block: list[Line], size: float) -> bool:
    """A sentence, or a lead-in line of one cell ending in a colon (…见下表：) — not a table's header."""
    if any(_PROSE.search(line.text) for line in block):
        return True
    return len(_header_cells(block, size)) == 1 and block[-1].text.rstrip().endswith(("：", ":"))


def _words(block: list[Line]) -> list[dict]:
    return [w for line in block for w in line.words]


def _row_blocks(lines: list[Line], size: float) -> list[list[Line]]:
    """Lines grouped into table rows: lines of one row overlap or stand closer than the padding between rows
    (a name wrapped around its amount line).  A line never joins a block that already has an amount where the
    line has one (two rows set tightly)."""
    blocks: list[list[Line]] = []
    for line in lines:
        if blocks:
            block = blocks[-1]
            gap = line.top - max(other.bottom for other in block)
            if gap < ROW_GAP * size and not _clash(block, line):
                block.append(line)
                continue
        blocks.append([line])
    return blocks


def _clash(block: list[Line], line: Line) -> bool:
    """The line has an amount standing over an amount of the block: a row of its own."""
    amounts = [w for other in block for w in other.words if _MONEY.match(w["text"])]
    return any(
        _MONEY.match(w["text"]) and any(w["x0"] < a["x1"] and w["x1"] > a["x0"] for a in amounts)
        for w in line.words
    )


def _column_bands(words: list[dict], size: float) -> list[Band]:
    """The x bands of the words' columns.  Words closer than ``CELL_GAP`` merge — but an amount and a text never
    do unless they overlap: a right-aligned amount may end a hair before the next column's text begins."""
    amounts = [(w["x0"], w["x1"]) for w in words if _DECIMAL_OR_GROUPED.match(w["text"])]
    texts = [(w["x0"], w["x1"]) for w in words if not _DECIMAL_OR_GROUPED.match(w["text"])]
    return _merge(_merge(amounts, CELL_GAP * size) + _merge(texts, CELL_GAP * size), 0.0)


def _merge(intervals: list[Band], gap: float) -> list[Band]:
    merged: list[list[float]] = []
    for x0, x1 in sorted(intervals):
        if merged and x0 - merged[-1][1] < gap:
            merged[-1][1] = max(merged[-1][1], x1)
        else:
            merged.append([x0, x1])
    return [(a, b) for a, b in merged]


def _overlapped(word: dict, bands: list[Band]) -> list[int]:
    return [i for i, (x0, x1) in enumerate(bands) if word["x0"] < x1 and word["x1"] > x0]


def _header_cells(header_lines: list[Line], size: float) -> list[list[dict]]:
    """Header words grouped into cells: words that touch across lines (a heading wrapped in its cell) or stand
    close on one line."""
    words = [w for line in header_lines for w in line.words]
    parent = list(range(len(words)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, a in enumerate(words):
        for j in range(i + 1, len(words)):
            b = words[j]
            vertical_gap = max(a["top"], b["top"]) - min(a["bottom"], b["bottom"])
            horizontal_gap = max(a["x0"], b["x0"]) - min(a["x1"], b["x1"])
            same_line = abs((a["top"] + a["bottom"]) - (b["top"] + b["bottom"])) / 2 <= LINE_TOLERANCE * size
            if (same_line and horizontal_gap < CELL_GAP * size) or (
                not same_line and horizontal_gap < 0 and vertical_gap < ROW_GAP * size
            ):
                parent[find(i)] = find(j)
    cells: dict[int, list[dict]] = {}
    for i, word in enumerate(words):
        cells.setdefault(find(i), []).append(word)
    return list(cells.values())


def _extent(cell: list[dict]) -> tuple[float, float, float, float]:
    return (
        min(w["x0"] for w in cell),
        min(w["top"] for w in cell),
        max(w["x1"] for w in cell),
        max(w["bottom"] for w in cell),
    )


def _heading_extents(own: list[list[dict]], bands: list[Band], size: float) -> list[Band]:
    """The x extent each heading cell adds to the bands.

    A heading over a band widens it.  A heading over no band stands in the gutter beside the column it heads:
    a column's text is aligned to one edge (codes and names left, amounts right) and its heading is centred in
    the whole cell.  It heads a neighbouring band that has no heading over it — the one whose cell it is
    centred in, else the nearer — and a band claimed by several headings takes the nearest; any other heading
    keeps its own extent (the heading of an empty column)."""
    extents = [(_extent(cell)[0], _extent(cell)[2]) for cell in own]
    headed = {i for x0, x1 in extents for i in _overlapped({"x0": x0, "x1": x1}, bands)}
    claims: dict[int, tuple[float, int]] = {}  # band → (gap, heading) of the nearest heading claiming it
    for h, (x0, x1) in enumerate(extents):
        if _overlapped({"x0": x0, "x1": x1}, bands):
            continue
        right = next((k for k, band in enumerate(bands) if band[0] >= x1), len(bands))
        left = right - 1
        centre = (x0 + x1) / 2
        sides = []
        if left >= 0:
            in_cell = right < len(bands) and abs((bands[left][0] + bands[right][0]) / 2 - centre) <= size
            sides.append((x0 - bands[left][1], left, in_cell))
        if right < len(bands):
            in_cell = left >= 0 and abs((bands[left][1] + bands[right][1]) / 2 - centre) <= size
            sides.append((bands[right][0] - x1, right, in_cell))
        free = sorted(side for side in sides if side[1] not in headed)
        choice = next((side for side in free if side[2]), free[0] if free else None)
        if choice is not None:
            gap, band, _ = choice
            if band not in claims or gap < claims[band][0]:
                claims[band] = (gap, h)
    for band, (_, h) in claims.items():
        x0, x1 = extents[h]
        extents[h] = (min(x0, bands[band][0]), max(x1, bands[band][1]))
    return extents


def _add_header(bands: list[Band], header_lines: list[Line], size: float, fixed: bool = False):
    """Bands widened by the header's own cells; the parents (cells over several columns) and the bands each spans.

    A parent is a header cell with another cell right under it (基本支出 over 人员经费), or in the upper half of
    the header above the rest (收入 centred over 项目 and 预算数).  Parents are placed level by level from the
    top.  A parent spans the bands whose own heading lies a row below it — never a cell that runs the header's
    full height (总计) — within its own parent's span, without the bands another parent of its level covers: the
    whole run of such bands around it, or, where a sibling's run reaches into it, the widest run it is centred
    over (merged headings are printed centred).
    """
    if not header_lines:
        return bands, []
    cells = _header_cells(header_lines, size)
    top = min(line.top for line in header_lines)
    bottom = max(line.bottom for line in header_lines)
    middle = (top + bottom) / 2
    half = 0.5 * size
    boxes = {id(cell): _extent(cell) for cell in cells}

    def is_parent(cell: list[dict]) -> bool:
        x0, y0, x1, y1 = boxes[id(cell)]
        under = [boxes[id(o)] for o in cells if o is not cell and boxes[id(o)][1] - y1 >= ROW_GAP * size]
        right_under = any(b[0] < x1 and b[2] > x0 for b in under)
        return bool(under) and (right_under or (y0 + y1) / 2 < middle - half)

    parents = [cell for cell in cells if is_parent(cell)]
    own = [cell for cell in cells if not any(cell is p for p in parents)]
    # a heading cell widens the band it stands over or opens its own; two heading cells never merge by nearness
    if not fixed:  # (a continued table keeps the columns it had)
        bands = _merge(bands + _heading_extents(own, bands, size), 0.5)
    own_by_band: dict[int, list[dict]] = {}
    for cell in own:
        for word in cell:
            own_by_band.setdefault(_band_of(word, bands), []).append(word)

    def first_row_under(parent: list[dict]) -> float | None:
        """The vertical centre of the highest cells standing right under the parent (its own sub-headings)."""
        x0, _, x1, y1 = boxes[id(parent)]
        below = [
            boxes[id(c)]
            for c in cells
            if c is not parent
            and boxes[id(c)][1] - y1 >= ROW_GAP * size
            and boxes[id(c)][0] < x1
            and boxes[id(c)][2] > x0
        ]
        return min(((b[1] + b[3]) / 2 for b in below), default=None)

    def under(band: int, parent: list[dict]) -> bool:
        """The band's own heading lies in the rows under the parent — as low as the parent's sub-headings, so
        not a cell merged down from the parent's own row (总计, a 合计 beside 基本支出)."""
        words = own_by_band.get(band)
        if not words:
            return False
        _, y0, _, y1 = _extent(words)
        centre = (y0 + y1) / 2
        row = rows_under[id(parent)]
        return (
            y0 - boxes[id(parent)][3] >= ROW_GAP * size
            and centre > middle + half
            and (row is None or centre >= row - SUBHEADING_TOLERANCE * size)
        )

    rows_under = {id(parent): first_row_under(parent) for parent in parents}

    def cell_edges(first: int, last: int) -> tuple[float, float]:
        left = (bands[first - 1][1] + bands[first][0]) / 2 if first > 0 else bands[first][0]
        right = (bands[last][1] + bands[last + 1][0]) / 2 if last + 1 < len(bands) else bands[last][1]
        return left, right

    spans: list[tuple[list[dict], list[int]]] = []
    for level in _levels([(cell, None) for cell in parents]):
        covered = {id(cell): set(_overlapped(_as_word(boxes[id(cell)]), bands)) for cell, _ in level}
        runs: dict[int, tuple[list[int], int, int]] = {}  # parent → (bands it covers, widest run low, high)
        for cell, _ in level:
            box = boxes[id(cell)]
            others = set().union(*(covered[id(c)] for c, _ in level if c is not cell))
            outer = next(
                (
                    set(span)
                    for upper, span in spans
                    if _extent(upper)[3] <= box[1] and covered[id(cell)] & set(span)
                ),
                None,
            )
            allowed = {
                i
                for i in range(len(bands))
                if under(i, cell) and i not in others and (outer is None or i in outer)
            }
            start = sorted(i for i in covered[id(cell)] if i in allowed)
            if not start:
                centred = _centred_span(_as_word(box), bands, size)
                start = [centred] if centred is not None and centred in allowed else []
            if not start:
                continue
            low, high = start[0], start[-1]
            while low - 1 in allowed:
                low -= 1
            while high + 1 in allowed:
                high += 1
            runs[id(cell)] = (start, low, high)
        for cell, _ in level:
            if id(cell) not in runs:
                continue
            start, low, high = runs[id(cell)]
            contested = any(
                other != id(cell) and not (high < other_low or other_high < low)
                for other, (_, other_low, other_high) in runs.items()
            )
            if not contested:  # the widest run of lower columns around it is its span
                spans.append((cell, list(range(low, high + 1))))
                continue
            # siblings reach for the same columns: each takes the widest run it is centred over
            box = boxes[id(cell)]
            centre = (box[0] + box[2]) / 2
            best = None
            for first in range(low, start[0] + 1):
                for last in range(start[-1], high + 1):
                    left, right = cell_edges(first, last)
                    off = abs((left + right) / 2 - centre)
                    key = (off > size, -(last - first) if off <= size else off)
                    if best is None or key < best[0]:
                        best = (key, first, last)
            spans.append((cell, list(range(best[1], best[2] + 1))))
    return bands, spans


def _as_word(box: tuple[float, float, float, float]) -> dict:
    return {"x0": box[0], "x1": box[2]}


def _centred_span(word: dict, bands: list[Band], size: float) -> int | None:
    """The first band of two or more neighbouring bands the word is centred over (收入 over 项目 | 预算数)."""
    centre = (word["x0"] + word["x1"]) / 2
    for i in range(len(bands)):
        if bands[i][0] > centre:
            break
        for j in range(i + 1, len(bands)):
            if bands[j][1] < centre:
                continue
            if abs((bands[i][0] + bands[j][1]) / 2 - centre) <= CENTRE_TOLERANCE * size:
                return i
    return None


def _nearest(word: dict, bands: list[Band]) -> int:
    centre = (word["x0"] + word["x1"]) / 2
    return min(range(len(bands)), key=lambda i: max(bands[i][0] - centre, centre - bands[i][1], 0))


def _band_of(word: dict, bands: list[Band]) -> int:
    covered = _overlapped(word, bands)
    if covered:
        return max(covered, key=lambda i: min(word["x1"], bands[i][1]) - max(word["x0"], bands[i][0]))
    return _nearest(word, bands)


def _join(words: list[dict]) -> str:
    text = ""
    for word in words:
        if text and re.search(r"[A-Za-z0-9.)）]$", text) and re.match(r"[A-Za-z0-9(（]", word["text"]):
            text += " "
        text += word["text"]
    return text


def _words_by_band(words: list[dict], bands: list[Band]) -> list[list[dict]]:
    by_band: list[list[dict]] = [[] for _ in bands]
    for word in words:
        by_band[_band_of(word, bands)].append(word)
    return by_band


def _cells(words: list[dict], bands: list[Band]) -> list[str]:
    return [
        _join(ws) for ws in _words_by_band(words, bands)
    ]  # words in reading order: line by line  # words in reading order: line by line, left to right


def _header_rows(header_lines: list[Line], parents, bands: list[Band]) -> list[list[str]]:
    """The flattened header, as a ruled table or a text conversion gives it: a row per level of parents, each
    parent over every column it spans; a column's own heading in the row under its lowest parent (the top row
    when it has none) and blank below, as a cell merged down reads."""
    parent_words = {id(w) for cell, _ in parents for w in cell}
    own: list[list[dict]] = [[] for _ in bands]
    for line in header_lines:
        for word in line.words:
            if id(word) not in parent_words:
                own[_band_of(word, bands)].append(word)
    levels = _levels(parents)
    rows = [[""] * len(bands) for _ in range(len(levels) + 1)]
    depth = [0] * len(bands)  # the row of each column's own heading
    for index, level in enumerate(levels):
        for cell, span in level:
            text = _join(_reading_order(cell))
            for band in span:
                rows[index][band] = text
                depth[band] = index + 1
    for band, words in enumerate(own):
        rows[depth[band]][band] = _join(words)
    return [row for row in rows if any(row)]


def _reading_order(words: list[dict]) -> list[dict]:
    """Words of one cell line by line, each line left to right."""
    return [w for line in group_lines(words) for w in line.words]


def _levels(parents) -> list[list]:
    """Parents grouped by the header line they stand on, top first."""
    levels: list[list] = []
    for cell, span in sorted(parents, key=lambda p: _extent(p[0])[1]):
        box = _extent(cell)
        if levels and box[1] < max(_extent(c)[3] for c, _ in levels[-1]):
            levels[-1].append((cell, span))
        else:
            levels.append([(cell, span)])
    return levels
