"""Finding the tables of a document: a title line, then a grid (after unit and 编制部门 lines).

A grid with no title of its own continues the previous table when nothing but page furniture stands
between them (a table split across pages, its header repeated or not) and it is on the same or the next
page (a page that could not be read ends the table).  A note such as
“本部门无政府性基金预算支出” marks the table it names as empty.  A grid that is a table of contents is
skipped; any other untitled grid is kept as a staffing table (when its header counts people) or as an
unclassified table with a warning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from extract.model import GridRow, SourceDocument
from extract.tables.classify import classify_title, empty_note_kind
from extract.text_clean import parse_amount, squash
from extract.vocabulary import TableKind, base_kind

_UNIT_LINE = re.compile(r"(?:金额)?单位[：:]\s*(万元|千元|元|亿元)")
# a unit line whose colon the PDF's text layer set apart (“单位 万元” then “：”)
_BARE_UNIT_LINE = re.compile(r"^(?:金额)?单位(万元|千元|元|亿元)$")
# a paragraph of stray punctuation or one numeral, split off a title or a unit line by the text layer
_STRAY = re.compile(r"^[\W_一二三四五六七八九十]{1,6}$")
_FURNITURE = re.compile(
    r"^(?:编制(?:部门|单位)[：:]|表\s*\d+|附表|续表|第?\s*\d+\s*页|-?\s*\d+\s*-?$|[（(]\d{4}\s*年度?[）)]$)"
)


@dataclass
class LocatedTable:
    kind: TableKind
    title: str
    title_line: int | None
    unit_label: str = "万元"
    rows: list[GridRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    continued: int = 0  # how many later grids were joined to it


def unit_of(text: str) -> str | None:
    cleaned = squash(text)
    match = _UNIT_LINE.search(cleaned) or _BARE_UNIT_LINE.match(cleaned)
    return match.group(1) if match else None


def is_furniture(text: str) -> bool:
    cleaned = squash(text)
    return bool(_FURNITURE.match(cleaned)) or unit_of(cleaned) is not None or bool(_STRAY.match(cleaned))


def is_table_of_contents(rows: list[GridRow]) -> bool:
    cells = [[squash(c) for c in r.cells if squash(c)] for r in rows]
    cells = [c for c in cells if c]
    return bool(cells) and all(len(c) <= 2 and re.fullmatch(r"\d{1,3}", c[-1]) for c in cells)


def _prints_amounts(table: LocatedTable) -> bool:
    return any(parse_amount(cell) for row in table.rows for cell in row.cells)


def _aligned_to(previous: list[GridRow], rows: list[GridRow]) -> list[GridRow]:
    """Rows continuing a table on a new page, as wide as the table.

    A row printed alone on the next page (a 合计 whose label cell spans the code and name columns) comes with
    fewer cells: its label stays first and its amounts keep to the right, as the table prints them.
    """
    width = max((len(r.cells) for r in previous), default=0)
    out = []
    for row in rows:
        missing = width - len(row.cells)
        if missing > 0 and len(row.cells) >= 2:
            cells = (row.cells[0], *([""] * missing), *row.cells[1:])
            row = GridRow(cells=cells, line=row.line, page=row.page, raw_text=row.raw_text)
        out.append(row)
    return out


def _next_page(previous: list[GridRow], rows: list[GridRow]) -> bool:
    """The grid stands on the table's last page or the page after it: a table does not skip a page (a page
    that could not be read between two grids ends the table, so it never swallows the next page's table)."""
    last, first = (previous[-1].page if previous else None), (rows[0].page if rows else None)
    return last is None or first is None or first - last <= 1


_PEOPLE_HEADER = re.compile(r"人数|编制数|实有人员|在职人员")


def locate_tables(doc: SourceDocument) -> list[LocatedTable]:
    tables: list[LocatedTable] = []
    pending: LocatedTable | None = None  # a title waiting for its grid
    pending_notes: list[tuple[TableKind | bool, str]] = []
    can_continue = False  # only page furniture since the last table's grid

    prose_since_table = 0

    def attach_note(kind: TableKind | bool, text: str) -> bool:
        # a table that prints amounts is not the empty table a note speaks of
        candidates = ([pending] if pending else []) + [t for t in tables[-1:] if not _prints_amounts(t)]
        for table in candidates:
            if (kind is not True and base_kind(table.kind) == kind) or (
                kind is True and (table is pending or prose_since_table <= 3)
            ):
                table.notes.append(text)
                return True
        return False

    for block in doc.blocks:
        if block.paragraph is not None:
            text = block.paragraph.text
            kind = classify_title(text)
            if kind is not None:
                if pending is not None and pending.notes:
                    tables.append(pending)  # a title with only a note: an empty table
                if pending is None or pending.kind != kind or pending.notes:
                    pending = LocatedTable(kind=kind, title=squash(text), title_line=block.paragraph.line)
                for note_kind, note in [n for n in pending_notes if n[0] == base_kind(kind)]:
                    pending.notes.append(note)
                pending_notes = [n for n in pending_notes if n[0] != base_kind(kind)]
                can_continue = False
                continue
            unit = unit_of(text)
            if unit is not None:
                if pending is not None:
                    pending.unit_label = unit
                continue
            if is_furniture(text):
                continue
            note_kind = empty_note_kind(text)
            if note_kind is not None:
                if not attach_note(note_kind, squash(text)):
                    pending_notes.append((note_kind, squash(text)))
                continue
            # ordinary prose: a pending title without a grid was a heading or a contents entry
            prose_since_table += 1
            if pending is not None and pending.notes:
                tables.append(pending)
            pending = None
            can_continue = False
            continue

        rows = block.grid.rows
        if pending is not None:
            pending.rows.extend(rows)
            tables.append(pending)
            pending = None
            can_continue = True
            prose_since_table = 0
            continue
        if is_table_of_contents(rows):
            can_continue = False
            continue
        if can_continue and tables and _next_page(tables[-1].rows, rows):
            tables[-1].rows.extend(_aligned_to(tables[-1].rows, rows))
            tables[-1].continued += 1
            continue
        header_text = "".join(squash(c) for c in rows[0].cells)
        kind = TableKind.STAFFING if _PEOPLE_HEADER.search(header_text) else TableKind.UNCLASSIFIED
        tables.append(
            LocatedTable(
                kind=kind,
                title="",
                title_line=rows[0].line,
                rows=list(rows),
                unit_label="人" if kind == TableKind.STAFFING else "万元",
            )
        )
        can_continue = False
        prose_since_table = 0
    if pending is not None and pending.notes:
        tables.append(pending)
    return tables
