"""From a seed text conversion to a print layout: prose lines and tables, in reading order.

Nothing here knows which seed it lays out.  The choices a bureau's typesetter makes are taken from
the shape of the content only:

* a grid with a title line and/or a unit line (单位：…) just above it is a *table section*: it starts
  a new page, its title is centred, its unit line right-aligned, and short notes that follow it
  (说明：…, 注：…) stay on its page;  a grid without them (a table of contents, a small table inside the
  prose) is printed inline;
* header rows are the leading rows before the first row holding a decimal amount; an empty header cell
  is merged into the printed header to its left (when the column has a sub-header below) or above;
* amount columns are right-aligned; the column with the longest names is the *name column* and is kept
  narrow, so long names wrap onto a second line;
* the table section with the most data rows is split over two pages at its middle row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from extract.model import SourceDocument
from extract.readers.text import read_text
from extract.text_clean import parse_amount, squash, strip_markup

PART_HEADING = re.compile(r"^第[一二三四五六七八九十]+部分")
UNIT_LINE = re.compile(r"单位[：:]")
TABLE_NUMBER_LINE = re.compile(r"^表\s*\d+$")
DECIMAL_AMOUNT = re.compile(r"^[-−]?[\d,]*\d\.\d+$|^[-−]?\d{1,3}(?:,\d{3})+$")
NUMBERED_HEADING = re.compile(r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)])")

SHORT_LINE_CHARS = 40  # a lead-in line (title, 编制部门, unit) is at most this long
MAX_LEAD_IN_LINES = 4
MAX_NOTE_LINES = 8
MAX_HEADER_ROWS = 4
MIN_ROWS_TO_SPLIT = 10  # the longest table is split over two pages only if it has this many data rows


@dataclass(frozen=True)
class ProseLine:
    """One paragraph of prose as printed (markup removed)."""

    text: str
    is_heading: bool = False
    is_part_heading: bool = False


@dataclass(frozen=True)
class Span:
    """A merged header cell: rows and columns inclusive, counted from the table's first row."""

    first_row: int
    first_col: int
    last_row: int
    last_col: int


@dataclass
class TableLayout:
    """One grid of the seed and how it is printed."""

    rows: list[list[str]]  # every row padded to the same number of cells, markup removed
    header_count: int
    spans: list[Span]
    amount_columns: frozenset[int]
    name_column: int | None
    lead_in: list[str] = field(default_factory=list)  # title, 表 N, 编制部门, unit line as printed
    notes: list[str] = field(default_factory=list)  # short paragraphs printed under the table
    is_section: bool = False  # printed on a page of its own with its title and unit line
    split_at: int | None = None  # index into rows of the first row printed on the next page

    @property
    def column_count(self) -> int:
        return len(self.rows[0]) if self.rows else 0

    @property
    def data_row_count(self) -> int:
        return len(self.rows) - self.header_count


@dataclass
class DocumentLayout:
    name: str  # the seed's file stem
    items: list[ProseLine | TableLayout]

    @property
    def tables(self) -> list[TableLayout]:
        return [item for item in self.items if isinstance(item, TableLayout)]


# --------------------------------------------------------------------------- lines
def is_short_line(text: str) -> bool:
    return 0 < len(text) <= SHORT_LINE_CHARS and not text.endswith(("。", "；", ";"))


def is_title_like(text: str) -> bool:
    return is_short_line(text) and "表" in text and not PART_HEADING.match(text)


def is_unit_line(text: str) -> bool:
    return is_short_line(text) and bool(UNIT_LINE.search(text))


def lead_in_role(text: str) -> str:
    """'unit' | 'number' (表 N) | 'department' (编制部门：…) | 'title'."""
    if is_unit_line(text):
        return "unit"
    if TABLE_NUMBER_LINE.match(text):
        return "number"
    if re.match(r"^(?:编制)?(?:部门|单位)(?:名称)?[：:]", text):
        return "department"
    return "title"


def starts_lead_in(text: str) -> bool:
    """A line that can open the lines printed above a table: a title, 表 N, 编制部门：… or the unit line."""
    return is_title_like(text) or lead_in_role(text) != "title"


def prose_line(raw: str) -> ProseLine:
    text = strip_markup(raw).replace("#", "").strip()
    part = bool(PART_HEADING.match(squash(text)))
    heading = (
        raw.lstrip().startswith(("#", "**"))
        or part
        or (len(text) <= 30 and bool(NUMBERED_HEADING.match(text)) and "。" not in text)
    )
    return ProseLine(text=text, is_heading=heading, is_part_heading=part)


# --------------------------------------------------------------------------- tables
def clean_rows(cells_per_row: list[tuple[str, ...]]) -> list[list[str]]:
    rows = [[strip_markup(cell) for cell in cells] for cells in cells_per_row]
    width = max(len(row) for row in rows)
    return [row + [""] * (width - len(row)) for row in rows]


def header_row_count(rows: list[list[str]]) -> int:
    for index, row in enumerate(rows):
        if any(DECIMAL_AMOUNT.match(cell.replace(" ", "")) for cell in row):
            return index if index <= MAX_HEADER_ROWS else 1
    return len(rows) if len(rows) <= 3 else 1


def header_spans(rows: list[list[str]], header_count: int) -> list[Span]:
    """Merge empty header cells into the printed cell to their left (a parent header over sub-headers)
    or above (a header that spans the header rows)."""
    columns = len(rows[0]) if rows else 0
    claimed = [[False] * columns for _ in range(header_count)]
    spans: list[Span] = []

    def has_sub_header(row: int, col: int) -> bool:
        return any(rows[below][col] for below in range(row + 1, header_count))

    for r in range(header_count):
        for c in range(columns):
            if not rows[r][c] or claimed[r][c]:
                continue
            claimed[r][c] = True
            last_col = c
            if has_sub_header(r, c):
                while (
                    last_col + 1 < columns
                    and not rows[r][last_col + 1]
                    and not claimed[r][last_col + 1]
                    and has_sub_header(r, last_col + 1)
                ):
                    last_col += 1
                    claimed[r][last_col] = True
            last_row = r
            if last_col == c:
                while (
                    last_row + 1 < header_count and not rows[last_row + 1][c] and not claimed[last_row + 1][c]
                ):
                    last_row += 1
                    claimed[last_row][c] = True
            if last_col > c or last_row > r:
                spans.append(Span(r, c, last_row, last_col))
    return spans


def amount_columns(rows: list[list[str]], header_count: int) -> frozenset[int]:
    """Columns whose filled data cells are mostly amounts, with a decimal or thousands separator among
    them (so a column of codes is not one), or nothing but zeros."""
    found = set()
    for col in range(len(rows[0])):
        cells = [row[col] for row in rows[header_count:] if row[col]]
        amounts = [cell for cell in cells if parse_amount(cell) is not None]
        if not cells or len(amounts) * 5 < len(cells) * 3:
            continue
        if any(DECIMAL_AMOUNT.match(a) for a in amounts) or all(parse_amount(a) == 0 for a in amounts):
            found.add(col)
    return frozenset(found)


def name_column(rows: list[list[str]], header_count: int, amounts: frozenset[int]) -> int | None:
    best, best_length = None, 0
    for col in range(len(rows[0])):
        if col in amounts:
            continue
        length = max((len(row[col]) for row in rows[header_count:]), default=0)
        if length > best_length:
            best, best_length = col, length
    return best


def table_layout(cells_per_row: list[tuple[str, ...]]) -> TableLayout:
    rows = clean_rows(cells_per_row)
    header_count = header_row_count(rows)
    amounts = amount_columns(rows, header_count)
    return TableLayout(
        rows=rows,
        header_count=header_count,
        spans=header_spans(rows, header_count),
        amount_columns=amounts,
        name_column=name_column(rows, header_count, amounts),
    )


# --------------------------------------------------------------------------- document
def attach_lead_ins_and_notes(items: list[ProseLine | TableLayout]) -> list[ProseLine | TableLayout]:
    """Move each table's title and unit lines (just above it) and its short notes (just below it)
    into the table, so the printers can keep them on the table's page."""
    lead_in_of: dict[int, list[int]] = {}
    for index, item in enumerate(items):
        if not isinstance(item, TableLayout):
            continue
        above: list[int] = []
        cursor = index - 1
        while cursor >= 0 and len(above) < MAX_LEAD_IN_LINES:
            line = items[cursor]
            if not isinstance(line, ProseLine) or line.is_part_heading or not is_short_line(line.text):
                break
            above.insert(0, cursor)
            cursor -= 1
        first = next((i for i in above if starts_lead_in(items[i].text)), None)
        lead_in_of[index] = [i for i in above if first is not None and i >= first]

    taken = {i for indices in lead_in_of.values() for i in indices}
    for index, indices in lead_in_of.items():
        table = items[index]
        table.lead_in = [items[i].text for i in indices]
        table.is_section = bool(indices)
        if not table.is_section:
            continue
        following: list[int] = []
        cursor = index + 1
        while cursor < len(items) and len(following) < MAX_NOTE_LINES:
            line = items[cursor]
            if not isinstance(line, ProseLine) or cursor in taken or line.is_part_heading:
                break
            following.append(cursor)
            cursor += 1
        reaches_next_table = cursor < len(items) and (
            cursor in taken or isinstance(items[cursor], TableLayout)
        )
        notes = following if reaches_next_table else leading_notes(items, following)
        table.notes = [items[i].text for i in notes]
        taken.update(notes)
    return [item for i, item in enumerate(items) if i not in taken]


def leading_notes(items: list[ProseLine | TableLayout], following: list[int]) -> list[int]:
    """After the last table of a run only the 注：/说明： lines right under it belong to it."""
    notes = []
    for i in following:
        if not items[i].text.startswith(("注", "说明")):
            break
        notes.append(i)
    return notes


def choose_split(tables: list[TableLayout]) -> None:
    sections = [table for table in tables if table.is_section and table.data_row_count >= MIN_ROWS_TO_SPLIT]
    if not sections:
        return
    longest = max(sections, key=lambda table: table.data_row_count)  # first of the longest on ties
    longest.split_at = longest.header_count + longest.data_row_count // 2


def document_layout(doc: SourceDocument, name: str) -> DocumentLayout:
    items: list[ProseLine | TableLayout] = []
    for block in doc.blocks:
        if block.grid is not None and block.grid.rows:
            items.append(table_layout([row.cells for row in block.grid.rows]))
        elif block.paragraph is not None:
            line = prose_line(block.paragraph.text)
            if line.text:
                items.append(line)
    items = attach_lead_ins_and_notes(items)
    layout = DocumentLayout(name=name, items=items)
    choose_split(layout.tables)
    return layout


def seed_layout(path: Path) -> DocumentLayout:
    return document_layout(read_text(path), path.stem)
